//! The rules of the business. Plain Rust, no browser types: everything here is tested
//! natively with `cargo test` in seconds.

pub mod access;
pub mod board;
pub mod clock;
pub mod couch;
pub mod draft;
pub mod drill;
pub mod export;
pub mod head_office;
pub mod improvement;
pub mod health;
pub mod keyring;
pub mod kpi;
pub mod ledger;
pub mod locale;
pub mod merge;
pub mod phone;
pub mod photo;
pub mod places;
pub mod record;
pub mod restamp;
pub mod retention;
pub mod sample;
pub mod sealing;
pub mod settings;
pub mod sla;
pub mod spreadsheet;
pub mod ticket;
pub mod triage;
pub mod validation;
pub mod vocab;
pub mod workflow;
