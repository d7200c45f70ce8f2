//! Settings (device, site, sequences, watermark, board summary) and form drafts: small
//! values stored as JSON text.

use idb::{Query, TransactionMode, TransactionResult};
use wasm_bindgen::JsValue;

use super::{classify, IdbStore, DRAFTS, SETTINGS};
use crate::domain::clock::Stamp;
use crate::domain::draft::Draft;
use crate::domain::settings::{DeviceIdentity, SiteSettings};
use crate::store::{decode, encode, DraftStore, SettingsStore, StoreError, DEVICE_KEY, SITE_KEY};

impl SettingsStore for IdbStore {
    async fn load_device(&self) -> Result<Option<DeviceIdentity>, StoreError> {
        self.read_text(DEVICE_KEY).await?.map(|j| decode(DEVICE_KEY, &j)).transpose()
    }

    async fn save_device(&self, device: &DeviceIdentity) -> Result<(), StoreError> {
        self.write_text(DEVICE_KEY, encode(DEVICE_KEY, device)?).await
    }

    async fn load_site(&self) -> Result<Option<SiteSettings>, StoreError> {
        self.read_text(SITE_KEY).await?.map(|j| decode(SITE_KEY, &j)).transpose()
    }

    async fn save_site(&self, site: &SiteSettings) -> Result<(), StoreError> {
        self.write_text(SITE_KEY, encode(SITE_KEY, site)?).await
    }

    async fn next_sequence(&self, scope: &str) -> Result<u32, StoreError> {
        // Readwrite transactions on one store run one after another, so the read and the
        // write below cannot interleave with another tab's.
        let tx = self.db.transaction(&[SETTINGS], TransactionMode::ReadWrite).map_err(classify)?;
        let probe = tx.object_store(SETTINGS).map_err(classify)?.transaction();
        let step = async {
            let store = tx.object_store(SETTINGS)?;
            let current = store.get(JsValue::from_str(scope))?.await?;
            Ok::<_, idb::Error>((store, current))
        };
        let (store, current) = step.await.map_err(classify)?;
        let current: u32 = match current.and_then(|v| v.as_string()) {
            None => 0,
            Some(text) => decode(scope, &text)?,
        };
        let next = current + 1;
        store.put(&JsValue::from_str(&next.to_string()), Some(&JsValue::from_str(scope))).map_err(classify)?;
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(next),
            TransactionResult::Aborted => Err(match probe.error() {
                Some(e) => classify(idb::Error::DomException(e)),
                None => StoreError::Aborted("sequence".to_owned()),
            }),
        }
    }

    async fn load_export_watermark(&self) -> Result<Option<Stamp>, StoreError> {
        self.read_text(crate::store::WATERMARK_KEY).await?.map(|j| decode(crate::store::WATERMARK_KEY, &j)).transpose()
    }

    async fn save_export_watermark(&self, stamp: Stamp) -> Result<(), StoreError> {
        self.write_text(crate::store::WATERMARK_KEY, encode(crate::store::WATERMARK_KEY, &stamp)?).await
    }

    async fn load_board_summary(&self) -> Result<Option<crate::domain::board::BoardSummary>, StoreError> {
        // A summary that does not read is no loss: the board reads the tickets instead.
        // Locked, or sealed under another key: the same.
        let key = crate::store::BOARD_SUMMARY_KEY;
        Ok(self.read_text(key).await?.and_then(|j| self.open_text(key, j).ok()).and_then(|j| decode(key, &j).ok()))
    }

    async fn save_board_summary(&self, summary: &crate::domain::board::BoardSummary) -> Result<(), StoreError> {
        let key = crate::store::BOARD_SUMMARY_KEY;
        self.write_text(key, self.seal_text(key, encode(key, summary)?)?).await
    }

    async fn load_follow_up(&self, key: &str) -> Result<Option<String>, StoreError> {
        let key = crate::store::follow_up_store_key(key);
        self.read_text(&key).await?.map(|j| decode(&key, &j)).transpose()
    }

    async fn save_follow_up(&self, key: &str, plan: &str) -> Result<(), StoreError> {
        let key = crate::store::follow_up_store_key(key);
        self.write_text(&key, encode(&key, &plan)?).await
    }

    async fn load_keyring(&self) -> Result<Option<crate::domain::keyring::Keyring>, StoreError> {
        self.read_text(crate::store::KEYRING_KEY).await?.map(|j| decode(crate::store::KEYRING_KEY, &j)).transpose()
    }

    async fn save_keyring(&self, keyring: &crate::domain::keyring::Keyring) -> Result<(), StoreError> {
        self.write_text(crate::store::KEYRING_KEY, encode(crate::store::KEYRING_KEY, keyring)?).await
    }
}

impl DraftStore for IdbStore {
    async fn load_draft(&self, form: &str) -> Result<Option<Draft>, StoreError> {
        self.read_text_in(DRAFTS, form).await?.map(|j| self.open_text(form, j).and_then(|j| decode(form, &j))).transpose()
    }

    async fn save_draft(&self, draft: &Draft) -> Result<(), StoreError> {
        let json = self.seal_text(&draft.form, encode(&draft.form, draft)?)?;
        self.put_raw(&[(DRAFTS, JsValue::from_str(&json), Some(JsValue::from_str(&draft.form)))]).await
    }

    async fn discard_draft(&self, form: &str) -> Result<(), StoreError> {
        let tx = self.db.transaction(&[DRAFTS], TransactionMode::ReadWrite).map_err(classify)?;
        tx.object_store(DRAFTS)
            .and_then(|store| store.delete(Query::Key(JsValue::from_str(form))))
            .map_err(classify)?;
        match tx.commit().map_err(classify)?.await.map_err(classify)? {
            TransactionResult::Committed => Ok(()),
            TransactionResult::Aborted => Err(StoreError::Aborted("discard draft".to_owned())),
        }
    }
}
