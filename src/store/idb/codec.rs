//! Records and ledger entries as JS objects (JSON text parsed, so IndexedDB can index
//! their fields), and photos as Blobs.

use wasm_bindgen::JsValue;

use crate::domain::record::Record;
use crate::store::{decode, encode, StoreError};

pub(super) fn to_js(record: &Record) -> Result<JsValue, StoreError> {
    let text = encode(&record.id.to_string(), record)?;
    js_sys::JSON::parse(&text).map_err(|_| StoreError::Corrupt { key: record.id.to_string(), reason: "JSON.parse".into() })
}

pub(super) fn from_js(value: &JsValue) -> Result<Record, StoreError> {
    let text: String = js_sys::JSON::stringify(value)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| StoreError::Corrupt { key: "?".into(), reason: "not JSON-compatible".into() })?;
    decode("record", &text)
}

/// A photo's bytes as a Blob of its type.
pub(super) fn photo_blob(mime: &str, bytes: &[u8]) -> Result<web_sys::Blob, StoreError> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| StoreError::Aborted("photo".into()))
}

pub(super) fn ledger_to_js(entry: &crate::store::sync::LedgerEntry) -> Result<JsValue, StoreError> {
    let text = encode("ledger", entry)?;
    js_sys::JSON::parse(&text).map_err(|_| StoreError::Corrupt { key: entry.id.to_string(), reason: "JSON.parse".into() })
}

pub(super) fn ledger_from_js(value: &JsValue) -> Result<crate::store::sync::LedgerEntry, StoreError> {
    let text = js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default();
    decode("ledger", &text)
}
