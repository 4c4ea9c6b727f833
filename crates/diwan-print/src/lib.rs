//! Printable certificates: the QR code of a signed `DW1:` payload as a PNG, and a one-page A4
//! PDF with the certificate in Arabic and English — agency, title, id, dates, holder, the
//! labelled values, the QR code and how to verify it.
//!
//! Arabic is shaped with rustybuzz (joining, lam-alef and the font's ligatures), mixed lines
//! are split into directional runs with the Unicode bidirectional algorithm, and ids, dates
//! and numbers stay left to right. The font, Amiri (SIL OFL 1.1, `fonts/OFL.txt`), is compiled
//! in, so rendering needs no installed fonts.
//!
//! Architecture invariant: this crate does no IO. No files (the font is embedded), no clock
//! (dates come formatted in the [`CertificateView`]), no async, no network. The same view
//! always gives the same bytes.

mod error;
mod pdf;
mod qr;
mod text;
mod view;

pub use error::PrintError;
pub use pdf::certificate_pdf;
pub use qr::{QR_MODULE_PIXELS, QR_QUIET_ZONE_MODULES, qr_png};
pub use view::{Bilingual, CertificateView, Field};
