//! Records and ledger entries as JS objects (JSON text parsed, so IndexedDB can index
//! their fields), and photos as Blobs. Here too the sealing at rest (issue 19): once staff
//! sign-in is set up, every value goes through the store's [`AtRest`] on its way in and out.

use std::rc::Rc;

use uuid::Uuid;
use wasm_bindgen::JsValue;

use super::IdbStore;
use crate::domain::keyring::CryptoError;
use crate::domain::record::Record;
use crate::domain::sealing::{is_sealed, Sealer};
use crate::store::{decode, encode, StoreError};

/// How residents' data is kept on this device.
#[derive(Clone, Default)]
pub enum AtRest {
    /// Staff sign-in is not set up: stored as it is (as before issue 19).
    #[default]
    Clear,
    /// Set up and nobody signed in: nothing personal can be read or written.
    Locked,
    /// Signed in: sealed on the way in, opened on the way out.
    Sealed(Rc<Sealer>),
}

/// The MIME type of a sealed photo; the photo's own type is sealed with its bytes.
pub(super) const SEALED_PHOTO: &str = "application/x-patroldesk-sealed";

pub(super) fn refused(key: &str, e: CryptoError) -> StoreError {
    match e {
        CryptoError::Refused => StoreError::Corrupt { key: key.to_owned(), reason: "sealed data does not open with this key".into() },
        CryptoError::Unavailable(reason) => StoreError::Unavailable(reason),
    }
}

impl IdbStore {
    pub(super) fn at_rest(&self) -> AtRest {
        self.at_rest.borrow().clone()
    }

    /// The sealer when signed in, `Ok(None)` when nothing is sealed on this device.
    pub(super) fn sealer(&self) -> Result<Option<Rc<Sealer>>, StoreError> {
        match self.at_rest() {
            AtRest::Clear => Ok(None),
            AtRest::Locked => Err(StoreError::Locked),
            AtRest::Sealed(sealer) => Ok(Some(sealer)),
        }
    }

    pub(super) fn to_js(&self, record: &Record) -> Result<JsValue, StoreError> {
        self.rows_js(&[(record, None)])?.pop().ok_or_else(|| StoreError::Corrupt { key: record.id.to_string(), reason: "JSON.parse".into() })
    }

    /// Rows for records, each with the server revision it is stored at when there is one
    /// ([`ROW_REV`]), written as one JSON text and parsed once: a record at a time, the
    /// text's crossing into the page and the revision set on the parsed row afterwards cost
    /// a new tablet's first pull of a year's records 2.2 s of the page's time.
    pub(super) fn rows_js(&self, records: &[(&Record, Option<&str>)]) -> Result<Vec<JsValue>, StoreError> {
        let sealer = self.sealer()?;
        let corrupt = |key: &Uuid, reason: String| StoreError::Corrupt { key: key.to_string(), reason };
        let mut text: Vec<u8> = Vec::with_capacity(records.len() * 1024 + 2);
        text.push(b'[');
        for (i, (record, rev)) in records.iter().enumerate() {
            let sealed;
            let record = match &sealer {
                Some(sealer) => {
                    sealed = sealer.seal(record).map_err(|e| refused(&record.id.to_string(), e))?;
                    &sealed
                }
                None => *record,
            };
            if i > 0 {
                text.push(b',');
            }
            serde_json::to_writer(&mut text, record).map_err(|e| corrupt(&record.id, e.to_string()))?;
            if let Some(rev) = rev {
                // The object's closing brace gives way to one more property.
                if text.pop() != Some(b'}') {
                    return Err(corrupt(&record.id, "a record is not a JSON object".into()));
                }
                if text.last() != Some(&b'{') {
                    text.push(b',');
                }
                serde_json::to_writer(&mut text, ROW_REV).and_then(|_| {
                    text.push(b':');
                    serde_json::to_writer(&mut text, rev)
                }).map_err(|e| corrupt(&record.id, e.to_string()))?;
                text.push(b'}');
            }
        }
        text.push(b']');
        let text = String::from_utf8(text).map_err(|e| StoreError::Corrupt { key: "rows".into(), reason: e.to_string() })?;
        let parsed = js_sys::JSON::parse(&text).map_err(|_| StoreError::Corrupt { key: "rows".into(), reason: "JSON.parse".into() })?;
        Ok(js_sys::Array::from(&parsed).iter().collect())
    }

