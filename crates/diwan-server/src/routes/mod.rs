//! The HTTP routes, one module per resource.

pub mod applications;
pub mod auth;
pub mod certificates;
pub mod documents;
pub mod health;
pub mod ledger;
pub mod me;
pub mod search;
pub mod services;
pub mod uploads;
