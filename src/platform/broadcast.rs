//! Tells the app's other open tabs that something was saved, so they re-read it. Only a
//! topic travels, never data: each tab reads the committed data from IndexedDB itself.

use wasm_bindgen::prelude::*;

const CHANNEL: &str = "patroldesk";

/// What changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Settings,
    Records,
}

impl Topic {
    fn as_str(self) -> &'static str {
        match self {
            Topic::Settings => "settings",
            Topic::Records => "records",
        }
    }
}

/// Announces a committed change to the other tabs (not to this one).
pub fn announce(topic: Topic) {
    if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
        let _ = channel.post_message(&JsValue::from_str(topic.as_str()));
        channel.close();
    }
}

/// Calls `on_change` for every change another tab announces, for the life of the page.
pub fn listen(on_change: impl Fn(Topic) + 'static) {
    let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) else { return };
    let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
        match event.data().as_string().as_deref() {
            Some("settings") => on_change(Topic::Settings),
            Some("records") => on_change(Topic::Records),
            _ => {}
        }
    });
    channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
    handler.forget();
    // The channel must outlive this function; it is closed with the page.
    std::mem::forget(channel);
}
