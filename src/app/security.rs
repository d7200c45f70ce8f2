//! Staff credentials over the key slots (issue 19): set up the first supervisor, unlock,
//! set or change a person's credential, enable a disabled one, remove a person's. The
//! keyring is stored after every unlock attempt, right or wrong, so a reload never forgets a
//! wrong guess. Nothing here decides who is signed in: that is the caller's, with the key.

use thiserror::Error;
use uuid::Uuid;

use crate::domain::keyring::{Cipher, Key, Keyring, KeyringError, SecretProblem, SlotKind, UnlockError};
use crate::app::Who;
use crate::domain::access::{AccessEntry, AccessEvent};
use crate::store::{AccessLogStore, SettingsStore, StoreError};

#[derive(Debug, Clone, PartialEq, Error)]
pub enum SecurityError {
    /// Sign-in is already set up on this tablet (a second set-up would lock out the first).
    #[error("already set up")]
    AlreadySetUp,
    #[error("not set up")]
    NotSetUp,
    #[error("{0:?}")]
    Secret(SecretProblem),
    #[error(transparent)]
    Unlock(UnlockError),
    #[error("{0}")]
    Crypto(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<KeyringError> for SecurityError {
    fn from(e: KeyringError) -> Self {
        match e {
            KeyringError::Secret(p) => SecurityError::Secret(p),
            KeyringError::Crypto(c) => SecurityError::Crypto(c.to_string()),
        }
    }
}

/// The first supervisor's PIN and passphrase: a new data key and keyring. Returns the data
/// key and the recovery key's text, to be shown once and printed; it is never stored.
pub async fn set_up<S: SettingsStore + AccessLogStore, C: Cipher>(store: &S, cipher: &C, supervisor: Uuid, pin: &str, passphrase: &str, who: &Who) -> Result<(Key, String), SecurityError> {
    if store.load_keyring().await?.is_some() {
        return Err(SecurityError::AlreadySetUp);
    }
    let created = Keyring::create(cipher, supervisor, pin, passphrase).await?;
    store.save_keyring(&created.keyring).await?;
    record(store, &Who { actor: Some(supervisor), ..*who }, AccessEvent::SetUp).await?;
    Ok((created.data_key, created.recovery))
}

/// Adds an entry to the access log.
pub async fn record<S: AccessLogStore>(store: &S, who: &Who, event: AccessEvent) -> Result<(), StoreError> {
    store.append_access(&AccessEntry::new(who.actor, who.now, who.offset_min, event)).await
}

/// Opens the data key with one credential. The try is stored before the answer is given: a
/// wrong guess counts even if the tab is closed at once.
/// Both are logged: a success under the person signed in, a failure under nobody (the
/// tablet is locked) naming whose credential was tried.
pub async fn unlock<S: SettingsStore + AccessLogStore, C: Cipher>(store: &S, cipher: &C, staff: Option<Uuid>, kind: SlotKind, secret: &str, who: &Who) -> Result<Key, SecurityError> {
    let mut keyring = store.load_keyring().await?.ok_or(SecurityError::NotSetUp)?;
    let before = keyring.clone();
    let result = keyring.unlock(cipher, staff, kind, secret, who.now).await;
    if keyring != before {
        store.save_keyring(&keyring).await?;
    }
    match &result {
        Ok(_) => record(store, &Who { actor: staff, ..*who }, AccessEvent::SignedIn { kind }).await?,
        Err(UnlockError::NoSlot) => {}
        Err(_) => record(store, &Who { actor: None, ..*who }, AccessEvent::SignInFailed { kind, staff }).await?,
    }
    result.map_err(SecurityError::Unlock)
}

/// Sets (adds or changes) a person's PIN or passphrase, with the data key of whoever is
/// signed in; the data is not re-encrypted.
pub async fn set_credential<S: SettingsStore + AccessLogStore, C: Cipher>(store: &S, cipher: &C, data_key: &Key, staff: Uuid, kind: SlotKind, secret: &str, who: &Who) -> Result<(), SecurityError> {
    let mut keyring = store.load_keyring().await?.ok_or(SecurityError::NotSetUp)?;
    keyring.set(cipher, data_key, Some(staff), kind, secret).await?;
    store.save_keyring(&keyring).await?;
    record(store, who, AccessEvent::CredentialSet { staff, kind }).await?;
    Ok(())
}

/// A supervisor enables a person's credentials disabled by wrong guesses.
pub async fn enable<S: SettingsStore + AccessLogStore>(store: &S, staff: Uuid, who: &Who) -> Result<(), SecurityError> {
    edit_keyring(store, who, AccessEvent::CredentialEnabled { staff }, |k| k.enable(staff)).await
}

/// Removes every credential of a person (they left the roster).
pub async fn remove<S: SettingsStore + AccessLogStore>(store: &S, staff: Uuid, who: &Who) -> Result<(), SecurityError> {
    edit_keyring(store, who, AccessEvent::CredentialRemoved { staff }, |k| k.remove(staff)).await
}

/// The stored keyring changed by `edit`, then the change logged.
async fn edit_keyring<S: SettingsStore + AccessLogStore>(store: &S, who: &Who, event: AccessEvent, edit: impl FnOnce(&mut Keyring)) -> Result<(), SecurityError> {
    let mut keyring = store.load_keyring().await?.ok_or(SecurityError::NotSetUp)?;
    edit(&mut keyring);
    store.save_keyring(&keyring).await?;
    record(store, who, event).await?;
    Ok(())
}
