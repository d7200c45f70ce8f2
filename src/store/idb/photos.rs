//! Photos, stored as Blobs under their SHA-256.

use idb::TransactionMode;
use wasm_bindgen::{JsCast, JsValue};

use super::codec::{photo_blob, refused, SEALED_PHOTO};
use super::{classify, IdbStore, PHOTOS};
use crate::domain::keyring::CryptoError;
use crate::domain::record::Record;
use crate::store::{PhotoStore, PutReport, StoreError};

impl IdbStore {
    /// A stored photo by its SHA-256.
    async fn read_photo(&self, sha256: &str) -> Result<Option<web_sys::Blob>, StoreError> {
        let tx = self.db.transaction(&[PHOTOS], TransactionMode::ReadOnly).map_err(classify)?;
        let store = tx.object_store(PHOTOS).map_err(classify)?;
        let value = store.get(JsValue::from_str(sha256)).map_err(classify)?.await.map_err(classify)?;
        tx.await.map_err(classify)?;
        let Some(blob) = value.and_then(|v| v.dyn_into::<web_sys::Blob>().ok()) else { return Ok(None) };
        if blob.type_() != SEALED_PHOTO {
            return Ok(Some(blob));
        }
        let sealer = self.sealer()?.ok_or(StoreError::Locked)?;
        let sealed = crate::platform::files::blob_bytes(&blob)
            .await
            .map_err(|e| StoreError::Corrupt { key: sha256.to_owned(), reason: format!("{e:?}") })?;
        let plain = sealer.open_bytes(&sealed).map_err(|e| refused(sha256, e))?;
        // The photo's type, a newline, its bytes.
        let split = plain.iter().position(|b| *b == b'\n').ok_or_else(|| refused(sha256, CryptoError::Refused))?;
        let mime = std::str::from_utf8(&plain[..split]).map_err(|_| refused(sha256, CryptoError::Refused))?;
        photo_blob(mime, &plain[split + 1..]).map(Some)
    }

    /// A photo as it is stored: sealed with its type once sign-in is set up.
    pub(super) fn photo_blob_at_rest(&self, mime: &str, bytes: &[u8]) -> Result<web_sys::Blob, StoreError> {
        match self.sealer()? {
            None => photo_blob(mime, bytes),
            Some(sealer) => {
                let mut plain = Vec::with_capacity(mime.len() + 1 + bytes.len());
                plain.extend_from_slice(mime.as_bytes());
                plain.push(b'\n');
                plain.extend_from_slice(bytes);
                photo_blob(SEALED_PHOTO, &sealer.seal_bytes(&plain).map_err(|e| refused("photo", e))?)
            }
        }
    }

    /// [`IdbStore::photo_blob_at_rest`] for a photo the page holds as a Blob.
    pub(super) async fn photo_at_rest(&self, blob: &web_sys::Blob) -> Result<web_sys::Blob, StoreError> {
        if self.sealer()?.is_none() {
            return Ok(blob.clone());
        }
        let bytes = crate::platform::files::blob_bytes(blob)
            .await
            .map_err(|e| StoreError::Corrupt { key: "photo".into(), reason: format!("{e:?}") })?;
        self.photo_blob_at_rest(&blob.type_(), &bytes)
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
