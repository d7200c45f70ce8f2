//! The storage contract, exercised natively through the in-memory store.

mod common;

use common::run;
use patroldesk::domain::settings::{Department, SiteSettings, StaffRole};
use patroldesk::store::memory::MemoryStore;
use patroldesk::store::{ensure_device, SettingsStore, StoreError};
use uuid::Uuid;

#[test]
fn device_identity_is_minted_once() {
    let store = MemoryStore::new();
    let a = run(ensure_device(&store, Uuid::from_u128(1))).unwrap();
    let b = run(ensure_device(&store, Uuid::from_u128(2))).unwrap();
    assert_eq!(a.id, Uuid::from_u128(1));
    assert_eq!(a, b);
}

#[test]
fn site_settings_round_trip() {
    let store = MemoryStore::new();
    assert_eq!(run(store.load_site()).unwrap(), None);
    let mut site = SiteSettings { site_name: "东湖花园".into(), site_code: "DH01".into(), roster: vec![], ..SiteSettings::default() };
    site.add_staff(Uuid::from_u128(9), "张敏", StaffRole::Supervisor, Department::CustomerService).unwrap();
    run(store.save_site(&site)).unwrap();
    assert_eq!(run(store.load_site()).unwrap(), Some(site));
}

#[test]
fn a_failed_write_keeps_the_previous_value() {
    let store = MemoryStore::new();
    let before = SiteSettings { site_name: "A".into(), site_code: "AA".into(), roster: vec![], ..SiteSettings::default() };
    run(store.save_site(&before)).unwrap();
    store.fail_next_write(StoreError::QuotaExceeded);
    let after = SiteSettings { site_name: "B".into(), ..before.clone() };
    assert_eq!(run(store.save_site(&after)), Err(StoreError::QuotaExceeded));
    assert_eq!(run(store.load_site()).unwrap(), Some(before));
}

#[test]
fn a_failed_first_write_mints_no_device() {
    let store = MemoryStore::new();
    store.fail_next_write(StoreError::Unavailable("private mode".into()));
    assert!(run(ensure_device(&store, Uuid::from_u128(1))).is_err());
    assert_eq!(run(store.load_device()).unwrap(), None);
}

#[test]
fn sequences_count_up_per_scope_and_a_failed_write_hands_out_nothing() {
    let store = MemoryStore::new();
    assert_eq!(run(store.next_sequence("ticket-seq-20261129")).unwrap(), 1);
    assert_eq!(run(store.next_sequence("ticket-seq-20261129")).unwrap(), 2);
    assert_eq!(run(store.next_sequence("ticket-seq-20261130")).unwrap(), 1);
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(store.next_sequence("ticket-seq-20261129")), Err(StoreError::QuotaExceeded));
    assert_eq!(run(store.next_sequence("ticket-seq-20261129")).unwrap(), 3);
}

#[test]
fn follow_up_plans_are_kept_per_key_and_a_failed_save_keeps_the_old_text() {
    let store = MemoryStore::new();
    let key = "2026-11-01..2026-11-30|lift";
    assert_eq!(run(store.load_follow_up(key)).unwrap(), None);
    run(store.save_follow_up(key, "每周检查电梯门 <b>")).unwrap();
    run(store.save_follow_up("2026-11-01..2026-11-30|noise", "夜间巡查")).unwrap();
    assert_eq!(run(store.load_follow_up(key)).unwrap().as_deref(), Some("每周检查电梯门 <b>"));
    store.fail_next_write(StoreError::QuotaExceeded);
    assert_eq!(run(store.save_follow_up(key, "new")), Err(StoreError::QuotaExceeded));
    assert_eq!(run(store.load_follow_up(key)).unwrap().as_deref(), Some("每周检查电梯门 <b>"));
    assert_eq!(run(store.load_follow_up("2026-12-01..2026-12-31|lift")).unwrap(), None, "next month starts empty");
}
