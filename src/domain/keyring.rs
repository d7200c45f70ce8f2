//! Key slots (密钥槽) for residents' data at rest. One random data key encrypts the personal
//! fields; it is stored only wrapped — once per credential (a staff member's PIN or
//! passphrase, and the site's recovery key) — so adding, changing or removing one person's
//! credential rewraps one copy of the key and never re-encrypts the data.
//!
//! The cipher is an interface ([`Cipher`]): the browser's WebCrypto in the app, a native
//! AES-GCM and PBKDF2 in the tests. Wrong guesses back off and, past [`DISABLE_AFTER`], disable
//! the slot until a supervisor enables it again. That protects a tablet in someone's hands;
//! against a copy of the disk only the key derivation's cost and the secret's length count.
//!
//! Issue 19 builds sign-in, the lock and encryption at rest on this; this module is its core.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An AES-256 key.
pub type Key = [u8; 32];

/// PBKDF2-HMAC-SHA256 rounds for a PIN or a passphrase (OWASP's 2023 figure).
pub const SECRET_ITERATIONS: u32 = 600_000;
/// The recovery key is 160 random bits: its derivation need not be slow.
pub const RECOVERY_ITERATIONS: u32 = 10_000;
pub const PIN_DIGITS: std::ops::RangeInclusive<usize> = 6..=8;
pub const PASSPHRASE_MIN: usize = 12;
/// Wrong guesses allowed before each further one waits.
pub const FREE_ATTEMPTS: u32 = 3;
/// Wrong guesses after which the slot is disabled until a supervisor enables it.
pub const DISABLE_AFTER: u32 = 10;
/// The first wait after the free attempts; it doubles with each further wrong guess.
pub const FIRST_WAIT_S: i64 = 30;
pub const LONGEST_WAIT_S: i64 = 15 * 60;
const RECOVERY_BYTES: usize = 20;
/// Crockford's base32: no I, L, O or U to misread on paper.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The key does not open the data, or the data was changed (AES-GCM's tag).
    #[error("refused")]
    Refused,
    #[error("{0}")]
    Unavailable(String),
}

