//! An entry point's public links (SPEC §6): `/l/{code}`, the tracking link, counts
//! a visit and sends the visitor on to the wa.me link; `/qr/{code}.png` and
//! `/qr/{code}.svg` are QR codes of the tracking link (or, with `?target=wa`, of
//! the wa.me link itself) for print. Nothing here knows who the visitor is: no
//! address is stored, no cookie is set.

use crate::entry_points::{self, qr};
use crate::services::Services;
use crate::web::page::{Page, PageError, Problem};
use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, web};
use qrcode::QrCode;
use serde::Deserialize;
use std::ops::RangeInclusive;

/// A PNG's width (and height) in pixels: `?size=`, else this.
const DEFAULT_SIZE: u32 = 512;
const SIZES: RangeInclusive<u32> = 128..=2048;
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
    qr::encode(&data).ok_or_else(|| page.error(Problem::BadRequest))
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
    let code = qr_code(&page, &services, &code, query.target).await?;
    let png = web::block(move || qr::png(&code, size))
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
    let svg = qr::svg(&qr_code(&page, &services, &code, query.target).await?);
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "image/svg+xml"))
        .insert_header((CACHE_CONTROL, CACHED))
        .body(svg))
}
