use std::collections::BTreeSet;
use std::process::Command;

use diwan_print::{Bilingual, CertificateView, Field, PrintError, certificate_pdf};

use crate::sample;

/// Every stream of the PDF, inflated when it is deflate-compressed.
fn streams(pdf: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = pdf;
    while let Some(at) = find(rest, b"stream") {
        let mut body = &rest[at + b"stream".len()..];
        if body.starts_with(b"\r\n") {
            body = &body[2..];
        } else if body.starts_with(b"\n") {
            body = &body[1..];
        } else {
            // "endstream", or the word inside some other token.
            rest = &rest[at + 1..];
            continue;
        }
        let end = find(body, b"endstream").expect("a stream ends");
        let raw = &body[..end];
        out.push(
            miniz_oxide::inflate::decompress_to_vec_zlib(raw).unwrap_or_else(|_| raw.to_vec()),
        );
        rest = &body[end + b"endstream".len()..];
    }
    out
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The characters the PDF's ToUnicode maps give back for its glyphs: what a viewer's search
/// and copy see.
fn unicode_mapped(pdf: &[u8]) -> BTreeSet<char> {
    let mut chars = BTreeSet::new();
    for stream in streams(pdf) {
        let Ok(text) = String::from_utf8(stream) else {
            continue;
        };
        if !text.contains("begincmap") {
            continue;
        }
        // Only `bfchar` entries: `<glyph id> <UTF-16BE text>`, one per line; the source ids
        // must not be read as text (ids 0x20 to 0x7E would look like ASCII).
        let mut in_bfchar = false;
        for line in text.lines() {
            if line.ends_with("beginbfchar") {
                in_bfchar = true;
            } else if line == "endbfchar" {
                in_bfchar = false;
            } else if in_bfchar {
                let destination = line
                    .split('<')
                    .nth(2)
                    .and_then(|t| t.strip_suffix('>'))
                    .unwrap();
                let units = (0..destination.len() / 4)
                    .map(|i| u16::from_str_radix(&destination[4 * i..4 * i + 4], 16).unwrap());
                chars.extend(char::decode_utf16(units).map(Result::unwrap));
            }
        }
        assert!(!in_bfchar, "bfchar section not closed");
    }
    assert!(!chars.is_empty(), "no ToUnicode map found");
    chars
}

fn all_text(view: &CertificateView) -> Vec<&str> {
    let mut texts = vec![
        view.agency.ar.as_str(),
        &view.agency.en,
        &view.service.ar,
        &view.service.en,
        &view.certificate_id,
        &view.issued_on,
        &view.holder_name,
        &view.verify_url,
    ];
    for field in &view.fields {
        texts.extend([field.label.ar.as_str(), &field.label.en, &field.value]);
    }
    texts
}

#[test]
fn the_pdf_is_one_page_with_the_font_embedded() {
    let pdf = certificate_pdf(&sample::certificate()).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"));
    let pages = pdf
        .windows(b"/Type/Page".len() + 1)
        .filter(|w| w.starts_with(b"/Type/Page") && w[10] != b's')
        .count();
    assert_eq!(pages, 1);
    assert!(
        find(&pdf, b"/FontFile2").is_some(),
        "TrueType font program embedded"
    );
    assert!(
        find(&pdf, b"+Amiri-Regular").is_some(),
        "subset of Amiri Regular"
    );
    assert!(find(&pdf, b"+Amiri-Bold").is_some(), "subset of Amiri Bold");
    assert!(find(&pdf, b"/ToUnicode").is_some());
    // Subsetting keeps the file small whatever the font's size.
    assert!(pdf.len() < 150_000, "{} bytes", pdf.len());
}

#[test]
fn every_character_of_the_certificate_can_be_copied_from_the_pdf() {
    let view = sample::certificate();
    let mapped = unicode_mapped(&certificate_pdf(&view).unwrap());
    for text in all_text(&view) {
        for c in text.chars().filter(|c| !c.is_whitespace()) {
            assert!(
                mapped.contains(&c),
                "{c:?} of {text:?} is not in the ToUnicode maps"
            );
        }
    }
    // The check can fail: a character that is not printed is not mapped.
    assert!(!mapped.contains(&'ж'));
}

#[test]
fn the_same_certificate_gives_the_same_bytes() {
    let view = sample::certificate();
    assert_eq!(
        certificate_pdf(&view).unwrap(),
        certificate_pdf(&view).unwrap()
    );
}

#[test]
fn a_character_the_font_lacks_is_refused_not_printed_as_a_box() {
    let mut view = sample::certificate();
    view.holder_name = "李小龙".to_owned();
    assert_eq!(
        certificate_pdf(&view),
        Err(PrintError::MissingGlyph { character: '李' })
    );
}

#[test]
fn a_certificate_longer_than_a_page_is_refused() {
    let mut view = sample::certificate();
    let field = Field::new(Bilingual::new("ملاحظة", "Note"), "قيمة");
    view.fields = vec![field; 12];
    // About a dozen one-line fields fit; twice as many do not.
    certificate_pdf(&view).unwrap();
    view.fields
        .extend(std::iter::repeat_n(view.fields[0].clone(), 12));
    assert!(matches!(
        certificate_pdf(&view),
        Err(PrintError::DoesNotFit { .. })
    ));
}

/// `pdftotext` (poppler) reads the PDF as a viewer does. Where it is not installed the test
/// says so and passes, unless `DIWAN_TEST_REQUIRE_PDFTOTEXT` is set (CI sets it, having installed
/// `poppler-utils`).
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, pdf).unwrap();
    match Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(
                out.status.success(),
                "pdftotext: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            // pdftotext marks right-to-left runs with embedding controls; the words are what
            // matter here.
            Some(
                text.chars()
                    .filter(|c| !matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}'))
                    .collect(),
            )
        }
        Err(e) if std::env::var_os("DIWAN_TEST_REQUIRE_PDFTOTEXT").is_some() => {
            panic!("pdftotext is required (DIWAN_TEST_REQUIRE_PDFTOTEXT) but cannot run: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: pdftotext cannot run ({e}); install poppler-utils to check the PDF's text ***\n"
            );
            None
        }
    }
}

