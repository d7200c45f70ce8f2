//! Staff credentials as use cases on the in-memory store (issue 19): set up once, a wrong
//! guess stored before the answer, credentials set, enabled and removed, failures written
//! nowhere.

mod common;

use chrono::{Duration, Utc};
use common::{run, NativeCipher};
use patroldesk::app::security::{self, SecurityError};
use patroldesk::app::Who;
use patroldesk::domain::access::AccessEvent;
use patroldesk::store::AccessLogStore;
use patroldesk::domain::keyring::{SecretProblem, SlotKind, UnlockError, DISABLE_AFTER};
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::{SettingsStore, StoreError};
use uuid::Uuid;

fn at(now: chrono::DateTime<Utc>) -> Who {
    Who { actor: None, now, offset_min: 480 }
}

const BOSS: Uuid = Uuid::from_u128(1);
const GUARD: Uuid = Uuid::from_u128(2);

#[test]
fn set_up_once_then_each_credential_unlocks_and_wrong_guesses_survive_a_reload() {
    let store = MemoryStore::new();
    let c = NativeCipher::new();
    let now = Utc::now();
    assert_eq!(run(security::unlock(&store, &c, Some(BOSS), SlotKind::Pin, "258046", &at(now))), Err(SecurityError::NotSetUp));
    let (key, recovery) = run(security::set_up(&store, &c, BOSS, "258046", "东湖花园 night shift 2026", &at(now))).unwrap();
    assert_eq!(run(security::set_up(&store, &c, GUARD, "731904", "another long passphrase", &at(now))), Err(SecurityError::AlreadySetUp));
    assert_eq!(run(security::unlock(&store, &c, Some(BOSS), SlotKind::Pin, "258046", &at(now))), Ok(key));
    assert_eq!(run(security::unlock(&store, &c, None, SlotKind::Recovery, &recovery, &at(now))), Ok(key));

    // A wrong guess is stored before the answer: what a new tab reads counts it.
    assert!(matches!(run(security::unlock(&store, &c, Some(BOSS), SlotKind::Pin, "000000", &at(now))), Err(SecurityError::Unlock(UnlockError::Wrong { .. }))));
    let stored = run(store.load_keyring()).unwrap().unwrap();
    assert_eq!(stored.slots.iter().find(|s| s.kind == SlotKind::Pin).unwrap().failures, 1);

    // The guard's PIN, set with the supervisor's key; guessed wrong until disabled; enabled.
    run(security::set_credential(&store, &c, &key, GUARD, SlotKind::Pin, "731904", &at(now))).unwrap();
    let mut t = now;
    for _ in 0..DISABLE_AFTER {
        let _ = run(security::unlock(&store, &c, Some(GUARD), SlotKind::Pin, "999990", &at(t)));
        t += Duration::minutes(20);
    }
    assert_eq!(run(security::unlock(&store, &c, Some(GUARD), SlotKind::Pin, "731904", &at(t))), Err(SecurityError::Unlock(UnlockError::Disabled)));
    run(security::enable(&store, GUARD, &at(now))).unwrap();
    assert_eq!(run(security::unlock(&store, &c, Some(GUARD), SlotKind::Pin, "731904", &at(t))), Ok(key));
    run(security::remove(&store, GUARD, &at(now))).unwrap();
    assert_eq!(run(security::unlock(&store, &c, Some(GUARD), SlotKind::Pin, "731904", &at(t))), Err(SecurityError::Unlock(UnlockError::NoSlot)));
}

#[test]
fn a_weak_secret_or_a_failed_write_changes_nothing() {
    let store = MemoryStore::new();
    let c = NativeCipher::new();
    let now = Utc::now();
    assert_eq!(run(security::set_up(&store, &c, BOSS, "123456", "long enough passphrase", &at(now))), Err(SecurityError::Secret(SecretProblem::PinTooSimple)));
    assert_eq!(run(store.load_keyring()).unwrap(), None);
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(security::set_up(&store, &c, BOSS, "258046", "long enough passphrase", &at(now))), Err(SecurityError::Store(StoreError::QuotaExceeded)));
    assert_eq!(run(store.load_keyring()).unwrap(), None, "nothing half set up");
    let (key, _) = run(security::set_up(&store, &c, BOSS, "258046", "long enough passphrase", &at(now))).unwrap();
    let before = run(store.load_keyring()).unwrap();
    assert_eq!(run(security::set_credential(&store, &c, &key, GUARD, SlotKind::Passphrase, "too short", &at(now))), Err(SecurityError::Secret(SecretProblem::PassphraseTooShort { min: 12 })));
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(security::set_credential(&store, &c, &key, GUARD, SlotKind::Pin, "731904", &at(now))), Err(SecurityError::Store(StoreError::QuotaExceeded)));
    assert_eq!(run(store.load_keyring()).unwrap(), before);
}

#[test]
fn sign_ins_wrong_guesses_and_credential_changes_are_in_the_access_log_in_order() {
    let store = MemoryStore::new();
    let c = NativeCipher::new();
    let now = Utc::now();
    let (key, _) = run(security::set_up(&store, &c, BOSS, "258046", "东湖花园 night shift 2026", &at(now))).unwrap();
    let _ = run(security::unlock(&store, &c, Some(BOSS), SlotKind::Pin, "000000", &at(now)));
    // No credential of that kind: nothing was tried, nothing logged.
    let _ = run(security::unlock(&store, &c, Some(GUARD), SlotKind::Pin, "731904", &at(now)));
    run(security::unlock(&store, &c, Some(BOSS), SlotKind::Pin, "258046", &at(now))).unwrap();
    let boss = Who { actor: Some(BOSS), ..at(now) };
    run(security::set_credential(&store, &c, &key, GUARD, SlotKind::Pin, "731904", &boss)).unwrap();
    run(security::enable(&store, GUARD, &boss)).unwrap();
    run(security::remove(&store, GUARD, &boss)).unwrap();
    let log = run(store.access_log()).unwrap();
    let events: Vec<(Option<Uuid>, AccessEvent)> = log.iter().rev().map(|e| (e.by, e.event.clone())).collect();
    assert_eq!(
        events,
        vec![
            (Some(BOSS), AccessEvent::SetUp),
            (None, AccessEvent::SignInFailed { kind: SlotKind::Pin, staff: Some(BOSS) }),
            (Some(BOSS), AccessEvent::SignedIn { kind: SlotKind::Pin }),
            (Some(BOSS), AccessEvent::CredentialSet { staff: GUARD, kind: SlotKind::Pin }),
            (Some(BOSS), AccessEvent::CredentialEnabled { staff: GUARD }),
            (Some(BOSS), AccessEvent::CredentialRemoved { staff: GUARD }),
        ]
    );
    assert!(log.iter().all(|e| e.at == now && e.utc_offset_min == 480));
}
