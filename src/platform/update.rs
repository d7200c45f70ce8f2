//! The service-worker update handshake. `register-sw.js` (a plain script, so it works
//! before and without the wasm) announces a waiting new build with the
//! `patroldesk:update-ready` event and a `window.__patroldeskUpdateReady` flag (for an
//! announcement made before the app mounted); the app answers with
//! `patroldesk:apply-update` when the user accepts, and the script activates the new
//! worker and reloads once. When another tab applied an update, the script says so with
//! `patroldesk:updated-elsewhere` (and `window.__patroldeskUpdatedElsewhere`): this page
//! still runs the old build and has to be loaded again.

use wasm_bindgen::prelude::*;

const READY_EVENT: &str = "patroldesk:update-ready";
const READY_FLAG: &str = "__patroldeskUpdateReady";
const ELSEWHERE_EVENT: &str = "patroldesk:updated-elsewhere";
const ELSEWHERE_FLAG: &str = "__patroldeskUpdatedElsewhere";
const APPLY_EVENT: &str = "patroldesk:apply-update";

fn flag(name: &str) -> bool {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str(name)).ok())
        .map(|v| v.is_truthy())
        .unwrap_or(false)
}

fn on_event(name: &str, handler: impl Fn() + 'static) {
    let Some(window) = web_sys::window() else { return };
    let closure = Closure::<dyn Fn()>::new(handler);
    let _ = window.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    // The listener lives as long as the page.
    closure.forget();
}

/// Whether an update was announced before the app started listening.
pub fn already_waiting() -> bool {
    flag(READY_FLAG)
}

/// Calls `on_ready` whenever a new build is waiting.
pub fn on_update_ready(on_ready: impl Fn() + 'static) {
    on_event(READY_EVENT, on_ready);
}

/// Whether another tab has already put a new build in charge of this page.
pub fn already_updated_elsewhere() -> bool {
    flag(ELSEWHERE_FLAG)
}

/// Calls `on_updated` when another tab applies an update.
pub fn on_updated_elsewhere(on_updated: impl Fn() + 'static) {
    on_event(ELSEWHERE_EVENT, on_updated);
}

/// Asks the waiting build to take over; the page reloads when it has (at once, when another
/// tab has already applied it).
pub fn apply_update() {
    if let Some(window) = web_sys::window() {
        if let Ok(event) = web_sys::Event::new(APPLY_EVENT) {
            let _ = window.dispatch_event(&event);
        }
    }
}

/// Loads the page again, onto the build the service worker now serves.
pub fn reload() {
    if let Some(window) = web_sys::window() {
        let _ = window.location().reload();
    }
}
