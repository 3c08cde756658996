//! `POST|GET /api/v1/entry-points[/{code}]`: wa.me links for the chat opt-in,
//! with their tracking link, QR codes and anonymous statistics.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::entry_points::{self, EntryPoint, EntryPointError, NewEntryPoint};
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBody {
    code: String,
    name: String,
    categories: Vec<String>,
    prefilled_text: Option<String>,
    language: Option<String>,
}

/// An entry point as the API shows it: with its public links.
#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    entry_point: EntryPoint,
    tracking_url: String,
    qr_png_url: String,
    qr_svg_url: String,
}

fn shown(services: &Services, entry_point: EntryPoint) -> Shown {
    let public = &services.public_url;
    Shown {
        tracking_url: entry_points::tracking_url(public, &entry_point.code),
        qr_png_url: format!("{public}/qr/{}.png", entry_point.code),
        qr_svg_url: format!("{public}/qr/{}.svg", entry_point.code),
        entry_point,
    }
}

pub async fn create(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let new: NewBody = body::json(payload).await?;
    let new = NewEntryPoint {
        code: new.code,
        name: new.name,
        categories: new.categories,
        prefilled_text: new.prefilled_text,
        language: new.language,
    };
    match entry_points::create(&services.db, &key.doer(), &key.number, new).await {
        Ok(ep) => Ok(HttpResponse::Created().json(shown(&services, ep))),
        Err(EntryPointError::Invalid(field, problem)) => Err(ApiError::field(field, problem)),
        Err(e @ EntryPointError::Exists(_)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            100,
            "Entry point already exists",
            e.to_string(),
        )),
        Err(EntryPointError::Db(e)) => Err(e.into()),
    }
}

pub async fn list(key: ApiKey, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let data: Vec<Shown> = entry_points::of_number(&services.db, &key.number)
        .await?
        .into_iter()
        .map(|ep| shown(&services, ep))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": data })))
}

pub async fn show(
    key: ApiKey,
    code: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    match entry_points::by_code(&services.db, &key.number, &code).await? {
        Some(ep) => Ok(HttpResponse::Ok().json(shown(&services, ep))),
        None => Err(ApiError::not_found(format!(
            "No entry point with code {:?} for this number.",
            code.as_str()
        ))),
    }
}
