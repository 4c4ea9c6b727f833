//! The printed certificate, checked from the outside: the PNG and QR code decoded by
//! independent decoders, the PDF's structure, fonts and text.

// Test helpers panic on purpose: a panic is how a test fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod pdf;
mod qr;
mod sample;
