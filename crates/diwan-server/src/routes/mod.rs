//! The HTTP routes, one module per resource.

pub mod applications;
pub mod auth;
pub mod documents;
pub mod health;
pub mod services;
pub mod uploads;
