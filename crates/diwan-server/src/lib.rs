//! The HTTP edge of Diwan: the JSON API under `/api/v1` with its OpenAPI document,
//! authentication and authorisation, and problem+json errors.
//!
//! Architecture invariants:
//! - Handlers hold no business rules: the domain decides (form validation, workflow), the
//!   store records, the handler translates between HTTP and those two.
//! - Every error a client can cause is a `4xx` problem+json; a `5xx` reveals nothing internal.
//! - This crate reads the clock (through [`state::Clock`]) and passes time into the domain.

pub mod app;
pub mod auth;
pub mod catalog_files;
pub mod certificates;
pub mod client_addr;
pub mod crypto;
pub mod error;
pub mod extract;
pub mod limits;
pub mod metrics;
pub mod pages;
pub mod routes;
pub mod sms;
pub mod startup;
pub mod state;
pub mod trust;

pub use app::router;
pub use state::{AppState, Clock, ServerSettings, SystemClock};
