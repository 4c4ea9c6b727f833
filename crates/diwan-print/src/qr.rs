//! The certificate payload as a QR code: the module matrix (shared with the PDF, which draws
//! it as vector squares) and a small PNG encoder for screens.

use qrcode::bits::Bits;
use qrcode::{Color, EcLevel, QrCode, Version};

use crate::PrintError;

/// Error correction Q restores up to a quarter of the code: a certificate is carried folded,
/// stamped and photocopied. (The EU Digital COVID Certificate, whose payload layout `DW1`
/// follows, asks for Q too.) M would make a 900-character payload two or three versions
/// smaller, not enough to be worth the lost margin.
const EC_LEVEL: EcLevel = EcLevel::Q;

/// Pixels per module in the PNG. Four keeps a version 20–25 code near 450 pixels wide, sharp
/// on screen and scannable from a phone held to a monitor; pages scale it up with
/// `image-rendering: pixelated`.
pub const QR_MODULE_PIXELS: usize = 4;

/// Light modules around the code, on every side, as ISO/IEC 18004 requires: scanners find the
/// finder patterns by the contrast with this margin.
pub const QR_QUIET_ZONE_MODULES: usize = 4;

/// A QR code as modules, row by row, `true` for dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QrMatrix {
    pub(crate) width: usize,
    pub(crate) dark: Vec<bool>,
    pub(crate) version: i16,
}

impl QrMatrix {
    pub(crate) fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }
}

/// The QR alphanumeric set (ISO/IEC 18004 table 5), which is exactly base45's alphabet.
fn is_qr_alphanumeric(c: char) -> bool {
    c.is_ascii_digit() || c.is_ascii_uppercase() || " $%*+-./:".contains(c)
}

/// Encodes the payload as one alphanumeric segment in the smallest version that holds it.
///
/// The encoder's automatic segmentation is not used: it may switch to numeric mode for a run
/// of digits, which is legal but makes the chosen mode depend on the payload's content. One
/// segment is simple to reason about and to test, and costs at most a few bits.
pub(crate) fn qr_matrix(payload: &str) -> Result<QrMatrix, PrintError> {
    if let Some((index, character)) = payload
        .char_indices()
        .find(|&(_, c)| !is_qr_alphanumeric(c))
    {
        return Err(PrintError::NotQrAlphanumeric { index, character });
    }
    let too_long = PrintError::QrTooLong {
        chars: payload.len(),
    };
    for version in 1..=40 {
        let mut bits = Bits::new(Version::Normal(version));
        // Both fail only with "data too long" for this version (the text is alphanumeric and
        // Q exists for every normal version): try the next one.
        if bits.push_alphanumeric_data(payload.as_bytes()).is_err()
            || bits.push_terminator(EC_LEVEL).is_err()
        {
            continue;
        }
        let code = QrCode::with_bits(bits, EC_LEVEL).map_err(|_| too_long.clone())?;
        return Ok(QrMatrix {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
            version,
        });
    }
    Err(too_long)
}

/// The QR code of a certificate payload as a PNG: one bit per pixel, black on white,
/// [`QR_MODULE_PIXELS`] pixels per module, with a quiet zone of [`QR_QUIET_ZONE_MODULES`].
///
/// The payload must be in the QR alphanumeric set (a `DW1:` payload always is), so the code is
/// encoded in alphanumeric mode: 5.5 bits per character instead of byte mode's 8.
pub fn qr_png(payload: &str) -> Result<Vec<u8>, PrintError> {
    let matrix = qr_matrix(payload)?;
    Ok(encode_png(&matrix))
}

