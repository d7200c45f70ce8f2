//! Browser tests: run in headless Chromium by `make test` (wasm-bindgen-test). They cover
//! the code that only exists in a browser: IndexedDB and localStorage.
#![cfg(target_arch = "wasm32")]

use patroldesk::domain::locale::Lang;
use patroldesk::domain::settings::{Department, SiteSettings, StaffRole};
use patroldesk::platform::prefs;
use patroldesk::store::idb::{delete_database, IdbStore};
use patroldesk::store::{ensure_device, SettingsStore};
use uuid::Uuid;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Each test gets its own database so they cannot see each other's data.
async fn fresh(name: &str) -> IdbStore {
    delete_database(name).await.expect("delete old test database");
    IdbStore::open(name).await.expect("open test database")
}

#[wasm_bindgen_test]
async fn site_settings_survive_reopening_the_database() {
    let name = "test-settings-round-trip";
    let store = fresh(name).await;
    assert_eq!(store.load_site().await.unwrap(), None);

    let mut site = SiteSettings { site_name: "东湖花园".into(), site_code: "DH01".into(), roster: vec![] };
    site.add_staff(Uuid::now_v7(), "王伟", StaffRole::Patrol, Department::Security).unwrap();
    store.save_site(&site).await.unwrap();
    store.close();

    let reopened = IdbStore::open(name).await.unwrap();
    assert_eq!(reopened.load_site().await.unwrap(), Some(site));
    reopened.close();
    delete_database(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn device_identity_is_created_once() {
    let name = "test-device-identity";
    let store = fresh(name).await;
    let first = ensure_device(&store, Uuid::now_v7()).await.unwrap();
    let second = ensure_device(&store, Uuid::now_v7()).await.unwrap();
    assert_eq!(first, second, "a second start must not mint a new device id");
    store.close();
    delete_database(name).await.unwrap();
}

#[wasm_bindgen_test]
async fn a_corrupt_stored_value_is_reported_not_panicked() {
    let name = "test-corrupt-settings";
    let store = fresh(name).await;
    store.save_site(&SiteSettings::default()).await.unwrap();
    store.close();
    // Overwrite the value with something that is not settings JSON, as a broken import or
    // a hand edit in DevTools might.
    patroldesk::store::idb::put_raw_for_tests(name, "site", "{not json").await.unwrap();
    let store = IdbStore::open(name).await.unwrap();
    match store.load_site().await {
        Err(patroldesk::store::StoreError::Corrupt { key, .. }) => assert_eq!(key, "site"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
    store.close();
    delete_database(name).await.unwrap();
}

#[wasm_bindgen_test]
fn language_preference_round_trips_and_ignores_garbage() {
    prefs::store_lang(Lang::ZhCn);
    assert_eq!(prefs::stored_lang(), Some(Lang::ZhCn));
    prefs::store_lang(Lang::En);
    assert_eq!(prefs::stored_lang(), Some(Lang::En));
    web_sys::window().unwrap().local_storage().unwrap().unwrap().set_item("patroldesk.lang", "\"xx\"").unwrap();
    assert_eq!(prefs::stored_lang(), None, "an unknown tag falls back to the browser language");
}

#[wasm_bindgen_test]
fn on_duty_preference_round_trips() {
    let id = Uuid::now_v7();
    prefs::store_on_duty(Some(id));
    assert_eq!(prefs::stored_on_duty(), Some(id));
    prefs::store_on_duty(None);
    assert_eq!(prefs::stored_on_duty(), None);
}
