//! The one-page A4 certificate. English reads from the left edge, Arabic from the right;
//! each row is `English label | value | Arabic label`, so both readers find the labels where
//! their eyes start and the value between them.

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;

use crate::qr::{QR_QUIET_ZONE_MODULES, QrMatrix, qr_matrix};
use crate::text::{Align, Block, Breaks, Dir, Style, fonts, layout};
use crate::{CertificateView, PrintError};

/// A4 in PDF points.
const PAGE_W: f32 = 595.276;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 52.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Label columns at both edges of a row; the value gets the middle.
const LABEL_W: f32 = 128.0;
const GUTTER: f32 = 10.0;
const VALUE_W: f32 = CONTENT_W - 2.0 * (LABEL_W + GUTTER);
const ROW_PAD: f32 = 4.0;
/// The QR code's side, quiet zone included: about 5 cm, so a version 20–25 code has modules of
/// about 0.45 mm, five printer dots at 300 dpi and easy for a phone camera.
const QR_SIDE: f32 = 142.0;
const INSTRUCTION_W: f32 = (CONTENT_W - QR_SIDE) / 2.0 - 14.0;

/// Colours as sRGB bytes (krilla's colour constructor is not `const`).
type Rgb = (u8, u8, u8);

const INK: Rgb = (0x1d, 0x1d, 0x1b);
const MUTED: Rgb = (0x5c, 0x5c, 0x58);
const ACCENT: Rgb = (0x0f, 0x4c, 0x3a);
const RULE: Rgb = (0xc8, 0xc8, 0xc0);

const CERTIFICATE_NO: (&str, &str) = ("رقم الشهادة", "Certificate no.");
const ISSUED_ON: (&str, &str) = ("تاريخ الإصدار", "Issued on");
const EXPIRES_ON: (&str, &str) = ("تاريخ الانتهاء", "Expires on");
const HOLDER: (&str, &str) = ("اسم صاحب الشهادة", "Holder");
const HOW_TO_VERIFY: (&str, &str) = (
    "للتحقق من هذه الشهادة افتح العنوان أدناه وامسح الرمز، أو اقرأ الرمز بأي قارئ QR والصق النص الذي يظهر هناك:",
    "To verify this certificate, open the address below and scan the code, or read the code with any QR reader and paste the text it shows there:",
);