fn encode_png(matrix: &QrMatrix) -> Vec<u8> {
    let side = (matrix.width + 2 * QR_QUIET_ZONE_MODULES) * QR_MODULE_PIXELS;
    let row_bytes = side.div_ceil(8);
    // Each scanline is a filter byte (0: none) and the packed pixels, 1 = white. Rows repeat
    // QR_MODULE_PIXELS times, which deflate turns into a few bytes each.
    let mut raw = Vec::with_capacity(side * (row_bytes + 1));
    for py in 0..side {
        raw.push(0);
        let my = (py / QR_MODULE_PIXELS).checked_sub(QR_QUIET_ZONE_MODULES);
        let mut byte = 0u8;
        for px in 0..side {
            let mx = (px / QR_MODULE_PIXELS).checked_sub(QR_QUIET_ZONE_MODULES);
            let dark = match (mx, my) {
                (Some(x), Some(y)) if x < matrix.width && y < matrix.width => matrix.is_dark(x, y),
                _ => false,
            };
            byte = (byte << 1) | u8::from(!dark);
            if px % 8 == 7 {
                raw.push(byte);
                byte = 0;
            }
        }
        if !side.is_multiple_of(8) {
            raw.push(byte << (8 - side % 8));
        }
    }

    let side32 = u32::try_from(side).unwrap_or(u32::MAX);
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&side32.to_be_bytes());
    ihdr.extend_from_slice(&side32.to_be_bytes());
    // Bit depth 1, colour type 0 (greyscale), deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);

    let idat = miniz_oxide::deflate::compress_to_vec_zlib(&raw, 6);
    let mut png = Vec::with_capacity(idat.len() + 64);
    png.extend_from_slice(b"\x89PNG\r\n\x1a\n");
    push_chunk(&mut png, b"IHDR", &ihdr);
    push_chunk(&mut png, b"IDAT", &idat);
    push_chunk(&mut png, b"IEND", &[]);
    png
}

fn push_chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // A chunk is far below 4 GiB here (the largest QR code deflates to a few kilobytes).
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    png.extend_from_slice(&len.to_be_bytes());
    let start = png.len();
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let crc = crc32(&png[start..]);
    png.extend_from_slice(&crc.to_be_bytes());
}

/// CRC-32 (ISO 3309, the one PNG and zlib's gzip use), table-driven. A dozen lines here
/// instead of a dependency; the tests decode our PNGs with an independent decoder that checks
/// every chunk's CRC.
fn crc32(bytes: &[u8]) -> u32 {
    const TABLE: [u32; 256] = {
        let mut table = [0u32; 256];
        let mut n = 0;
        while n < 256 {
            let mut c = n as u32;
            let mut k = 0;
            while k < 8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
                k += 1;
            }
            table[n] = c;
            n += 1;
        }
        table
    };
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc = TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
    }
    crc ^ 0xFFFF_FFFF
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A payload the size of a real certificate: `DW1:` and 800 base45 characters, every
    /// character of the alphabet included.
    pub(crate) fn sample_payload() -> String {
        const ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
        let mut s = String::from("DW1:");
        for i in 0..800 {
            let k = (i * 7 + i / 45) % ALPHABET.len();
            s.push_str(&ALPHABET[k..=k]);
        }
        s
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn refuses_characters_outside_the_alphanumeric_set() {
        assert_eq!(
            qr_png("DW1:abc"),
            Err(PrintError::NotQrAlphanumeric {
                index: 4,
                character: 'a'
            })
        );
    }

    #[test]
    fn refuses_what_no_qr_code_holds() {
        let long = "A".repeat(3_000);
        assert_eq!(qr_png(&long), Err(PrintError::QrTooLong { chars: 3_000 }));
    }

    #[test]
    fn encodes_in_alphanumeric_mode_in_the_smallest_version() {
        let payload = sample_payload();
        let matrix = qr_matrix(&payload).unwrap();
        // Byte mode would not fit in the chosen version: the encoder did not fall back to it.
        let mut bytes = Bits::new(Version::Normal(matrix.version));
        bytes.push_byte_data(payload.as_bytes()).unwrap();
        assert!(
            bytes.push_terminator(EC_LEVEL).is_err(),
            "byte mode fits version {} too: the size check proves nothing",
            matrix.version
        );
        // And the version below is too small for alphanumeric mode: the smallest was chosen.
        let mut smaller = Bits::new(Version::Normal(matrix.version - 1));
        let fits = smaller.push_alphanumeric_data(payload.as_bytes()).is_ok()
            && smaller.push_terminator(EC_LEVEL).is_ok();
        assert!(!fits);
        assert_eq!(
            matrix.width,
            17 + 4 * usize::try_from(matrix.version).unwrap()
        );
    }
}
