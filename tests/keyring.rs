//! Key slots (issue 19): the data key wrapped once per credential, on a native cipher that
//! derives and seals as the browser's WebCrypto does.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::{run, NativeCipher};
use patroldesk::domain::keyring::*;
use uuid::Uuid;

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
    now += Duration::seconds(30);
    assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "000002", now)), Err(UnlockError::Wrong { left: DISABLE_AFTER - 4 }));
    assert_eq!(run(keyring.unlock(&c, Some(GUARD), SlotKind::Pin, "731904", now + Duration::seconds(59))), Err(UnlockError::WaitUntil(now + Duration::seconds(60))));
    // A right PIN after the wait clears the count.
    now += Duration::seconds(60);
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
fn the_native_cipher_derives_rfc_7914s_vectors() {
    // The browser test checks WebCrypto against the same vectors.
    let hex = |k: Key| k.iter().map(|b| format!("{b:02x}")).collect::<String>();
    let derive = |p: &str, s: &[u8], n: u32| hex(pbkdf2::pbkdf2_hmac_array::<sha2::Sha256, 32>(p.as_bytes(), s, n));
    assert_eq!(derive("passwd", b"salt", 1), "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc");
    assert_eq!(derive("Password", b"NaCl", 80_000), "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56");
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
