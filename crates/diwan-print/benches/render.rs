//! Time to print one certificate: the A4 PDF and the QR code PNG.
//!
//! `cargo bench -p diwan-print` measures; under `cargo test --benches` it runs a few
//! iterations only, as a smoke test. Machines differ and share their CPUs, so the figures are
//! also given as ratios to baselines measured in the same run: an empty one-page PDF (what
//! any PDF costs to write) and the QR PNG (the smallest useful output).

use std::error::Error;
use std::hint::black_box;
use std::time::{Duration, Instant};

use diwan_print::{certificate_pdf, qr_png};

#[path = "../tests/print/sample.rs"]
mod sample;

fn main() -> Result<(), Box<dyn Error>> {
    let measuring = std::env::args().any(|a| a == "--bench");
    let (rounds, per_round) = if measuring { (5, 50) } else { (1, 2) };
    let view = sample::certificate();

    // The first certificate also parses the embedded fonts, once per process.
    let start = Instant::now();
    let pdf = certificate_pdf(&view)?;
    let first = start.elapsed();
    let png = qr_png(&view.payload)?;

    let mut best_pdf = Duration::MAX;
    let mut best_png = Duration::MAX;
    let mut best_empty = Duration::MAX;
    let mut best_matrix = Duration::MAX;
    for _ in 0..rounds {
        best_pdf = best_pdf.min(time(per_round, || {
            Ok(certificate_pdf(black_box(&view)).map(drop)?)
        })?);
        best_png = best_png.min(time(per_round, || {
            Ok(qr_png(black_box(&view.payload)).map(drop)?)
        })?);
        best_empty = best_empty.min(time(per_round, empty_pdf)?);
        best_matrix = best_matrix.min(time(per_round, || {
            let code = qrcode::QrCode::with_error_correction_level(
                black_box(&view.payload),
                qrcode::EcLevel::Q,
            );
            black_box(code.map_err(|e| e.to_string())?);
            Ok(())
        })?);
    }

    let ms = |d: Duration| d.as_secs_f64() * 1e3 / f64::from(per_round);
    println!(
        "certificate PDF: {:.2} ms ({} bytes; first call {:.1} ms with font parsing)",
        ms(best_pdf),
        pdf.len(),
        first.as_secs_f64() * 1e3
    );
    println!(
        "QR PNG:          {:.3} ms ({} bytes)",
        ms(best_png),
        png.len()
    );
    println!(
        "  of which the QR matrix (qrcode crate, mask choice included): {:.3} ms",
        ms(best_matrix)
    );
    println!("empty A4 PDF:    {:.3} ms", ms(best_empty));
    println!(
        "ratios: PDF / QR PNG = {:.1}, PDF / empty PDF = {:.1}",
        ms(best_pdf) / ms(best_png),
        ms(best_pdf) / ms(best_empty)
    );
    Ok(())
}

fn time(
    n: u32,
    mut f: impl FnMut() -> Result<(), Box<dyn Error>>,
) -> Result<Duration, Box<dyn Error>> {
    let start = Instant::now();
    for _ in 0..n {
        f()?;
    }
    Ok(start.elapsed())
}

fn empty_pdf() -> Result<(), Box<dyn Error>> {
    let mut document = krilla::Document::new();
    let settings = krilla::page::PageSettings::from_wh(595.276, 841.89).ok_or("page size")?;
    document.start_page_with(settings).finish();
    black_box(document.finish().map_err(|e| e.to_string())?);
    Ok(())
}
