//! Tells the app's other open tabs what was saved, so they read just that. Only record
//! kinds and ids travel, never data: each tab reads the committed records from IndexedDB
//! itself, so no tab shows what was not committed.

use uuid::Uuid;
use wasm_bindgen::prelude::*;

use crate::domain::record::RecordKind;

const CHANNEL: &str = "patroldesk";
/// Past this many records (an import, sample data) the other tabs load everything again:
/// reading a long list of ids one by one would cost more than that.
pub const MAX_KEYS: usize = 2000;

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Topic {
    Settings,
    /// These records were written (created, edited or tombstoned).
    Records(Vec<(RecordKind, Uuid)>),
    /// Too many to name, or removed physically (sample data): read everything again.
    AllRecords,
}

thread_local! {
    /// One channel for the page, for sending and for listening: a channel does not receive
    /// its own messages. A new channel per message (as before) delivered every write back to
    /// this tab, which then read the records it had just written, and the whole key list of
    /// their stores with them (0.6 s a step at 50,000 tickets).
    static PAGE_CHANNEL: Option<web_sys::BroadcastChannel> = web_sys::BroadcastChannel::new(CHANNEL).ok();
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "topic", rename_all = "snake_case")]
enum Message {
    Settings,
    Records { keys: Vec<(RecordKind, Uuid)> },
    AllRecords,
}

/// Announces a committed change to the other tabs (not to this one).
pub fn announce(topic: Topic) {
    let message = match topic {
        Topic::Settings => Message::Settings,
        Topic::Records(keys) if keys.len() > MAX_KEYS => Message::AllRecords,
        Topic::Records(keys) if keys.is_empty() => return,
        Topic::Records(keys) => Message::Records { keys },
        Topic::AllRecords => Message::AllRecords,
    };
    let Ok(text) = serde_json::to_string(&message) else { return };
    PAGE_CHANNEL.with(|channel| {
        if let Some(channel) = channel {
            // A message that cannot be posted (the page closing) only costs the other tabs
            // their update until they next load.
            let _ = channel.post_message(&JsValue::from_str(&text));
        }
    });
}

/// Calls `on_change` for every change another tab announces, for the life of the page. A
/// message this version does not understand (an older or newer tab) reads as "everything".
pub fn listen(on_change: impl Fn(Topic) + 'static) {
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        let Some(text) = event.data().as_string() else { return };
        let topic = match serde_json::from_str::<Message>(&text) {
            Ok(Message::Settings) => Topic::Settings,
            Ok(Message::Records { keys }) => Topic::Records(keys),
            Ok(Message::AllRecords) => Topic::AllRecords,
            Err(_) if text == "settings" => Topic::Settings,
            Err(_) => Topic::AllRecords,
        };
        on_change(topic);
    });
    PAGE_CHANNEL.with(|channel| {
        if let Some(channel) = channel {
            channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        }
    });
    // For the life of the page, like the channel.
    handler.forget();
}
