//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use aes_gcm::aead::{Aead, KeyInit};
use patroldesk::domain::keyring::{Cipher, CryptoError, Key};

/// The in-memory store never waits, so polling finishes every future. More than once: parts
/// of a use case that run side by side hand work to each other over a channel (the pull's
/// page reader), and a part waiting on the other is polled again once it has handed over.
pub fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    for _ in 0..1_000_000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            return v;
        }
    }
    panic!("the in-memory store should never be pending")
}

/// Nobody chosen as on duty, now, at UTC+8.
pub fn who() -> patroldesk::app::Who {
    patroldesk::app::Who { actor: None, now: chrono::Utc::now(), offset_min: 480 }
}

/// Tablet `n`, named 平板n.
pub fn device(n: u128) -> patroldesk::domain::settings::DeviceIdentity {
    use patroldesk::domain::settings::DeviceIdentity;
    DeviceIdentity { name: format!("平板{n}"), ..DeviceIdentity::new(uuid::Uuid::from_u128(0xabc000 + n)) }
}

/// The site 东湖花园 (DH01).
pub fn site() -> patroldesk::domain::settings::SiteSettings {
    use patroldesk::domain::settings::SiteSettings;
    SiteSettings { site_code: "DH01".into(), site_name: "东湖花园".into(), ..SiteSettings::default() }
}

/// AES-GCM and PBKDF2 as the browser does them, with seeded randomness, and a count of
/// how often data was sealed (so a test sees that nothing was re-encrypted).
pub struct NativeCipher {
    rng: RefCell<fastrand::Rng>,
    pub sealed: RefCell<usize>,
}

impl NativeCipher {
    pub fn new() -> NativeCipher {
        NativeCipher { rng: RefCell::new(fastrand::Rng::with_seed(19)), sealed: RefCell::new(0) }
    }
}

impl Cipher for NativeCipher {
    async fn derive(&self, secret: &str, salt: &[u8], iterations: u32) -> Result<Key, CryptoError> {
        // The tests derive with few rounds: the rounds are the browser's cost, not the logic's.
        Ok(pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(secret.as_bytes(), salt, iterations.min(1_000)))
    }
    async fn seal(&self, key: &Key, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        *self.sealed.borrow_mut() += 1;
        let mut nonce = [0u8; 12];
        self.random(&mut nonce)?;
        let aes = aes_gcm::Aes256Gcm::new_from_slice(key).map_err(|e| CryptoError::Unavailable(e.to_string()))?;
        let mut out = nonce.to_vec();
        out.extend(aes.encrypt(aes_gcm::Nonce::from_slice(&nonce), plaintext).map_err(|_| CryptoError::Refused)?);
        Ok(out)
    }
    async fn open(&self, key: &Key, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 12 {
            return Err(CryptoError::Refused);
        }
        let aes = aes_gcm::Aes256Gcm::new_from_slice(key).map_err(|e| CryptoError::Unavailable(e.to_string()))?;
        aes.decrypt(aes_gcm::Nonce::from_slice(&sealed[..12]), &sealed[12..]).map_err(|_| CryptoError::Refused)
    }
    fn random(&self, out: &mut [u8]) -> Result<(), CryptoError> {
        self.rng.borrow_mut().fill(out);
        Ok(())
    }
}

/// A whole export of `records` from tablet `n` of 东湖花园, as its file text, exported when
/// its newest record was written: the tests' own clock, not today's, which the importing
/// side's skew bound would call the future once the real date is past the tests' fixed one.
pub fn file_of(records: Vec<patroldesk::domain::record::Record>, n: u128) -> String {
    use patroldesk::domain::export::{build, to_file_text, DeviceInfo, ExportMeta, Payload, SiteInfo};
    use uuid::Uuid;
    let exported_at = records
        .iter()
        .flat_map(|r| [Some(r.updated_at), r.deleted_at, r.purged_at])
        .flatten()
        .map(|stamp| stamp.utc())
        .max()
        .unwrap_or(chrono::DateTime::UNIX_EPOCH);
    let meta = ExportMeta {
        app_version: "test".into(),
        export_id: Uuid::from_u128(n),
        device: DeviceInfo { id: Uuid::from_u128(n), name: format!("tablet {n}") },
        site: SiteInfo { name: "东湖花园".into(), code: "DH01".into() },
        exported_at,
        utc_offset_min: 480,
        since: None,
    };
    to_file_text(&build(meta, Payload { records, ..Payload::default() }, false).0)
}
