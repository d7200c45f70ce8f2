//! The service-worker update handshake. `register-sw.js` (a plain script, so it works
//! before and without the wasm) announces a waiting new build with the
//! `patroldesk:update-ready` event and a `window.__patroldeskUpdateReady` flag (for an
//! announcement made before the app mounted); the app answers with
//! `patroldesk:apply-update` when the user accepts, and the script activates the new
//! worker and reloads once.

use wasm_bindgen::prelude::*;

pub const READY_EVENT: &str = "patroldesk:update-ready";
const APPLY_EVENT: &str = "patroldesk:apply-update";

/// Whether an update was announced before the app started listening.
pub fn already_waiting() -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("__patroldeskUpdateReady")).ok())
        .map(|v| v.is_truthy())
        .unwrap_or(false)
}

/// Calls `on_ready` whenever a new build is waiting.
pub fn on_update_ready(on_ready: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else { return };
    let closure = Closure::<dyn Fn()>::new(on_ready);
    let _ = window.add_event_listener_with_callback(READY_EVENT, closure.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    closure.forget();
}

/// Asks the waiting build to take over; the page reloads when it has.
pub fn apply_update() {
    if let Some(window) = web_sys::window() {
        if let Ok(event) = web_sys::Event::new(APPLY_EVENT) {
            let _ = window.dispatch_event(&event);
        }
    }
}
