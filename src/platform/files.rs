//! Files in and out of the browser: downloading an export, reading a chosen file, photo
//! Blobs as bytes, and sealing/opening an encrypted payload with WebCrypto through
//! [`WebCipher`] (AES-GCM, key from PBKDF2-SHA-256). The envelope and every check are the
//! domain's (`domain::export`).

use base64::Engine;
use js_sys::Uint8Array;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::domain::export::{Encryption, MIN_ITERATIONS};
use crate::domain::keyring::{Cipher, CryptoError};
use crate::platform::crypto::{WebCipher, NONCE_BYTES};

/// Why the browser could not do a file operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// The browser refused (no WebCrypto, no download, unreadable file).
    Unsupported(String),
    /// AES-GCM refused the ciphertext: the passphrase is wrong (or the file was altered).
    WrongPassphrase,
}

fn unsupported(e: JsValue) -> FileError {
    FileError::Unsupported(e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string())).unwrap_or_default())
}

/// Offers `text` as a download named `file_name`.
pub fn download(text: &str, file_name: &str, mime: &str) -> Result<(), FileError> {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(unsupported)?;
    download_blob(&blob, file_name)
}

/// Offers bytes (an XLSX workbook, a CSV with its BOM) as a download.
pub fn download_bytes(bytes: &[u8], file_name: &str, mime: &str) -> Result<(), FileError> {
    let parts = js_sys::Array::of1(&Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).map_err(unsupported)?;
    download_blob(&blob, file_name)
}

fn download_blob(blob: &web_sys::Blob, file_name: &str) -> Result<(), FileError> {
    let url = web_sys::Url::create_object_url_with_blob(blob).map_err(unsupported)?;
    let document = web_sys::window().and_then(|w| w.document()).ok_or_else(|| FileError::Unsupported("no document".into()))?;
    let a: web_sys::HtmlAnchorElement = document.create_element("a").map_err(unsupported)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    // Revoked on the next turn: the click has started the download by then.
    let revoke = wasm_bindgen::closure::Closure::once_into_js(move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    });
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(revoke.unchecked_ref(), 1000);
    }
    Ok(())
}

/// A chosen file's text (UTF-8; invalid bytes become U+FFFD and then fail the JSON checks).
pub async fn read_text(file: &web_sys::File) -> Result<String, FileError> {
    let text = JsFuture::from(file.text()).await.map_err(unsupported)?;
    text.as_string().ok_or_else(|| FileError::Unsupported("not text".into()))
}

/// A Blob's bytes (photos for an export).
pub async fn blob_bytes(blob: &web_sys::Blob) -> Result<Vec<u8>, FileError> {
    let buffer = JsFuture::from(blob.array_buffer()).await.map_err(unsupported)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

impl From<CryptoError> for FileError {
    fn from(e: CryptoError) -> Self {
        match e {
            // AES-GCM's tag failed: the passphrase is wrong (or the file was altered).
            CryptoError::Refused => FileError::WrongPassphrase,
            CryptoError::Unavailable(reason) => FileError::Unsupported(reason),
        }
    }
}

/// Encrypts the payload text with a fresh random salt and IV (the same WebCrypto path as
/// the key slots: PBKDF2-SHA-256, then AES-256-GCM).
pub async fn encrypt(plain: &str, passphrase: &str) -> Result<(Encryption, Vec<u8>), FileError> {
    let cipher = WebCipher;
    let mut salt = [0u8; 16];
    cipher.random(&mut salt)?;
    let key = cipher.derive(passphrase, &salt, MIN_ITERATIONS).await?;
    let sealed = cipher.seal(&key, plain.as_bytes()).await?;
    let (iv, ciphertext) = sealed.split_at(NONCE_BYTES);
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let encryption = Encryption { cipher: "AES-GCM".into(), kdf: "PBKDF2-SHA-256".into(), iterations: MIN_ITERATIONS, salt: b64(&salt), iv: b64(iv) };
    Ok((encryption, ciphertext.to_vec()))
}

/// Decrypts a sealed payload; a wrong passphrase is reported as such.
pub async fn decrypt(encryption: &Encryption, ciphertext_b64: &str, passphrase: &str) -> Result<String, FileError> {
    let decode = |s: &str| base64::engine::general_purpose::STANDARD.decode(s).map_err(|_| FileError::WrongPassphrase);
    let (salt, mut sealed, data) = (decode(&encryption.salt)?, decode(&encryption.iv)?, decode(ciphertext_b64)?);
    if sealed.len() != NONCE_BYTES {
        return Err(FileError::WrongPassphrase);
    }
    let cipher = WebCipher;
    let key = cipher.derive(passphrase, &salt, encryption.iterations).await?;
    sealed.extend(data);
    String::from_utf8(cipher.open(&key, &sealed).await?).map_err(|_| FileError::WrongPassphrase)
}
