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
//! Tested in `tests/keyring.rs` with a native cipher (`tests/common`).

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
pub const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

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
    /// Fills `out` from a cryptographic source; an error rather than a key of zeros.
    fn random(&self, out: &mut [u8]) -> Result<(), CryptoError>;
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
    /// Minutes without a touch before the tablet locks (`None`: [`LOCK_AFTER_MIN`]). Kept
    /// with the slots: it is this tablet's policy, never exported.
    #[serde(default)]
    pub lock_after_min: Option<u32>,
    /// Where a quick patrol report made while locked is sealed (nobody signed in holds the
    /// data key then): a public key anyone may seal to, whose private half is sealed under the
    /// data key and opened at the next sign-in.
    #[serde(default)]
    pub drop_box: Option<DropBox>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropBox {
    /// An ECDH P-256 public key, uncompressed (65 bytes).
    pub public: Vec<u8>,
    /// Its private key (PKCS #8) sealed under the data key.
    pub private_sealed: Vec<u8>,
}

/// Idle minutes before the lock, unless the supervisor chose otherwise: short enough that a
/// tablet put down in a lobby locks before a passer-by picks it up, long enough not to lock
/// during a resident's call.
pub const LOCK_AFTER_MIN: u32 = 5;
pub const LOCK_AFTER_RANGE: std::ops::RangeInclusive<u32> = 1..=30;
/// Seconds the page may be hidden (another app, the screen off) before the tablet locks.
pub const HIDDEN_GRACE_S: u32 = 30;

impl Keyring {
    pub fn lock_after_min(&self) -> u32 {
        self.lock_after_min.filter(|m| LOCK_AFTER_RANGE.contains(m)).unwrap_or(LOCK_AFTER_MIN)
    }

    /// The people who can sign in on this tablet (have a slot that is not the recovery key's).
    pub fn people(&self) -> Vec<Uuid> {
        let mut people: Vec<Uuid> = self.slots.iter().filter_map(|s| s.staff).collect();
        people.sort_unstable();
        people.dedup();
        people
    }

    pub fn slot(&self, staff: Option<Uuid>, kind: SlotKind) -> Option<&Slot> {
        self.slots.iter().find(|s| s.staff == staff && s.kind == kind)
    }
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
        cipher.random(&mut data_key)?;
        let mut recovery_bytes = [0u8; RECOVERY_BYTES];
        cipher.random(&mut recovery_bytes)?;
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
        cipher.random(&mut salt)?;
        let wrapping = cipher.derive(secret, &salt, iterations).await?;
        let wrapped = cipher.seal(&wrapping, data_key).await?;
        let mut id_bytes = [0u8; 16];
        cipher.random(&mut id_bytes)?;
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
