use diwan_print::{PrintError, QR_MODULE_PIXELS, QR_QUIET_ZONE_MODULES, qr_png};

use crate::sample;

/// Decodes a PNG with the `png` crate (which checks every chunk's CRC and the zlib checksum)
/// into 8-bit grey pixels.
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder.read_info().unwrap();
    let info = reader.info();
    assert_eq!(info.color_type, png::ColorType::Grayscale);
    assert_eq!(info.bit_depth, png::BitDepth::One);
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    pixels.truncate(frame.buffer_size());
    (frame.width as usize, frame.height as usize, pixels)
}

/// Finds and decodes the QR code in the image with rqrr, as a phone camera app would.
fn read_qr(width: usize, height: usize, pixels: &[u8]) -> (rqrr::MetaData, String) {
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    grids[0].decode().unwrap()
}

#[test]
fn the_png_is_a_valid_image_of_the_code_with_its_quiet_zone() {
    let payload = sample::payload(800);
    let bytes = qr_png(&payload).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR comes first, 13 bytes: width, height, bit depth 1, colour type 0 (grey).
    assert_eq!(&bytes[8..16], b"\0\0\0\x0dIHDR");
    let ihdr_w = u32::from_be_bytes(bytes[16..20].try_into().unwrap()) as usize;
    let ihdr_h = u32::from_be_bytes(bytes[20..24].try_into().unwrap()) as usize;
    assert_eq!(&bytes[24..26], &[1, 0]);

    let (width, height, pixels) = decode_png(&bytes);
    assert_eq!((width, height), (ihdr_w, ihdr_h));
    assert_eq!(width, height);
    assert_eq!(width % QR_MODULE_PIXELS, 0);
    let modules = width / QR_MODULE_PIXELS - 2 * QR_QUIET_ZONE_MODULES;
    assert_eq!((modules - 17) % 4, 0, "{modules} modules is no QR version");

    let margin = QR_QUIET_ZONE_MODULES * QR_MODULE_PIXELS;
    let dark_at = |x: usize, y: usize| pixels[y * width + x] < 128;
    for i in 0..width {
        for d in 0..margin {
            assert!(
                !dark_at(i, d)
                    && !dark_at(i, width - 1 - d)
                    && !dark_at(d, i)
                    && !dark_at(width - 1 - d, i),
                "quiet zone must be light"
            );
        }
    }
    // The finder pattern's corner module sits just inside the quiet zone.
    assert!(dark_at(margin, margin));
    assert!(dark_at(width - margin - 1, margin));
    assert!(dark_at(margin, width - margin - 1));
    assert!(
        !dark_at(width - margin - 1, width - margin - 1),
        "no finder pattern bottom right"
    );
}

#[test]
fn the_qr_code_reads_back_as_the_payload() {
    for len in [0, 1, 300, 700, 900] {
        let payload = sample::payload(len);
        let (width, height, pixels) = decode_png(&qr_png(&payload).unwrap());
        let (meta, text) = read_qr(width, height, &pixels);
        assert_eq!(text, payload);
        // Format bits 11 are error-correction level Q (ISO/IEC 18004 table 12).
        assert_eq!(meta.ecc_level, 3, "level Q");
        let modules = width / QR_MODULE_PIXELS - 2 * QR_QUIET_ZONE_MODULES;
        assert_eq!(meta.version.0, (modules - 17) / 4);
        assert_alphanumeric_mode(&payload, meta.version.0);
    }
}

/// The decoder reports the version it found. Had the encoder used byte mode, the payload
/// would not fit in that version: data codewords at level Q (ISO/IEC 18004 table 7) against
/// the bits byte mode needs (mode 4 + count 8 or 16 + 8 per character).
fn assert_alphanumeric_mode(payload: &str, version: usize) {
    let bits = qrcode::bits::Bits::new(qrcode::Version::Normal(version as i16));
    let capacity = bits.max_len(qrcode::EcLevel::Q).unwrap();
    let count_bits = if version < 10 { 8 } else { 16 };
    let byte_mode = 4 + count_bits + 8 * payload.len();
    if payload.len() >= 300 {
        assert!(
            byte_mode > capacity,
            "version {version} would hold byte mode too"
        );
    }
    // And alphanumeric mode fits: 11 bits per pair, 6 for an odd character.
    let count_bits = match version {
        1..=9 => 9,
        10..=26 => 11,
        _ => 13,
    };
    let n = payload.len();
    assert!(4 + count_bits + 11 * (n / 2) + 6 * (n % 2) <= capacity);
}

#[test]
fn payloads_outside_the_alphanumeric_set_are_refused() {
    assert!(matches!(
        qr_png("DW1:6BF%2 lowercase"),
        Err(PrintError::NotQrAlphanumeric {
            index: 10,
            character: 'l'
        })
    ));
    assert!(matches!(
        qr_png("DW1:ش"),
        Err(PrintError::NotQrAlphanumeric { index: 4, .. })
    ));
    assert!(matches!(
        qr_png(&sample::payload(4_300)),
        Err(PrintError::QrTooLong { .. })
    ));
}