/// What the key slots need of a cipher.
#[allow(async_fn_in_trait)] // used through generics on one thread; no Send needed
pub trait Cipher {
    /// A key from a secret: PBKDF2-HMAC-SHA256 with `salt` and `iterations`.
    async fn derive(&self, secret: &str, salt: &[u8], iterations: u32) -> Result<Key, CryptoError>;
    /// AES-256-GCM under a fresh random nonce, which leads the returned bytes.
    async fn seal(&self, key: &Key, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError>;
    /// Opens what [`Cipher::seal`] made; [`CryptoError::Refused`] for a wrong key or changed data.
    async fn open(&self, key: &Key, sealed: &[u8]) -> Result<Vec<u8>, CryptoError>;
    fn random(&self, out: &mut [u8]);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotKind {
    Pin,
    Passphrase,
    Recovery,
}

/// One wrapped copy of the data key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    pub id: Uuid,
    /// Whose credential; `None` for the site's recovery key.
    pub staff: Option<Uuid>,
    pub kind: SlotKind,
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub wrapped: Vec<u8>,
    #[serde(default)]
    pub failures: u32,
    #[serde(default)]
    pub last_failure: Option<DateTime<Utc>>,
    #[serde(default)]
    pub disabled: bool,
}

impl Slot {
    /// When the next guess may be made (`None`: now).
    pub fn wait_until(&self) -> Option<DateTime<Utc>> {
        let over = self.failures.checked_sub(FREE_ATTEMPTS)?;
        let wait = FIRST_WAIT_S.saturating_mul(1_i64 << over.min(20)).min(LONGEST_WAIT_S);
        self.last_failure.map(|at| at + Duration::seconds(wait))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretProblem {
    /// A PIN is 6 to 8 digits.
    PinFormat,
    PassphraseTooShort { min: usize },
    /// The same digit throughout, or a run like 123456.
    PinTooSimple,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnlockError {
    #[error("no credential of that kind for this person")]
    NoSlot,
    #[error("wrong; {left} tries before the credential is disabled")]
    Wrong { left: u32 },
    #[error("wait until {0}")]
    WaitUntil(DateTime<Utc>),
    #[error("disabled: a supervisor must enable it again")]
    Disabled,
    #[error(transparent)]
    Crypto(CryptoError),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    #[error("{0:?}")]
    Secret(SecretProblem),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
}

/// Whether a secret may be used for a slot of this kind.
pub fn check_secret(kind: SlotKind, secret: &str) -> Result<(), SecretProblem> {
    match kind {
        SlotKind::Pin => {
            if !PIN_DIGITS.contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_digit()) {
                return Err(SecretProblem::PinFormat);
            }
            let d: Vec<i16> = secret.bytes().map(|b| i16::from(b - b'0')).collect();
            let step = d[1] - d[0];
            if step.abs() <= 1 && d.windows(2).all(|w| w[1] - w[0] == step) {
                return Err(SecretProblem::PinTooSimple);
            }
            Ok(())
        }
        SlotKind::Passphrase if secret.trim().chars().count() < PASSPHRASE_MIN => Err(SecretProblem::PassphraseTooShort { min: PASSPHRASE_MIN }),
        SlotKind::Passphrase | SlotKind::Recovery => Ok(()),
    }
}

/// The recovery key as printed: 32 characters of Crockford base32 in groups of four.
pub fn recovery_text(bytes: &[u8; RECOVERY_BYTES]) -> String {
    let mut bits: u64 = 0;
    let mut held = 0;
    let mut out = String::new();
    for b in bytes {
        bits = (bits << 8) | u64::from(*b);
        held += 8;
        while held >= 5 {
            held -= 5;
            out.push(char::from(RECOVERY_ALPHABET[((bits >> held) & 31) as usize]));
        }
    }
    out.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// A recovery key as typed: case, spaces and dashes do not matter, and the letters people
/// mistake for digits (O, I, L) read as the digits.
pub fn normalise_recovery(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

/// Every slot of a site: the data key wrapped once per credential.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Keyring {
    pub slots: Vec<Slot>,
}

/// A new keyring: the first supervisor's PIN and passphrase, and the recovery key, which is
/// returned once as text to be printed and is never stored.
pub struct Created {
    pub keyring: Keyring,
    pub data_key: Key,
    pub recovery: String,
}

impl Keyring {
    pub async fn create<C: Cipher>(cipher: &C, supervisor: Uuid, pin: &str, passphrase: &str) -> Result<Created, KeyringError> {
        check_secret(SlotKind::Pin, pin).map_err(KeyringError::Secret)?;
        check_secret(SlotKind::Passphrase, passphrase).map_err(KeyringError::Secret)?;
        let mut data_key = [0u8; 32];
        cipher.random(&mut data_key);
        let mut recovery_bytes = [0u8; RECOVERY_BYTES];
        cipher.random(&mut recovery_bytes);
        let recovery = recovery_text(&recovery_bytes);
        let mut keyring = Keyring::default();
        keyring.set(cipher, &data_key, Some(supervisor), SlotKind::Pin, pin).await?;
        keyring.set(cipher, &data_key, Some(supervisor), SlotKind::Passphrase, passphrase).await?;
        keyring.set(cipher, &data_key, None, SlotKind::Recovery, &normalise_recovery(&recovery)).await?;
        Ok(Created { keyring, data_key, recovery })
    }

    /// Sets (adds or changes) one credential: the data key wrapped under it, replacing any
    /// earlier slot of the same person and kind. The data is not touched.
    pub async fn set<C: Cipher>(&mut self, cipher: &C, data_key: &Key, staff: Option<Uuid>, kind: SlotKind, secret: &str) -> Result<Uuid, KeyringError> {
        check_secret(kind, secret).map_err(KeyringError::Secret)?;
        let iterations = if kind == SlotKind::Recovery { RECOVERY_ITERATIONS } else { SECRET_ITERATIONS };
        let mut salt = vec![0u8; 16];
        cipher.random(&mut salt);
        let wrapping = cipher.derive(secret, &salt, iterations).await?;
        let wrapped = cipher.seal(&wrapping, data_key).await?;
        let mut id_bytes = [0u8; 16];
        cipher.random(&mut id_bytes);
        let id = uuid::Builder::from_random_bytes(id_bytes).into_uuid();
        self.slots.retain(|s| !(s.staff == staff && s.kind == kind));
        self.slots.push(Slot { id, staff, kind, salt, iterations, wrapped, failures: 0, last_failure: None, disabled: false });
        Ok(id)
    }

    /// Removes every credential of a person (they left the roster).
    pub fn remove(&mut self, staff: Uuid) {
        self.slots.retain(|s| s.staff != Some(staff));
    }

    /// A supervisor enables a person's disabled credentials again and clears their count.
    pub fn enable(&mut self, staff: Uuid) {
        for s in self.slots.iter_mut().filter(|s| s.staff == Some(staff)) {
            s.disabled = false;
            s.failures = 0;
            s.last_failure = None;
        }
    }

    pub fn has(&self, staff: Option<Uuid>, kind: SlotKind) -> bool {
        self.slots.iter().any(|s| s.staff == staff && s.kind == kind)
    }

    /// Opens the data key with one credential. A wrong secret counts against its slot (the
    /// caller stores the keyring after every try, right or wrong); a right one clears the
    /// count. The recovery key has no backoff to lose: 160 random bits are not guessed.
    pub async fn unlock<C: Cipher>(&mut self, cipher: &C, staff: Option<Uuid>, kind: SlotKind, secret: &str, now: DateTime<Utc>) -> Result<Key, UnlockError> {
        let secret = if kind == SlotKind::Recovery { normalise_recovery(secret) } else { secret.to_owned() };
        let slot = self.slots.iter_mut().find(|s| s.staff == staff && s.kind == kind).ok_or(UnlockError::NoSlot)?;
        if slot.disabled {
            return Err(UnlockError::Disabled);
        }
        if let Some(until) = slot.wait_until().filter(|until| *until > now) {
            return Err(UnlockError::WaitUntil(until));
        }
        let wrapping = cipher.derive(&secret, &slot.salt, slot.iterations).await.map_err(UnlockError::Crypto)?;
        match cipher.open(&wrapping, &slot.wrapped).await {
            Ok(bytes) if bytes.len() == 32 => {
                slot.failures = 0;
                slot.last_failure = None;
                let mut key = [0u8; 32];
                key.copy_from_slice(&bytes);
                Ok(key)
            }
            Ok(_) => Err(UnlockError::Crypto(CryptoError::Refused)),
            Err(CryptoError::Refused) => {
                if kind != SlotKind::Recovery {
                    slot.failures += 1;
                    slot.last_failure = Some(now);
                    slot.disabled = slot.failures >= DISABLE_AFTER;
                }
                if slot.disabled {
                    Err(UnlockError::Disabled)
                } else {
                    Err(UnlockError::Wrong { left: DISABLE_AFTER.saturating_sub(slot.failures) })
                }
            }
            Err(e) => Err(UnlockError::Crypto(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aes_gcm::aead::{Aead, KeyInit};
    use chrono::TimeZone;
    use std::cell::RefCell;

    /// AES-GCM and PBKDF2 as the browser does them, with seeded randomness, and a count of
    /// how often data was sealed (so a test sees that nothing was re-encrypted).
    struct NativeCipher {
        rng: RefCell<fastrand::Rng>,
        sealed: RefCell<usize>,
    }

    impl NativeCipher {
        fn new() -> NativeCipher {
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
            self.random(&mut nonce);
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
        fn random(&self, out: &mut [u8]) {
            self.rng.borrow_mut().fill(out);
        }
    }

    /// Runs a future that never waits (the native cipher is synchronous underneath).
    fn run<F: std::future::Future>(f: F) -> F::Output {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut f = std::pin::pin!(f);
        match f.as_mut().poll(&mut cx) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the native cipher never waits"),
        }
    }

    const BOSS: Uuid = Uuid::from_u128(1);
    const GUARD: Uuid = Uuid::from_u128(2);

    fn t(s: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap() + Duration::seconds(s)
    }

    fn created(c: &NativeCipher) -> Created {
        run(Keyring::create(c, BOSS, "258046", "东湖花园 night shift 2026")).unwrap()
    }

    #[test]
    fn each_credential_opens_the_same_data_key_and_a_wrong_one_is_refused() {
        let c = NativeCipher::new();
        let Created { mut keyring, data_key, recovery } = created(&c);
        assert_eq!(keyring.slots.len(), 3);
        assert_eq!(run(keyring.unlock(&c, Some(BOSS), SlotKind::Pin, "258046", t(0))), Ok(data_key));
        assert_eq!(run(keyring.unlock(&c, Some(BOSS), SlotKind::Passphrase, "东湖花园 night shift 2026", t(0))), Ok(data_key));
        assert_eq!(run(keyring.unlock(&c, None, SlotKind::Recovery, &recovery, t(0))), Ok(data_key));
        assert_eq!(run(keyring.unlock(&c, Some(BOSS), SlotKind::Pin, "258047", t(0))), Err(UnlockError::Wrong { left: DISABLE_AFTER - 1 }));
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "258046", t(0))), Err(UnlockError::NoSlot));
        // Nothing of the data key or the secrets is stored in the clear.
        let stored = serde_json::to_string(&keyring).unwrap();
        assert!(!stored.contains("258046") && !stored.contains(&recovery[..4]));
        assert!(keyring.slots.iter().all(|s| s.wrapped.windows(32).all(|w| w != data_key.as_slice())));
    }

    #[test]
    fn adding_changing_and_removing_a_credential_rewraps_one_key_and_never_the_data() {
        let c = NativeCipher::new();
        let Created { mut keyring, data_key, .. } = created(&c);
        let record = run(c.seal(&data_key, "李娜 13800138000".as_bytes())).unwrap();
        let before = *c.sealed.borrow();
        run(keyring.set(&c, &data_key, Some(GUARD), SlotKind::Pin, "731904")).unwrap();
        assert_eq!(*c.sealed.borrow(), before + 1, "one wrap, no data sealed again");
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", t(0))), Ok(data_key));
        // Changing the PIN replaces that slot only.
        run(keyring.set(&c, &data_key, Some(GUARD), SlotKind::Pin, "640275")).unwrap();
        assert_eq!(keyring.slots.iter().filter(|s| s.staff == Some(GUARD)).count(), 1);
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", t(0))), Err(UnlockError::Wrong { left: DISABLE_AFTER - 1 }));
        let key = run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "640275", t(0))).unwrap();
        assert_eq!(run(c.open(&key, &record)).unwrap(), "李娜 13800138000".as_bytes(), "the data reads with the key as it was");
        keyring.remove(GUARD);
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "640275", t(0))), Err(UnlockError::NoSlot));
        assert!(keyring.has(Some(BOSS), SlotKind::Pin), "the others' slots stay");
    }

