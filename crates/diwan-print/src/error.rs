/// Why a certificate could not be printed. All of these are caller errors (the view or payload
/// given) except [`PrintError::Pdf`] and [`PrintError::Font`], which would be a defect here.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum PrintError {
    /// A certificate payload is `DW1:` + base45, all in the QR alphanumeric set; anything else
    /// would silently cost a much larger byte-mode code, so it is refused.
    #[error("the QR payload has {character:?} at byte {index}, outside the QR alphanumeric set")]
    NotQrAlphanumeric { index: usize, character: char },
    /// More than a version 40 QR code holds at the chosen error-correction level.
    #[error("the QR payload is too long for a QR code ({chars} characters)")]
    QrTooLong { chars: usize },
    /// The embedded font has no glyph for a character: printing it would show an empty box on
    /// an official document.
    #[error("the font has no glyph for {character:?} (U+{code:04X})", code = u32::from(*character))]
    MissingGlyph { character: char },
    /// The certificate's content does not fit on one page.
    #[error("the certificate does not fit on one page ({what})")]
    DoesNotFit { what: &'static str },
    /// The embedded font could not be read.
    #[error("the embedded font could not be read")]
    Font,
    /// The PDF writer refused the document.
    #[error("PDF writer: {0}")]
    Pdf(String),
}
