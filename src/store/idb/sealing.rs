//! Sealing what was stored before staff sign-in was set up (issue 19, migration): record
//! stores, drafts, the import ledger and photos, a page at a time, each page in its own
//! transaction. A record already sealed is left alone, so a pass cut short by a closed tab
//! is simply run again after the next sign-in (the marker below says one is due).

use idb::{KeyRange, Query, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};

use super::codec::SEALED_PHOTO;
use super::{classify, IdbStore, DRAFTS, IMPORT_LEDGER, PHOTOS, SETTINGS};
use crate::domain::record::RecordKind;
use crate::domain::sealing::{is_sealed, personal_fields, SEALED_TEXT};
use crate::store::StoreError;

const PENDING_KEY: &str = "sealing_pending";
const PAGE: u32 = 500;

impl IdbStore {
    /// Whether a sealing pass is due (set up, and not yet finished).
    pub async fn sealing_pending(&self) -> Result<bool, StoreError> {
        Ok(self.read_text(PENDING_KEY).await?.is_some())
    }

    /// Marks a pass as due: written before the keyring, so a tab closed in between still
    /// finishes the pass after its first sign-in.
    pub async fn mark_sealing_pending(&self) -> Result<(), StoreError> {
        self.write_text(PENDING_KEY, "true".to_owned()).await
    }

    /// How many values a full pass looks at (for its progress).
    pub async fn sealing_total(&self) -> Result<usize, StoreError> {
        let mut names: Vec<&str> = RecordKind::ALL.iter().filter(|k| !personal_fields(**k).is_empty()).map(|k| k.store_name()).collect();
        names.extend([DRAFTS, IMPORT_LEDGER, PHOTOS]);
        let mut total = 0;
        for name in names {
            let tx = self.db.transaction(&[name], TransactionMode::ReadOnly).map_err(classify)?;
            total += tx.object_store(name).map_err(classify)?.count(None).map_err(classify)?.await.map_err(classify)? as usize;
            tx.await.map_err(classify)?;
        }
        Ok(total)
    }

    /// Seals everything stored in the clear; `progress` hears how many values were looked at.
    /// The store must be unlocked ([`super::AtRest::Sealed`]).
    pub async fn seal_existing(&self, progress: impl Fn(usize)) -> Result<(), StoreError> {
        if self.sealer()?.is_none() {
            return Err(StoreError::Locked);
        }
        let mut done = 0;
        for kind in RecordKind::ALL.into_iter().filter(|k| !personal_fields(*k).is_empty()) {
            self.seal_pages(kind.store_name(), &mut done, &progress, |store, value| {
                let record = store.from_js(value)?;
                let row = (!is_sealed(&record) && has_personal(&record)).then(|| store.to_js(&record)).transpose()?;
                if let Some(row) = &row {
                    super::codec::keep_rev(Some(value), row);
                }
                Ok(row.map(|v| (v, None)))
            })
            .await?;
        }
        self.seal_pages(IMPORT_LEDGER, &mut done, &progress, |store, value| {
            let entry = store.ledger_from_js(value)?;
            Ok(Some((store.ledger_to_js(&entry)?, None)))
        })
        .await?;
        done += self.seal_drafts().await?;
        self.seal_photos(&mut done, &progress).await?;
        // The board summary is written again, sealed, when the page is next hidden.
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(classify)?;
        let settings = tx.object_store(SETTINGS).map_err(classify)?;
        settings.delete(Query::Key(JsValue::from_str(crate::store::BOARD_SUMMARY_KEY))).map_err(classify)?;
        settings.delete(Query::Key(JsValue::from_str(PENDING_KEY))).map_err(classify)?;
        tx.commit().map_err(classify)?.await.map_err(classify)?;
        Ok(())
    }

    /// Pages through a store by key; `reseal` gives the value to store instead (and its key
    /// for stores without a key path), or `None` to leave it.
    async fn seal_pages(
        &self,
        name: &str,
        done: &mut usize,
        progress: &impl Fn(usize),
        reseal: impl Fn(&IdbStore, &JsValue) -> Result<Option<(JsValue, Option<JsValue>)>, StoreError>,
    ) -> Result<(), StoreError> {
        let mut after: Option<JsValue> = None;
        loop {
            let tx = self.db.transaction(&[name], TransactionMode::ReadWrite).map_err(classify)?;
            let store = tx.object_store(name).map_err(classify)?;
            let query = match &after {
                Some(key) => Some(Query::KeyRange(KeyRange::lower_bound(key, Some(true)).map_err(classify)?)),
                None => None,
            };
            let keys = store.get_all_keys(query.clone(), Some(PAGE)).map_err(classify)?.await.map_err(classify)?;
            let values = store.get_all(query, Some(PAGE)).map_err(classify)?.await.map_err(classify)?;
            for value in &values {
                if let Some((sealed, key)) = reseal(self, value)? {
                    store.put(&sealed, key.as_ref()).map_err(classify)?;
                }
            }
            tx.commit().map_err(classify)?.await.map_err(classify)?;
            *done += values.len();
            progress(*done);
            match keys.last() {
                Some(last) if values.len() == PAGE as usize => after = Some(last.clone()),
                _ => return Ok(()),
            }
        }
    }

    async fn seal_drafts(&self) -> Result<usize, StoreError> {
        let tx = self.db.transaction(&[DRAFTS], TransactionMode::ReadWrite).map_err(classify)?;
        let store = tx.object_store(DRAFTS).map_err(classify)?;
        let keys = store.get_all_keys(None, None).map_err(classify)?.await.map_err(classify)?;
        let values = store.get_all(None, None).map_err(classify)?.await.map_err(classify)?;
        let count = values.len();
        for (key, value) in keys.iter().zip(values) {
            let Some(text) = value.as_string().filter(|t| !t.starts_with(SEALED_TEXT)) else { continue };
            let sealed = self.seal_text("draft", text)?;
            store.put(&JsValue::from_str(&sealed), Some(key)).map_err(classify)?;
        }
        tx.commit().map_err(classify)?.await.map_err(classify)?;
        Ok(count)
    }

    /// Photos one at a time: a Blob's bytes are read outside any transaction.
    async fn seal_photos(&self, done: &mut usize, progress: &impl Fn(usize)) -> Result<(), StoreError> {
        let keys = {
            let tx = self.db.transaction(&[PHOTOS], TransactionMode::ReadOnly).map_err(classify)?;
            let keys = tx.object_store(PHOTOS).map_err(classify)?.get_all_keys(None, None).map_err(classify)?.await.map_err(classify)?;
            tx.await.map_err(classify)?;
            keys
        };
        for key in keys {
            let tx = self.db.transaction(&[PHOTOS], TransactionMode::ReadOnly).map_err(classify)?;
            let value = tx.object_store(PHOTOS).map_err(classify)?.get(key.clone()).map_err(classify)?.await.map_err(classify)?;
            tx.await.map_err(classify)?;
            *done += 1;
            let Some(blob) = value.and_then(|v| v.dyn_into::<web_sys::Blob>().ok()).filter(|b| b.type_() != SEALED_PHOTO) else { continue };
            let sealed = self.photo_at_rest(&blob).await?;
            self.put_raw(&[(PHOTOS, sealed.into(), Some(key))]).await?;
            if *done % 20 == 0 {
                progress(*done);
            }
        }
        progress(*done);
        Ok(())
    }
}

fn has_personal(record: &crate::domain::record::Record) -> bool {
    let fields = personal_fields(record.kind);
    fields.iter().any(|f| record.body.get(*f).is_some()) || record.writes.iter().any(|w| fields.contains(&w.field.as_str()))
}
