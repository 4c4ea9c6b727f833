//! Writes the sample certificate: `cargo run -p diwan-print --example certificate -- out.pdf
//! [out.png]`. `docs/screenshots/certificate.png` is its PDF, rendered at 100 dpi.

use std::error::Error;

use diwan_print::{certificate_pdf, qr_png};

#[path = "../tests/print/sample.rs"]
mod sample;

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let pdf_path = args.next().ok_or("usage: certificate OUT.pdf [OUT.png]")?;
    let view = sample::certificate();
    std::fs::write(&pdf_path, certificate_pdf(&view)?)?;
    if let Some(png_path) = args.next() {
        std::fs::write(png_path, qr_png(&view.payload)?)?;
    }
    Ok(())
}
