//! Catalogue search for Diwan: a citizen types what they need in their own words — Egyptian
//! colloquial or formal Arabic, Arabizi ("3ayez shehadet milad") or English, with typos,
//! missing hamzas and Eastern digits — and gets the services that fit, best first, or an
//! honest "no confident match".
//!
//! The crate owns the text pipeline (`normalise`, `stopwords`, `stem`, `lexicon`, `arabizi`,
//! `fuzzy`, `analyse`), the in-memory index and its ranking (`index`), the bridge from a checked
//! catalogue (`catalog`), and the accuracy measure (`eval`) with the trigram yardstick it is
//! compared to (`baseline`).
//!
//! Architecture invariant: pure. No IO, no clock, no async, no environment: text comes in,
//! ranked ids come out, and the same query over the same catalogue always ranks the same.

pub mod analyse;
pub mod arabizi;
pub mod baseline;
pub mod catalog;
pub mod eval;
pub mod fuzzy;
pub mod index;
pub mod lexicon;
pub mod normalise;
pub mod stem;
pub mod stopwords;

pub use analyse::Steps;
pub use catalog::{doc_for, docs, index_catalog};
pub use index::{Hit, SearchDoc, SearchIndex, SearchResults};
pub use normalise::normalise;
