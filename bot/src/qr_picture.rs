//! The QR picture of the second factor's enrolment (an `otpauth://` URL):
//! drawn here, at the edge, for the messenger that shows it; core knows only
//! the secret and its URL (`medcab_core::totp`).

/// A QR code of `text` as a PNG picture: black modules on white, a 4-module
/// quiet zone, 8 px per module, readable by phone cameras. 1-bit greyscale:
/// the smallest file, and exactly two colours.
///
/// # Panics
///
/// If `text` does not fit in a QR code (over about 2,300 bytes); an otpauth
/// URL is well under 200.
pub fn png(text: &str) -> Vec<u8> {
    const QUIET_MODULES: usize = 4;
    const PIXELS_PER_MODULE: usize = 8;

    // Level M (15% recoverable) is the usual choice for screens: a little
    // glare or a dirty lens is forgiven without making the code dense.
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M)
        .expect("the text fits in a QR code");
    let modules = code.width();
    let dark = code.to_colors();
    let side_modules = modules + 2 * QUIET_MODULES;
    let side = side_modules * PIXELS_PER_MODULE;
    let row_bytes = side.div_ceil(8);

    // One bit per pixel, 1 = white, most significant bit first (PNG's order).
    let mut pixels = vec![0u8; row_bytes * side];
    for y in 0..side {
        let module_y = (y / PIXELS_PER_MODULE).checked_sub(QUIET_MODULES);
        for x in 0..side {
            let module_x = (x / PIXELS_PER_MODULE).checked_sub(QUIET_MODULES);
            let is_dark = match (module_x, module_y) {
                (Some(mx), Some(my)) if mx < modules && my < modules => {
                    dark[my * modules + mx] == qrcode::Color::Dark
                }
                _ => false,
            };
            if !is_dark {
                pixels[y * row_bytes + x / 8] |= 0x80 >> (x % 8);
            }
        }
    }

    let side = u32::try_from(side).expect("a QR picture is a few hundred pixels wide");
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::One);
    // Writing to memory fails only on a mismatch between header and data,
    // which the arithmetic above rules out.
    let mut writer = encoder.write_header().expect("a valid PNG header");
    writer
        .write_image_data(&pixels)
        .expect("the pixel data matches the header");
    writer.finish().expect("the PNG closes");
    png_bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Decodes a PNG to one byte per pixel (0 or 255) with its side.
    fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
        let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        decoder.set_transformations(png::Transformations::EXPAND);
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buffer).unwrap();
        assert_eq!(info.color_type, png::ColorType::Grayscale);
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        buffer.truncate(info.line_size * info.height as usize);
        (info.width, info.height, buffer)
    }

    #[test]
    fn the_png_is_a_black_and_white_png_of_the_code() {
        let text = "otpauth://totp/medcab:%D0%90%D0%BD%D0%BD%D0%B0?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=medcab";
        let picture = png(text);
        assert!(picture.starts_with(&[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n']));

        let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).unwrap();
        let modules = code.width();
        let side = (modules + 8) * 8;
        let (width, height, pixels) = decode(&picture);
        assert_eq!((width as usize, height as usize), (side, side));
        assert!(pixels.iter().all(|&p| p == 0 || p == 255));

        // Each pixel is its module's colour; the quiet zone is white.
        let colors = code.to_colors();
        for y in 0..side {
            for x in 0..side {
                // Modules counted from the picture's corner: the code's own
                // start 4 modules in, past the quiet zone.
                let (mx, my) = (x / 8, y / 8);
                let code_area = 4..modules + 4;
                let inside = code_area.contains(&mx) && code_area.contains(&my);
                let dark = inside && colors[(my - 4) * modules + (mx - 4)] == qrcode::Color::Dark;
                assert_eq!(
                    pixels[y * side + x],
                    if dark { 0 } else { 255 },
                    "({x}, {y})"
                );
            }
        }
        // The top-left finder pattern starts right after the quiet zone.
        assert_eq!(pixels[32 * side + 32], 0);
        assert_eq!(pixels[31 * side + 31], 255);
    }

    #[test]
    fn the_png_is_deterministic() {
        assert_eq!(png("otpauth://totp/x"), png("otpauth://totp/x"));
        assert_ne!(png("otpauth://totp/x"), png("otpauth://totp/y"));
    }
}
