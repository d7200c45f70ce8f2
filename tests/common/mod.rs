//! Helpers shared by the native integration tests.
#![allow(dead_code)]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

/// The in-memory store never waits, so polling once finishes every future.
pub fn run<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    match f.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(v) => v,
        Poll::Pending => panic!("the in-memory store should never be pending"),
    }
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