#[test]
fn pdftotext_finds_the_arabic_and_english_text() {
    let mut view = sample::certificate();
    view.expires_on = Some("2031-11-27".to_owned());
    let Some(text) = pdftotext(&certificate_pdf(&view).unwrap()) else {
        return;
    };
    for expected in [
        "مصلحة الأحوال المدنية",
        "Civil Status Organization",
        "شهادة ميلاد",
        "Birth certificate",
        "رقم الشهادة",
        "EG-BC-2026-000173",
        "تاريخ الإصدار",
        "2026-11-28",
        "Expires on",
        "تاريخ الانتهاء",
        "2031-11-27",
        "ليلى عبد الله محمد السيد",
        "Place of birth",
        "مستشفى الدمرداش",
        "2026/00417",
        "مكتب صحة الدقي",
        // Wrapped in the value column; brackets not mirrored in left-to-right text.
        "Demerdash Hospital (Ain Shams",
        "University)",
        "https://diwan.example.gov.eg/verify",
        "امسح الرمز",
        "بأي قارئ",
        "scan the code",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not found in:\n{text}"
        );
    }
}

/// The QR code as printed: the page rasterised by `pdftoppm` at 300 dpi (an office
/// scan), then found and decoded by rqrr. Skipped like the test above when poppler is absent.
#[test]
fn the_printed_qr_code_scans_back_to_the_payload() {
    let view = sample::certificate();
    let pdf = certificate_pdf(&view).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("certificate.pdf");
    std::fs::write(&path, &pdf).unwrap();
    let out = match Command::new("pdftoppm")
        .args(["-r", "300", "-gray"])
        .arg(&path)
        .output()
    {
        Ok(out) => out,
        Err(e) if std::env::var_os("DIWAN_TEST_REQUIRE_PDFTOTEXT").is_some() => {
            panic!("pdftoppm is required (DIWAN_TEST_REQUIRE_PDFTOTEXT) but cannot run: {e}")
        }
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: pdftoppm cannot run ({e}); install poppler-utils to scan the printed QR code ***\n"
            );
            return;
        }
    };
    assert!(
        out.status.success(),
        "pdftoppm: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (width, height, pixels) = parse_pgm(&out.stdout);
    // Binarised, as a scanner in black-and-white mode would: rqrr's own thresholding misses
    // the code among the page's anti-aliased text.
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        if pixels[y * width + x] < 128 { 0 } else { 255 }
    });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, text) = grids[0].decode().unwrap();
    assert_eq!(text, view.payload);
}

/// A binary PGM (`P5`, 8-bit): the header's four tokens, one whitespace byte, then pixels.
fn parse_pgm(bytes: &[u8]) -> (usize, usize, &[u8]) {
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        let start = at;
        while !bytes[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(std::str::from_utf8(&bytes[start..at]).unwrap());
    }
    assert_eq!((fields[0], fields[3]), ("P5", "255"));
    let (width, height) = (fields[1].parse().unwrap(), fields[2].parse().unwrap());
    let pixels = &bytes[at + 1..];
    assert_eq!(pixels.len(), width * height);
    (width, height, pixels)
}
