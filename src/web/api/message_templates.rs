//! `POST|GET /api/v1/templates`: approved templates and their consent category.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::domain::{CategoryName, Language, TemplateName};
use crate::message_templates::{self as templates, MetaCategory, RegisterError};
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewTemplate {
    name: String,
    language: String,
    category: String,
    consent_category: String,
}

pub async fn create(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let new: NewTemplate = body::json(payload).await?;
    let name = TemplateName::parse(&new.name).map_err(|e| ApiError::field("name", e))?;
    let language = Language::parse(&new.language).map_err(|e| ApiError::field("language", e))?;
    let meta_category = MetaCategory::parse(&new.category).ok_or_else(|| {
        ApiError::field("category", "must be MARKETING, UTILITY or AUTHENTICATION")
    })?;
    let consent_category = CategoryName::parse(&new.consent_category)
        .map_err(|e| ApiError::field("consent_category", e))?;
    match templates::register(
        &services.db,
        &key.number.id,
        &name,
        &language,
        meta_category,
        &consent_category,
    )
    .await
    {
        Ok(t) => Ok(HttpResponse::Created().json(t)),
        Err(e @ (RegisterError::UnknownCategory(_) | RegisterError::KindMismatch(..))) => {
            Err(ApiError::field("consent_category", e))
        }
        Err(e @ RegisterError::Exists(..)) => Err(ApiError::new(
            StatusCode::CONFLICT,
            100,
            "Template already registered",
            e.to_string(),
        )),
        Err(RegisterError::Db(e)) => Err(e.into()),
    }
}

pub async fn list(key: ApiKey, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let data = templates::of_number(&services.db, &key.number.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "data": data })))
}
