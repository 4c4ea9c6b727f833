//! The HTTP routes, one module per resource.

pub mod applications;
pub mod auth;
pub mod health;
pub mod services;
pub mod uploads;
