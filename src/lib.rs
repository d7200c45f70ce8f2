//! PatrolDesk: offline-first tablet app for property-management patrol and customer service.
//!
//! The floors, each importing only the ones below it:
//! - [`domain`]: the rules of the business in plain Rust; no browser crate can reach it,
//!   because browser crates are wasm32-only dependencies.
//! - [`app`]: the use cases (save a ticket, a step, a check-off…) over the storage traits,
//!   each returning what it committed; and the live record cache the views read.
//! - [`store`]: the storage contract (errors, record kinds) and its implementations:
//!   in memory everywhere, IndexedDB in the browser.
//! - `platform` (wasm32 only): browser glue: preferences, service-worker updates.
//! - `ui` (wasm32 only): Leptos components, one folder per feature.

pub mod app;
pub mod domain;
pub mod store;

#[cfg(target_arch = "wasm32")]
pub mod platform;
#[cfg(target_arch = "wasm32")]
pub mod ui;
