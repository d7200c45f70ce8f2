//! The browser's view of this app's storage: persistence and usage against quota.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct StorageHealth {
    /// Whether the browser promised not to clear this app's data under pressure.
    pub persisted: Option<bool>,
    pub usage: Option<f64>,
    pub quota: Option<f64>,
}

fn manager() -> Option<web_sys::StorageManager> {
    web_sys::window().map(|w| w.navigator().storage())
}

async fn bool_of(promise: Result<js_sys::Promise, wasm_bindgen::JsValue>) -> Option<bool> {
    JsFuture::from(promise.ok()?).await.ok()?.as_bool()
}

/// Asks the browser to keep this app's data even when space runs low. Called at the first
/// real save: browsers grant it more readily to an app the user has actually used.
pub async fn request_persistence() -> Option<bool> {
    bool_of(manager()?.persist()).await
}

pub async fn read() -> StorageHealth {
    let Some(m) = manager() else { return StorageHealth::default() };
    let persisted = bool_of(m.persisted()).await;
    let estimate = match m.estimate() {
        // A dictionary, not a class instance: `instanceof` checks would always fail.
        Ok(p) => JsFuture::from(p).await.ok().map(|v| v.unchecked_into::<web_sys::StorageEstimate>()),
        Err(_) => None,
    };
    StorageHealth {
        persisted,
        usage: estimate.as_ref().and_then(|e| e.get_usage()),
        quota: estimate.as_ref().and_then(|e| e.get_quota()),
    }
}
