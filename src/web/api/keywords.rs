//! `GET|POST /api/v1/keywords`: the opt-out keywords a number understands.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::domain::Language;
use crate::keywords::{self, Action, KeywordError};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    language: String,
    action: String,
    words: Vec<String>,
}

pub async fn list(key: ApiKey, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let data = keywords::in_effect(&services.db, &key.number.id).await?;
    Ok(HttpResponse::Ok().json(json!({ "data": data })))
}

pub async fn set(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let new: SetBody = body::json(payload).await?;
    let language = Language::parse(&new.language).map_err(|e| ApiError::field("language", e))?;
    let action = Action::parse(&new.action).ok_or_else(|| {
        ApiError::field(
            "action",
            "must be stop, start, help, stop_promotions, confirm or preferences",
        )
    })?;
    keywords::set(&services.db, &key.number.id, &language, action, &new.words)
        .await
        .map_err(|e| match e {
            KeywordError::Invalid { field, problem } => ApiError::field(&field, problem),
            KeywordError::Db(e) => e.into(),
        })?;
    list(key, services).await
}
