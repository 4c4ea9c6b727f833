//! The domain of Diwan: service definitions (parsed and checked with file and line), form
//! fields and their validation, country rules (national ID, phone, currency), the workflow
//! state machine, and bilingual messages.
//!
//! Architecture invariant: this crate does no IO. No async, no database, no network, no file
//! system, no environment and no clock: callers pass file contents and "now" in, and get
//! decisions back as data.

pub mod clean_text;
pub mod country;
pub mod digits;
pub mod form;
pub mod service;
pub mod text;
pub mod workflow;
