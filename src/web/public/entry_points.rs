//! An entry point's public links (SPEC §6): `/l/{code}`, the tracking link, counts
//! a visit and sends the visitor on to the wa.me link; `/qr/{code}.png` and
//! `/qr/{code}.svg` are QR codes of the tracking link (or, with `?target=wa`, of
//! the wa.me link itself) for print. Nothing here knows who the visitor is: no
//! address is stored, no cookie is set.

use crate::entry_points;
use crate::services::Services;
use crate::web::page::{Page, PageError, Problem};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, web};
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, GrayImage, ImageEncoder, Luma};
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};
use serde::Deserialize;
use std::ops::RangeInclusive;

/// A PNG's width (and height) in pixels: `?size=`, else this.
const DEFAULT_SIZE: u32 = 512;
const SIZES: RangeInclusive<u32> = 128..=2048;
/// QR codes are printed: a quarter of the code may be smudged, torn or covered
/// and it still reads (level Q).
const LEVEL: EcLevel = EcLevel::Q;
/// The light margin around the code, in modules, that scanners need (the
/// standard's minimum; the renderer draws it).
const QUIET_ZONE: u32 = 4;
const CACHED: &str = "public, max-age=86400";

/// `GET /l/{code}`: counts the visit and redirects (302) to the wa.me link.
pub async fn visit(
    page: Page,
    code: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let wa_me = entry_points::visit(&services.db, &code)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    Ok(HttpResponse::Found()
        .insert_header((LOCATION, wa_me))
        // Every visit reaches us again, so every one is counted.
        .insert_header((CACHE_CONTROL, "no-store"))
        .finish())
}

#[derive(Deserialize)]
pub struct QrQuery {
    size: Option<u32>,
    #[serde(default)]
    target: Target,
}

/// What the QR code opens.
#[derive(Deserialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Target {
    /// The tracking link (counts the visit): short, so a sparse code.
    #[default]
    Tracking,
    /// The wa.me link itself.
    Wa,
}

/// The data the QR code of `code` carries, encoded.
async fn qr_code(
    page: &Page,
    services: &Services,
    code: &str,
    target: Target,
) -> Result<QrCode, PageError> {
    let (_, ep) = entry_points::public(&services.db, code)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    let data = match target {
        Target::Tracking => entry_points::tracking_url(&services.public_url, &ep.code),
        Target::Wa => ep.wa_me_url,
    };
    // Only a long text in a non-Latin script makes a wa.me link too long for a
    // code at level Q; the tracking link always fits.
    QrCode::with_error_correction_level(data.as_bytes(), LEVEL)
        .map_err(|_| page.error(Problem::BadRequest))
}

/// `GET /qr/{code}.png?size=N`: `size` pixels wide and high.
pub async fn png(
    page: Page,
    code: web::Path<String>,
    query: web::Query<QrQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let size = query.size.unwrap_or(DEFAULT_SIZE);
    if !SIZES.contains(&size) {
        return Err(page.error(Problem::BadRequest));
    }
    let qr = qr_code(&page, &services, &code, query.target).await?;
    let png = web::block(move || png_of(&qr, size))
        .await
        .map_err(|e| page.internal(e))?
        .map_err(|e| page.internal(e))?
        // A wa.me link so long that its modules do not fit in the size asked for.
        .ok_or_else(|| page.error(Problem::BadRequest))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/png"))
        .insert_header((CACHE_CONTROL, CACHED))
        .body(png))
}

/// `GET /qr/{code}.svg`: scales to any size (`size` is for the PNG).
pub async fn svg(
    page: Page,
    code: web::Path<String>,
    query: web::Query<QrQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let qr = qr_code(&page, &services, &code, query.target).await?;
    let svg = qr
        .render::<svg::Color>()
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .insert_header((CACHE_CONTROL, CACHED))
        .body(svg))
}

/// The code drawn with whole-pixel modules, centred on a white square of `size`
/// pixels (any pixels left over widen the quiet zone); `None` when even
/// one-pixel modules do not fit.
fn png_of(qr: &QrCode, size: u32) -> anyhow::Result<Option<Vec<u8>>> {
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
        let qr = QrCode::with_error_correction_level(b"https://assent.example/l/SPRING-26", LEVEL)
            .unwrap();
        assert_eq!(qr.error_correction_level(), EcLevel::Q);
        for size in [128, 333, 512, 2048] {
            let png = png_of(&qr, size).unwrap().unwrap();
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
        let qr = QrCode::with_error_correction_level(long.as_bytes(), LEVEL).unwrap();
        assert!(qr.width() as u32 + 2 * QUIET_ZONE > 128);
        assert!(png_of(&qr, 128).unwrap().is_none());
    }
}
