//! Integration tests of the domain crate against the files that ship: the standard workflow,
//! the birth certificate service and the Egyptian country file, plus small inline services
//! for the cases those files do not cover.

// Test helpers panic on purpose: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod check;
mod check_workflow;
mod elsewhere;
mod form;
mod support;
mod workflow;
