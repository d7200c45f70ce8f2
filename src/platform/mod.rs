//! Browser glue that is not storage of records: small preferences, the browser's language
//! and clock, and the service worker's update handshake.

pub mod broadcast;
pub mod couch;
pub mod crypto;
pub mod files;
pub mod health;
pub mod photos;
pub mod prefs;
pub mod update;
pub mod xlsx;

use crate::domain::locale::Lang;

/// The browser's preferred languages, most preferred first.
pub fn browser_lang() -> Lang {
    let Some(window) = web_sys::window() else { return Lang::En };
    let nav = window.navigator();
    let list: Vec<String> = nav.languages().iter().filter_map(|v| v.as_string()).collect();
    if list.is_empty() {
        let single = nav.language().unwrap_or_default();
        return Lang::from_browser([single.as_str()]);
    }
    Lang::from_browser(list.iter().map(String::as_str))
}

/// The device's current offset from UTC in minutes east (UTC+8 → 480).
pub fn utc_offset_minutes() -> i32 {
    // getTimezoneOffset is minutes *behind* UTC, so the sign flips.
    -(js_sys::Date::new_0().get_timezone_offset() as i32)
}

/// The build id written into index.html by the post-build step (shown in Settings, and
/// how the update test tells two builds apart).
pub fn build_id() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector("meta[name=patroldesk-build]").ok().flatten())
        .and_then(|m| m.get_attribute("content"))
        .unwrap_or_else(|| "dev".to_owned())
}

/// Waits until the next frame has been painted (a frame callback, then a zero-delay timer):
/// work that can wait for the first look of a view starts after it.
pub async fn after_paint() {
    use wasm_bindgen::JsCast;
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        let then = wasm_bindgen::closure::Closure::once_into_js(move || {
            if let Some(w) = web_sys::window() {
                let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(resolve.unchecked_ref(), 0);
            }
        });
        if let Some(w) = web_sys::window() {
            let _ = w.request_animation_frame(then.unchecked_ref());
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits for the next turn of the event loop (a zero-delay timer), so long work done in
/// batches lets the page paint progress and answer taps between batches.
pub async fn next_turn() {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// A named point on the page's performance timeline (`performance.mark`): `make bench`
/// reads them to split a cold start into its phases. Costs nothing worth measuring.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// The browser's print dialog (an A4 record, a review, the recovery sheet).
pub fn print() {
    if let Some(w) = web_sys::window() {
        let _ = w.print();
    }
}