    #[test]
    fn tampered_ciphertext_and_tampered_slots_are_refused() {
        let c = NativeCipher::new();
        let Created { mut keyring, data_key, .. } = created(&c);
        let mut record = run(c.seal(&data_key, b"3-2-1201")).unwrap();
        let last = record.len() - 1;
        record[last] ^= 1;
        assert_eq!(run(c.open(&data_key, &record)), Err(CryptoError::Refused));
        record[last] ^= 1;
        record[14] ^= 0x80;
        assert_eq!(run(c.open(&data_key, &record)), Err(CryptoError::Refused));
        // A slot whose wrapped key was altered opens nothing, even with the right PIN.
        let pin = keyring.slots.iter_mut().find(|s| s.kind == SlotKind::Pin).unwrap();
        pin.wrapped[20] ^= 1;
        assert!(matches!(run(keyring.unlock(&c, Some(BOSS), SlotKind::Pin, "258046", t(0))), Err(UnlockError::Wrong { .. })));
    }

    #[test]
    fn wrong_guesses_back_off_then_disable_until_a_supervisor_enables() {
        let c = NativeCipher::new();
        let Created { mut keyring, data_key, .. } = created(&c);
        run(keyring.set(&c, &data_key, Some(GUARD), SlotKind::Pin, "731904")).unwrap();
        let mut now = t(0);
        for n in 1..=FREE_ATTEMPTS {
            assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "000001", now)), Err(UnlockError::Wrong { left: DISABLE_AFTER - n }));
        }
        // Past the free attempts each try waits, 30 s then doubling.
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", now)), Err(UnlockError::WaitUntil(now + Duration::seconds(30))));
        now = now + Duration::seconds(30);
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "000002", now)), Err(UnlockError::Wrong { left: DISABLE_AFTER - 4 }));
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", now + Duration::seconds(59))), Err(UnlockError::WaitUntil(now + Duration::seconds(60))));
        // A right PIN after the wait clears the count.
        now = now + Duration::seconds(60);
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", now)), Ok(data_key));
        assert_eq!(keyring.slots.iter().find(|s| s.staff == Some(GUARD)).unwrap().failures, 0);
        // Ten wrong in a row disable it; then even the right PIN is refused.
        for _ in 0..DISABLE_AFTER {
            now = keyring.slots.iter().find(|s| s.staff == Some(GUARD)).unwrap().wait_until().unwrap_or(now).max(now);
            let _ = run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "999990", now));
        }
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", now + Duration::days(1))), Err(UnlockError::Disabled));
        assert_eq!(keyring.slots.iter().find(|s| s.staff == Some(GUARD)).unwrap().wait_until().map(|u| u - now), Some(Duration::seconds(LONGEST_WAIT_S)), "the wait is capped");
        keyring.enable(GUARD);
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", now)), Ok(data_key));
        // Another person's slot was never touched.
        assert_eq!(keyring.slots.iter().find(|s| s.staff == Some(BOSS) && s.kind == SlotKind::Pin).unwrap().failures, 0);
    }

    #[test]
    fn the_recovery_key_opens_when_every_supervisor_forgot_and_reads_as_typed() {
        let c = NativeCipher::new();
        let Created { mut keyring, data_key, recovery } = created(&c);
        assert_eq!(recovery.len(), 39, "32 characters in eight groups of four");
        assert!(recovery.chars().all(|ch| ch == '-' || RECOVERY_ALPHABET.contains(&(ch as u8))));
        // Every supervisor's credential lost or disabled.
        keyring.remove(BOSS);
        let typed = recovery.to_lowercase().replace('-', " ").replace('0', "o").replace('1', "l");
        assert_eq!(run(keyring.unlock(&c, None, SlotKind::Recovery, &typed, t(0))), Ok(data_key));
        // A new supervisor is set up with the key it gave back.
        run(keyring.set(&c, &data_key, Some(GUARD), SlotKind::Passphrase, "a new passphrase here")).unwrap();
        assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Passphrase, "a new passphrase here", t(0))), Ok(data_key));
        // Wrong recovery keys never disable the site's last way in.
        for _ in 0..(DISABLE_AFTER + 2) {
            assert!(matches!(run(keyring.unlock(&c, None, SlotKind::Recovery, "0000-0000", t(0))), Err(UnlockError::Wrong { .. })));
        }
        assert_eq!(run(keyring.unlock(&c, None, SlotKind::Recovery, &recovery, t(0))), Ok(data_key));
    }

    #[test]
    fn pins_and_passphrases_must_be_long_enough_to_mean_something() {
        assert_eq!(check_secret(SlotKind::Pin, "25804"), Err(SecretProblem::PinFormat));
        assert_eq!(check_secret(SlotKind::Pin, "25804a"), Err(SecretProblem::PinFormat));
        assert_eq!(check_secret(SlotKind::Pin, "123456"), Err(SecretProblem::PinTooSimple));
        assert_eq!(check_secret(SlotKind::Pin, "111111"), Err(SecretProblem::PinTooSimple));
        assert_eq!(check_secret(SlotKind::Pin, "98765432"), Err(SecretProblem::PinTooSimple));
        assert_eq!(check_secret(SlotKind::Pin, "258046"), Ok(()));
        assert_eq!(check_secret(SlotKind::Passphrase, "short one"), Err(SecretProblem::PassphraseTooShort { min: PASSPHRASE_MIN }));
        assert_eq!(check_secret(SlotKind::Passphrase, "东湖花园夜班巡逻二〇二六年"), Ok(()), "characters, not bytes");
        let c = NativeCipher::new();
        assert_eq!(run(Keyring::create(&c, BOSS, "123456", "long enough passphrase")).err(), Some(KeyringError::Secret(SecretProblem::PinTooSimple)));
    }
}
