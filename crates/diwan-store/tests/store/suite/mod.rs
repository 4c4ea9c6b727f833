//! Behaviour every [`diwan_store::Store`] backend must have. Each function takes a store on a
//! fresh, empty database and panics (fails the test) on any deviation.

pub mod accounts;
pub mod actions;
pub mod applications;
pub mod concurrency;
pub mod ledger;
pub mod listing;
