//! QR codes of an entry point's links, for print: the public `/qr/{code}.png|svg`
//! and the console's downloads draw them here, one way.

use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// QR codes are printed: a quarter of the code may be smudged, torn or covered
/// and it still reads (level Q).
const LEVEL: EcLevel = EcLevel::Q;
/// The light margin around the code, in modules, that scanners need (the
/// standard's minimum; the renderer draws it).
const QUIET_ZONE: u32 = 4;

/// Sizes for print, in pixels: at 300 dots per inch, about 5, 10 and 20 cm wide.
pub const PRINT_SIZES: [(&str, u32); 3] = [("small", 600), ("medium", 1200), ("large", 2400)];

/// The pixel width of a print size by its name.
pub fn print_size(name: &str) -> Option<u32> {
    PRINT_SIZES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, px)| *px)
}

/// `data` as a QR code at level Q; `None` when it is too long for one (only a
/// long text in a non-Latin script makes a wa.me link that long; the tracking
/// link always fits).
pub fn encode(data: &str) -> Option<QrCode> {
    QrCode::with_error_correction_level(data.as_bytes(), LEVEL).ok()
}

/// The code as SVG, with its quiet zone: it scales to any size.
pub fn svg(qr: &QrCode) -> String {
    qr.render::<svg::Color>()
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build()
}

/// The code drawn with whole-pixel modules, centred on a white square of `size`
/// pixels (any pixels left over widen the quiet zone); `None` when even
/// one-pixel modules do not fit.
pub fn png(qr: &QrCode, size: u32) -> anyhow::Result<Option<Vec<u8>>> {
    let modules = qr.width() as u32 + 2 * QUIET_ZONE;
    let unit = size / modules;
    if unit == 0 {
        return Ok(None);
    }
    let drawn = qr
        .render::<Luma<u8>>()
        .quiet_zone(true)
        .module_dimensions(unit, unit)
        .build();
    let mut canvas = GrayImage::from_pixel(size, size, Luma([255]));
    let offset = i64::from((size - drawn.width()) / 2);
    image::imageops::replace(&mut canvas, &drawn, offset, offset);
    let mut png = Vec::new();
    PngEncoder::new(&mut png).write_image(canvas.as_raw(), size, size, ExtendedColorType::L8)?;
    Ok(Some(png))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pngs_are_as_wide_as_asked_with_a_quiet_zone() {
        let qr = encode("https://assent.example/l/SPRING-26").unwrap();
        assert_eq!(qr.error_correction_level(), EcLevel::Q);
        for size in [128, 333, 512, 2048] {
            let png = png(&qr, size).unwrap().unwrap();
            let image = image::load_from_memory(&png).unwrap().to_luma8();
            assert_eq!((image.width(), image.height()), (size, size));
            let unit = size / (qr.width() as u32 + 2 * QUIET_ZONE);
            let margin = (size - unit * (qr.width() as u32 + 2 * QUIET_ZONE)) / 2;
            let quiet = margin + QUIET_ZONE * unit;
            // Nothing dark within the quiet zone, on any side.
            for (x, y, p) in image.enumerate_pixels() {
                let inside =
                    (quiet..size - quiet).contains(&x) && (quiet..size - quiet).contains(&y);
                if !inside {
                    assert_eq!(p.0[0], 255, "dark pixel at {x},{y} (size {size})");
                }
            }
            // The finder pattern's corner is the first dark module.
            assert_eq!(image.get_pixel(quiet, quiet).0[0], 0, "size {size}");
        }
    }

    #[test]
    fn a_code_too_dense_for_the_size_is_refused() {
        let long = "x".repeat(1500);
        let qr = encode(&long).unwrap();
        assert!(qr.width() as u32 + 2 * QUIET_ZONE > 128);
        assert!(png(&qr, 128).unwrap().is_none());
    }

    #[test]
    fn print_sizes_are_named() {
        assert_eq!(print_size("medium"), Some(1200));
        assert_eq!(print_size("huge"), None);
    }
}