/// A one-page A4 PDF of the certificate, in Arabic and English, with its QR code drawn as
/// vector squares (sharp at any print size).
///
/// The payload is not printed as text: its spaces are base45 digits, and PDF viewers guess
/// word spaces from glyph positions when text is copied, so a copied payload would not be
/// reliably the signed one. A QR reader gives the exact text.
///
/// Fails with [`PrintError::DoesNotFit`] rather than spilling onto a second page: a
/// certificate is one sheet. About a dozen one-line fields fit.
pub fn certificate_pdf(cert: &CertificateView) -> Result<Vec<u8>, PrintError> {
    let fonts = fonts()?;
    let heading_ar = Style {
        font: &fonts.bold,
        size: 15.0,
        leading: 24.0,
    };
    let heading_en = Style {
        font: &fonts.bold,
        size: 12.0,
        leading: 17.0,
    };
    let title_ar = Style {
        font: &fonts.bold,
        size: 25.0,
        leading: 40.0,
    };
    let title_en = Style {
        font: &fonts.bold,
        size: 16.0,
        leading: 22.0,
    };
    let label_ar = Style {
        font: &fonts.regular,
        size: 12.0,
        leading: 19.0,
    };
    let label_en = Style {
        font: &fonts.regular,
        size: 10.0,
        leading: 14.0,
    };
    let value = Style {
        font: &fonts.bold,
        size: 13.0,
        leading: 20.0,
    };
    let holder = Style {
        font: &fonts.bold,
        size: 15.0,
        leading: 23.0,
    };
    let note_ar = Style {
        font: &fonts.regular,
        size: 11.0,
        leading: 18.0,
    };
    let note_en = Style {
        font: &fonts.regular,
        size: 9.5,
        leading: 13.0,
    };
    let url = Style {
        font: &fonts.bold,
        size: 9.5,
        leading: 14.0,
    };

    let qr = qr_matrix(&cert.payload)?;

    // Lay everything out first, so that a certificate that does not fit fails before drawing.
    let half = CONTENT_W / 2.0 - GUTTER;
    let agency_en = layout(&cert.agency.en, heading_en, half, Dir::Ltr, Breaks::Words)?;
    let agency_ar = layout(&cert.agency.ar, heading_ar, half, Dir::Rtl, Breaks::Words)?;
    let service_ar = layout(
        &cert.service.ar,
        title_ar,
        CONTENT_W,
        Dir::Rtl,
        Breaks::Words,
    )?;
    let service_en = layout(
        &cert.service.en,
        title_en,
        CONTENT_W,
        Dir::Ltr,
        Breaks::Words,
    )?;

    let mut rows = vec![
        row(
            CERTIFICATE_NO,
            &cert.certificate_id,
            Dir::Ltr,
            value,
            label_ar,
            label_en,
        )?,
        row(
            ISSUED_ON,
            &cert.issued_on,
            Dir::Ltr,
            value,
            label_ar,
            label_en,
        )?,
    ];
    if let Some(expires_on) = &cert.expires_on {
        rows.push(row(
            EXPIRES_ON,
            expires_on,
            Dir::Ltr,
            value,
            label_ar,
            label_en,
        )?);
    }
    rows.push(row(
        HOLDER,
        &cert.holder_name,
        Dir::Auto,
        holder,
        label_ar,
        label_en,
    )?);
    for field in &cert.fields {
        let label = (field.label.ar.as_str(), field.label.en.as_str());
        rows.push(row(
            label,
            &field.value,
            Dir::Auto,
            value,
            label_ar,
            label_en,
        )?);
    }

    let verify_ar = layout(
        HOW_TO_VERIFY.0,
        note_ar,
        INSTRUCTION_W,
        Dir::Rtl,
        Breaks::Words,
    )?;
    let verify_en = layout(
        HOW_TO_VERIFY.1,
        note_en,
        INSTRUCTION_W,
        Dir::Ltr,
        Breaks::Words,
    )?;
    let url_block = layout(
        &cert.verify_url,
        url,
        INSTRUCTION_W,
        Dir::Ltr,
        Breaks::Anywhere,
    )?;

    // Vertical plan: header and title from the top, the verification block from the bottom,
    // the rows in between.
    let header_top = MARGIN;
    let header_h = agency_en.height().max(agency_ar.height());
    let rule_y = header_top + header_h + 8.0;
    let title_top = rule_y + 18.0;
    let rows_top = title_top + service_ar.height() + service_en.height() + 20.0;

    let qr_top = PAGE_H - MARGIN - QR_SIDE;
    let rows_bottom = qr_top - 16.0;
    let rows_h: f32 = rows.iter().map(Row::height).sum();
    if rows_top + rows_h > rows_bottom {
        return Err(PrintError::DoesNotFit {
            what: "too many or too long fields",
        });
    }
    let side_text_h = |a: &Block, b: &Block| a.height() + b.height();
    if side_text_h(&verify_ar, &url_block).max(side_text_h(&verify_en, &url_block)) > QR_SIDE + 40.0
    {
        return Err(PrintError::DoesNotFit {
            what: "the verification address is too long",
        });
    }

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{} — {}", cert.service.en, cert.certificate_id))
            .description(format!("{} — {}", cert.service.ar, cert.agency.ar))
            .language("ar".to_owned())
            .creator("Diwan".to_owned()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or(PrintError::Pdf("page size".to_owned()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();

    frame(&mut surface);

    set_ink(&mut surface, ACCENT);
    agency_en.draw(&mut surface, MARGIN, header_top, half, Align::Left);
    agency_ar.draw(
        &mut surface,
        PAGE_W - MARGIN - half,
        header_top,
        half,
        Align::Right,
    );
    hline(&mut surface, rule_y, MARGIN, PAGE_W - MARGIN, 1.2, ACCENT);

    set_ink(&mut surface, INK);
    service_ar.draw(&mut surface, MARGIN, title_top, CONTENT_W, Align::Center);
    service_en.draw(
        &mut surface,
        MARGIN,
        title_top + service_ar.height(),
        CONTENT_W,
        Align::Center,
    );

    let mut y = rows_top;
    hline(&mut surface, y, MARGIN, PAGE_W - MARGIN, 0.5, RULE);
    for r in &rows {
        r.draw(&mut surface, y);
        y += r.height();
        hline(&mut surface, y, MARGIN, PAGE_W - MARGIN, 0.5, RULE);
    }

    let qr_left = (PAGE_W - QR_SIDE) / 2.0;
    draw_qr(&mut surface, &qr, qr_left, qr_top)?;
    let en_h = verify_en.height() + url_block.height();
    let en_top = qr_top + (QR_SIDE - en_h) / 2.0;
    set_ink(&mut surface, INK);
    verify_en.draw(&mut surface, MARGIN, en_top, INSTRUCTION_W, Align::Left);
    let ar_h = verify_ar.height() + url_block.height();
    let ar_top = qr_top + (QR_SIDE - ar_h) / 2.0;
    let ar_left = PAGE_W - MARGIN - INSTRUCTION_W;
    verify_ar.draw(&mut surface, ar_left, ar_top, INSTRUCTION_W, Align::Right);
    set_ink(&mut surface, ACCENT);
    url_block.draw(
        &mut surface,
        MARGIN,
        en_top + verify_en.height(),
        INSTRUCTION_W,
        Align::Left,
    );
    url_block.draw(
        &mut surface,
        ar_left,
        ar_top + verify_ar.height(),
        INSTRUCTION_W,
        Align::Right,
    );

    surface.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| PrintError::Pdf(e.to_string()))
}

/// One table row, laid out.
struct Row {
    label_en: Block,
    label_ar: Block,
    value: Block,
}

fn row(
    label: (&str, &str),
    text: &str,
    dir: Dir,
    value: Style,
    label_ar: Style,
    label_en: Style,
) -> Result<Row, PrintError> {
    Ok(Row {
        label_ar: layout(label.0, label_ar, LABEL_W, Dir::Rtl, Breaks::Words)?,
        label_en: layout(label.1, label_en, LABEL_W, Dir::Ltr, Breaks::Words)?,
        value: layout(text, value, VALUE_W, dir, Breaks::Words)?,
    })
}

impl Row {
    fn height(&self) -> f32 {
        self.label_en
            .height()
            .max(self.label_ar.height())
            .max(self.value.height())
            + 2.0 * ROW_PAD
    }

    /// Each cell is centred vertically in the row.
    fn draw(&self, surface: &mut Surface<'_>, top: f32) {
        let h = self.height();
        let middle = |b: &Block| top + (h - b.height()) / 2.0;
        set_ink(surface, MUTED);
        self.label_en.draw(
            surface,
            MARGIN,
            middle(&self.label_en),
            LABEL_W,
            Align::Left,
        );
        let ar_left = PAGE_W - MARGIN - LABEL_W;
        self.label_ar.draw(
            surface,
            ar_left,
            middle(&self.label_ar),
            LABEL_W,
            Align::Right,
        );
        set_ink(surface, INK);
        let value_left = MARGIN + LABEL_W + GUTTER;
        self.value.draw(
            surface,
            value_left,
            middle(&self.value),
            VALUE_W,
            Align::Center,
        );
    }
}

fn rgb((r, g, b): Rgb) -> rgb::Color {
    rgb::Color::new(r, g, b)
}

fn set_ink(surface: &mut Surface<'_>, color: Rgb) {
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: rgb(color).into(),
        ..Fill::default()
    }));
}

