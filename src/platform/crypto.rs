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

/// ECDH on P-256: the drop box of the quick patrol report made while locked (see
/// [`crate::domain::keyring::DropBox`]).
fn ecdh() -> Object {
    object(&[("name", "ECDH".into()), ("namedCurve", "P-256".into())])
}

async fn subtle_call(promise: Result<js_sys::Promise, JsValue>) -> Result<JsValue, CryptoError> {
    JsFuture::from(promise.map_err(unavailable)?).await.map_err(unavailable)
}

async fn key_pair() -> Result<(web_sys::CryptoKey, web_sys::CryptoKey), CryptoError> {
    let usages = js_sys::Array::of1(&JsValue::from_str("deriveBits"));
    let pair = subtle_call(crypto()?.subtle().generate_key_with_object(&ecdh(), true, &usages)).await?;
    let half = |name: &str| Reflect::get(&pair, &JsValue::from_str(name)).map(|k| k.unchecked_into::<web_sys::CryptoKey>()).map_err(unavailable);
    Ok((half("publicKey")?, half("privateKey")?))
}

async fn export(format: &str, key: &web_sys::CryptoKey) -> Result<Vec<u8>, CryptoError> {
    Ok(Uint8Array::new(&subtle_call(crypto()?.subtle().export_key(format, key)).await?).to_vec())
}

async fn import(format: &str, bytes: &[u8], private: bool) -> Result<web_sys::CryptoKey, CryptoError> {
    let usages = if private { js_sys::Array::of1(&JsValue::from_str("deriveBits")) } else { js_sys::Array::new() };
    let raw = Uint8Array::from(bytes);
    Ok(subtle_call(crypto()?.subtle().import_key_with_object(format, &raw, &ecdh(), false, &usages)).await.map_err(|_| CryptoError::Refused)?.unchecked_into())
}

/// The AES key both sides reach: SHA-256 over a label, the ECDH secret and the sender's
/// one-time public key.
async fn shared_key(private: &web_sys::CryptoKey, public: &web_sys::CryptoKey, sender_public: &[u8]) -> Result<Key, CryptoError> {
    use sha2::Digest;
    let algorithm = object(&[("name", "ECDH".into()), ("public", public.into())]);
    let secret = Uint8Array::new(&subtle_call(crypto()?.subtle().derive_bits_with_object(&algorithm, private, 256)).await?).to_vec();
    let mut hash = sha2::Sha256::new();
    hash.update(b"patroldesk drop box v1");
    hash.update(&secret);
    hash.update(sender_public);
    Ok(hash.finalize().into())
}

/// A new drop box, its private half sealed under the data key.
pub async fn new_drop_box(data_key: &Key) -> Result<crate::domain::keyring::DropBox, CryptoError> {
    let (public, private) = key_pair().await?;
    let public = export("raw", &public).await?;
    let private = export("pkcs8", &private).await?;
    Ok(crate::domain::keyring::DropBox { public, private_sealed: sealer(data_key).seal_bytes(&private)? })
}

/// Seals `plain` to the drop box's public key: a one-time key pair's public half (65 bytes),
/// then the AES-GCM box.
pub async fn drop_seal(public: &[u8], plain: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let recipient = import("raw", public, false).await?;
    let (mine_public, mine_private) = key_pair().await?;
    let mine = export("raw", &mine_public).await?;
    let key = shared_key(&mine_private, &recipient, &mine).await?;
    let mut out = mine;
    out.extend(sealer(&key).seal_bytes(plain)?);
    Ok(out)
}

/// Opens what [`drop_seal`] sealed, with the data key of whoever signed in.
pub async fn drop_open(drop_box: &crate::domain::keyring::DropBox, data_key: &Key, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    const PUBLIC: usize = 65;
    if sealed.len() < PUBLIC {
        return Err(CryptoError::Refused);
    }
    let private = import("pkcs8", &sealer(data_key).open_bytes(&drop_box.private_sealed)?, true).await?;
    let sender = import("raw", &sealed[..PUBLIC], false).await?;
    let key = shared_key(&private, &sender, &sealed[..PUBLIC]).await?;
    sealer(&key).open_bytes(&sealed[PUBLIC..])
}
