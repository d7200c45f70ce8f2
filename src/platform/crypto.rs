//! The browser's WebCrypto behind the key slots' [`Cipher`]: PBKDF2-SHA-256 for deriving a key
//! from a PIN, a passphrase or the recovery key, AES-256-GCM for wrapping the data key and for
//! the data itself; the encrypted export files (`files.rs`) use it too.

use js_sys::{Object, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::domain::keyring::{Cipher, CryptoError, Key};

/// The AES-GCM nonce that leads every sealed box.
pub const NONCE_BYTES: usize = 12;

fn unavailable(e: JsValue) -> CryptoError {
    CryptoError::Unavailable(e.as_string().or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string())).unwrap_or_else(|| "WebCrypto".into()))
}

fn crypto() -> Result<web_sys::Crypto, CryptoError> {
    web_sys::window().ok_or_else(|| CryptoError::Unavailable("no window".into()))?.crypto().map_err(unavailable)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o
}

async fn aes_key(key: &Key, usage: &str) -> Result<web_sys::CryptoKey, CryptoError> {
    let subtle = crypto()?.subtle();
    let usages = js_sys::Array::of1(&JsValue::from_str(usage));
    let raw = Uint8Array::from(key.as_slice());
    let promise = subtle.import_key_with_object("raw", &raw, &object(&[("name", "AES-GCM".into())]), false, &usages).map_err(unavailable)?;
    Ok(JsFuture::from(promise).await.map_err(unavailable)?.unchecked_into())
}

/// WebCrypto in the page.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebCipher;

impl Cipher for WebCipher {
    async fn derive(&self, secret: &str, salt: &[u8], iterations: u32) -> Result<Key, CryptoError> {
        let subtle = crypto()?.subtle();
        let raw = Uint8Array::from(secret.as_bytes());
        let usages = js_sys::Array::of1(&JsValue::from_str("deriveBits"));
        let base = JsFuture::from(subtle.import_key_with_object("raw", &raw, &object(&[("name", "PBKDF2".into())]), false, &usages).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        let algorithm = object(&[
            ("name", "PBKDF2".into()),
            ("hash", "SHA-256".into()),
            ("salt", Uint8Array::from(salt).into()),
            ("iterations", iterations.into()),
        ]);
        let bits = JsFuture::from(subtle.derive_bits_with_object(&algorithm, base.unchecked_ref(), 256).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        let bytes = Uint8Array::new(&bits).to_vec();
        bytes.try_into().map_err(|_| CryptoError::Unavailable("PBKDF2 gave the wrong length".into()))
    }

    async fn seal(&self, key: &Key, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut nonce = [0u8; NONCE_BYTES];
        self.random(&mut nonce)?;
        let key = aes_key(key, "encrypt").await?;
        let algorithm = object(&[("name", "AES-GCM".into()), ("iv", Uint8Array::from(nonce.as_slice()).into())]);
        let sealed = JsFuture::from(crypto()?.subtle().encrypt_with_object_and_u8_array(&algorithm, &key, plaintext).map_err(unavailable)?)
            .await
            .map_err(unavailable)?;
        let mut out = nonce.to_vec();
        out.extend(Uint8Array::new(&sealed).to_vec());
        Ok(out)
    }

    async fn open(&self, key: &Key, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < NONCE_BYTES {
            return Err(CryptoError::Refused);
        }
        let key = aes_key(key, "decrypt").await?;
        let algorithm = object(&[("name", "AES-GCM".into()), ("iv", Uint8Array::from(&sealed[..NONCE_BYTES]).into())]);
        let promise = crypto()?.subtle().decrypt_with_object_and_u8_array(&algorithm, &key, &sealed[NONCE_BYTES..]).map_err(unavailable)?;
        // A rejected decrypt is AES-GCM's tag failing: a wrong key or changed bytes.
        let plain = JsFuture::from(promise).await.map_err(|_| CryptoError::Refused)?;
        Ok(Uint8Array::new(&plain).to_vec())
    }

    fn random(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        let c = crypto()?;
        // getRandomValues takes at most 64 KiB at once.
        for chunk in out.chunks_mut(65_536) {
            c.get_random_values_with_u8_array(chunk).map_err(unavailable)?;
        }
        Ok(())
    }
}

/// The data key as the store's [`Sealer`](crate::domain::sealing::Sealer), with nonces from
/// the browser's `getRandomValues` (synchronous, so sealing fits inside a transaction).
pub fn sealer(key: &Key) -> crate::domain::sealing::Sealer {
    crate::domain::sealing::Sealer::new(key, |out| WebCipher.random(out))
}