    pub(super) fn from_js(&self, value: &JsValue) -> Result<Record, StoreError> {
        let text: String = js_sys::JSON::stringify(value)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| StoreError::Corrupt { key: "?".into(), reason: "not JSON-compatible".into() })?;
        let mut record: Record = decode("record", &text)?;
        self.open_record(&mut record)?;
        Ok(record)
    }

    /// Opens a sealed record in place (a record stored in the clear, from before sign-in was
    /// set up or half-way through sealing, is left as it is).
    pub(super) fn open_record(&self, record: &mut Record) -> Result<(), StoreError> {
        if is_sealed(record) {
            let sealer = self.sealer()?.ok_or(StoreError::Locked)?;
            sealer.open_in_place(record).map_err(|e| refused(&record.id.to_string(), e))?;
        }
        Ok(())
    }

    /// Small text (a draft, the board summary) as it is stored.
    pub(super) fn seal_text(&self, key: &str, text: String) -> Result<String, StoreError> {
        match self.sealer()? {
            Some(sealer) => sealer.seal_text(&text).map_err(|e| refused(key, e)),
            None => Ok(text),
        }
    }

    pub(super) fn open_text(&self, key: &str, stored: String) -> Result<String, StoreError> {
        if !stored.starts_with(crate::domain::sealing::SEALED_TEXT) {
            return Ok(stored);
        }
        let sealer = self.sealer()?.ok_or(StoreError::Locked)?;
        sealer.open_text(&stored).map_err(|e| refused(key, e))
    }

    pub(super) fn ledger_to_js(&self, entry: &crate::store::sync::LedgerEntry) -> Result<JsValue, StoreError> {
        // The previous versions an import replaced hold residents' data as the records do.
        let mut entry = entry.clone();
        if let Some(sealer) = self.sealer()? {
            for prior in entry.priors.iter_mut() {
                if let Some(before) = prior.before.as_mut() {
                    *before = sealer.seal(before).map_err(|e| refused("ledger", e))?;
                }
            }
        }
        let text = encode("ledger", &entry)?;
        js_sys::JSON::parse(&text).map_err(|_| StoreError::Corrupt { key: entry.id.to_string(), reason: "JSON.parse".into() })
    }

    pub(super) fn ledger_from_js(&self, value: &JsValue) -> Result<crate::store::sync::LedgerEntry, StoreError> {
        let text = js_sys::JSON::stringify(value).ok().and_then(|s| s.as_string()).unwrap_or_default();
        let mut entry: crate::store::sync::LedgerEntry = decode("ledger", &text)?;
        for prior in entry.priors.iter_mut() {
            if let Some(before) = prior.before.as_mut() {
                self.open_record(before)?;
            }
        }
        Ok(entry)
    }
}

/// The property of a row holding the last server revision known for its record (issue 20),
/// written with the record by a pull: one request per record instead of two.
pub(super) const ROW_REV: &str = "couch_rev";

/// The server revision a stored row carries.
pub(super) fn row_rev(stored: &JsValue) -> Option<String> {
    js_sys::Reflect::get(stored, &JsValue::from_str(ROW_REV)).ok().and_then(|r| r.as_string())
}

/// Sets the server revision on a row about to be written.
pub(super) fn set_row_rev(row: &JsValue, rev: &str) {
    let _ = js_sys::Reflect::set(row, &JsValue::from_str(ROW_REV), &JsValue::from_str(rev));
}

/// Carries the stored row's server revision over to the row replacing it: every rewrite of
/// a record (an edit, an import, a purge, sealing) keeps it, or the next push would not know
/// the revision it edits and would start a conflicting branch.
pub(super) fn keep_rev(stored: Option<&JsValue>, row: &JsValue) {
    if let Some(rev) = stored.and_then(row_rev) {
        set_row_rev(row, &rev);
    }
}

/// A photo's bytes as a Blob of its type.
pub(super) fn photo_blob(mime: &str, bytes: &[u8]) -> Result<web_sys::Blob, StoreError> {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(|_| StoreError::Aborted("photo".into()))
}