fn hline(surface: &mut Surface<'_>, y: f32, x0: f32, x1: f32, width: f32, color: Rgb) {
    let mut pb = PathBuilder::new();
    pb.move_to(x0, y);
    pb.line_to(x1, y);
    if let Some(path) = pb.finish() {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: rgb(color).into(),
            width,
            ..Stroke::default()
        }));
        surface.draw_path(&path);
    }
}

/// A double rule around the page, the customary border of an official certificate.
fn frame(surface: &mut Surface<'_>) {
    for (inset, width) in [(22.0, 1.6), (27.0, 0.5)] {
        let rect = Rect::from_xywh(inset, inset, PAGE_W - 2.0 * inset, PAGE_H - 2.0 * inset);
        let mut pb = PathBuilder::new();
        if let Some(rect) = rect {
            pb.push_rect(rect);
        }
        if let Some(path) = pb.finish() {
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: rgb(ACCENT).into(),
                width,
                ..Stroke::default()
            }));
            surface.draw_path(&path);
        }
    }
}

/// The QR code as one path of black rectangles, one per horizontal run of dark modules, on
/// the page's white (the quiet zone is left empty around it).
fn draw_qr(
    surface: &mut Surface<'_>,
    qr: &QrMatrix,
    left: f32,
    top: f32,
) -> Result<(), PrintError> {
    let module = QR_SIDE / (qr.width + 2 * QR_QUIET_ZONE_MODULES) as f32;
    let origin = QR_QUIET_ZONE_MODULES as f32 * module;
    let mut pb = PathBuilder::new();
    for y in 0..qr.width {
        let mut x = 0;
        while x < qr.width {
            if !qr.is_dark(x, y) {
                x += 1;
                continue;
            }
            let start = x;
            while x < qr.width && qr.is_dark(x, y) {
                x += 1;
            }
            let rect = Rect::from_xywh(
                left + origin + start as f32 * module,
                top + origin + y as f32 * module,
                (x - start) as f32 * module,
                module,
            );
            pb.push_rect(rect.ok_or(PrintError::Pdf("QR module".to_owned()))?);
        }
    }
    let path = pb.finish().ok_or(PrintError::Pdf("QR path".to_owned()))?;
    set_ink(surface, (0, 0, 0));
    surface.draw_path(&path);
    Ok(())
}
