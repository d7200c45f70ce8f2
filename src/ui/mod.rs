//! The Leptos interface: `app` wires context and routes, `shell` is the frame around every
//! view, `widgets` are shared controls, and each feature has its own folder.

mod locales;
/// The generated catalogue module: `t!`, `t_string!`, `use_i18n`, `Locale`.
pub mod i18n {
    pub use super::locales::i18n::*;
    /// The i18n context handle, as passed to helpers that format messages.
    pub type I18n = leptos_i18n::I18nContext<Locale>;
}

pub mod app;
pub mod context;
pub mod live;
pub mod live_sync;
pub mod lock;
pub mod shell;
pub mod widgets;

pub mod board;
pub mod data;
pub mod drills;
pub mod intake;
pub mod kpi;
pub mod records;
pub mod settings;

use wasm_bindgen::JsCast;

/// Replaces the static shell in `#app` (painted before the wasm arrived) with the live app,
/// in a task of its own: starting the wasm and drawing the app were one long task of about
/// 300 ms on a slow phone, in which no tap is answered (issue 23's blocking time).
pub fn mount() {
    app::preload_first_view();
    wasm_bindgen_futures::spawn_local(async {
        crate::platform::next_turn().await;
        mount_now();
    });
}

fn mount_now() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(root) = document.get_element_by_id("app").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    crate::platform::mark("pd-mount");
    root.replace_children_with_node_0();
    leptos::mount::mount_to(root, app::App).forget();
    crate::platform::mark("pd-mounted");
}
