//! Photos, stored as Blobs under their SHA-256.

use idb::TransactionMode;
use wasm_bindgen::{JsCast, JsValue};

use super::{classify, IdbStore, PHOTOS};
use crate::domain::record::Record;
use crate::store::{PhotoStore, PutReport, StoreError};

impl IdbStore {
    /// A stored photo by its SHA-256.
    async fn read_photo(&self, sha256: &str) -> Result<Option<web_sys::Blob>, StoreError> {
        let tx = self.db.transaction(&[PHOTOS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(PHOTOS).map_err(classify)?;
        let value = store.get(JsValue::from_str(sha256)).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        Ok(value.and_then(|v| v.dyn_into::<web_sys::Blob>().ok()))
    }
}

impl PhotoStore for IdbStore {
    type Blob = web_sys::Blob;

    async fn put_many_with_photos(&self, records: &[Record], photos: &[(String, web_sys::Blob)]) -> Result<PutReport, StoreError> {
        self.write_with_photos(records, photos).await
    }

    async fn photo(&self, sha256: &str) -> Result<Option<web_sys::Blob>, StoreError> {
        self.read_photo(sha256).await
    }

    async fn photo_file(&self, sha256: &str) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let Some(blob) = self.read_photo(sha256).await? else { return Ok(None) };
        let bytes = crate::platform::files::blob_bytes(&blob)
            .await
            .map_err(|e| StoreError::Corrupt { key: sha256.to_owned(), reason: format!("{e:?}") })?;
        Ok(Some((blob.type_(), bytes)))
    }
}
