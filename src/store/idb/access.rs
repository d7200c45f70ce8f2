//! The access log in IndexedDB: one settings-store entry per event, sealed once signed in.
//! A wrong guess on the lock screen cannot be sealed (nobody is signed in): it waits under
//! its own prefix, holding only who was tried and when, and is sealed at the next sign-in.

use idb::{KeyRange, Query, TransactionMode};
use wasm_bindgen::JsValue;

use super::codec::AtRest;
use super::{classify, IdbStore, SETTINGS};
use crate::domain::access::AccessEntry;
use crate::store::{decode, encode, AccessLogStore, StoreError, ACCESS_PREFIX};

/// Entries written while locked (wrong guesses), in the clear until the next sign-in.
const ACCESS_WAITING_PREFIX: &str = "access-waiting:";

/// The settings keys that begin with `prefix`: every one sorts below the prefix followed by
/// U+FFFF.
pub(super) fn prefix_range(prefix: &str) -> Result<KeyRange, StoreError> {
    KeyRange::bound(&JsValue::from_str(prefix), &JsValue::from_str(&format!("{prefix}\u{ffff}")), Some(false), Some(false)).map_err(classify)
}

impl IdbStore {
    /// Keys and texts under a prefix, in key order.
    pub(super) async fn settings_with_prefix(&self, prefix: &str) -> Result<Vec<(JsValue, String)>, StoreError> {
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(SETTINGS).map_err(classify)?;
        let range = prefix_range(prefix)?;
        let keys = store.get_all_keys(Some(Query::KeyRange(range.clone())), None).map_err(classify)?.await.map_err(classify)?;
        let values = store.get_all(Some(Query::KeyRange(range)), None).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        Ok(keys.into_iter().zip(values).map(|(k, v)| (k, v.as_string().unwrap_or_default())).collect())
    }

    /// Seals the wrong guesses made while locked into the log (at sign-in).
    pub async fn seal_waiting_access(&self) -> Result<(), StoreError> {
        let waiting = self.settings_with_prefix(ACCESS_WAITING_PREFIX).await?;
        if waiting.is_empty() {
            return Ok(());
        }
        let mut items = Vec::with_capacity(waiting.len());
        // Only the id is read: the text is sealed as it was written, and the whole entry's
        // decoding (30 KB of wasm) stays out of the first load, which signs in.
        #[derive(serde::Deserialize)]
        struct EntryId {
            id: uuid::Uuid,
        }
        for (_, text) in &waiting {
            let entry: EntryId = decode("access", text)?;
            let key = format!("{ACCESS_PREFIX}{}", entry.id);
            items.push((SETTINGS, JsValue::from_str(&self.seal_text(&key, text.clone())?), Some(JsValue::from_str(&key))));
        }
        self.put_raw(&items).await?;
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(classify)?;
        let store = tx.object_store(SETTINGS).map_err(classify)?;
        for (key, _) in waiting {
            store.delete(Query::Key(key)).map_err(classify)?;
        }
        tx.commit().map_err(classify)?.await.map_err(classify)?;
        Ok(())
    }
}

/// Quick patrol reports made while locked, each sealed to the drop box.
const LOCKED_REPORT_PREFIX: &str = "locked-report:";

impl IdbStore {
    pub async fn keep_locked_report(&self, id: uuid::Uuid, sealed_b64: String) -> Result<(), StoreError> {
        self.write_text(&format!("{LOCKED_REPORT_PREFIX}{id}"), sealed_b64).await
    }

    /// The reports waiting, as (key, sealed text).
    pub async fn locked_reports(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self.settings_with_prefix(LOCKED_REPORT_PREFIX).await?.into_iter().filter_map(|(k, v)| Some((k.as_string()?, v))).collect())
    }

    pub async fn forget_locked_report(&self, key: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(classify)?;
        tx.object_store(SETTINGS).map_err(classify)?.delete(Query::Key(JsValue::from_str(key))).map_err(classify)?;
        tx.commit().map_err(classify)?.await.map_err(classify)?;
        Ok(())
    }
}

impl AccessLogStore for IdbStore {
    async fn append_access(&self, entry: &AccessEntry) -> Result<(), StoreError> {
        let text = encode("access", entry)?;
        let (key, stored) = match self.at_rest() {
            AtRest::Locked => (format!("{ACCESS_WAITING_PREFIX}{}", entry.id), text),
            _ => {
                let key = format!("{ACCESS_PREFIX}{}", entry.id);
                let sealed = self.seal_text(&key, text)?;
                (key, sealed)
            }
        };
        self.write_text(&key, stored).await
    }

    async fn access_log(&self) -> Result<Vec<AccessEntry>, StoreError> {
        let mut entries = Vec::new();
        for prefix in [ACCESS_PREFIX, ACCESS_WAITING_PREFIX] {
            for (_, text) in self.settings_with_prefix(prefix).await? {
                entries.push(decode::<AccessEntry>("access", &self.open_text("access", text)?)?);
            }
        }
        entries.sort_by(|a, b| b.id.cmp(&a.id));
        Ok(entries)
    }
}
