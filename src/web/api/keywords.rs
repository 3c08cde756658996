//! `GET|POST /api/v1/keywords`: the opt-out keywords a number understands.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::domain::Language;
use crate::keywords::{self, Action};
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
    if new.words.len() > 50 {
        return Err(ApiError::field("words", "at most 50 words"));
    }
    for (n, w) in new.words.iter().enumerate() {
        let normal = keywords::normalise(w);
        if normal.is_empty() || normal.chars().count() > 40 || normal.chars().any(char::is_control)
        {
            return Err(ApiError::field(
                &format!("words[{n}]"),
                "must be 1 to 40 characters, without control characters",
            ));
        }
    }
    keywords::set(&services.db, &key.number.id, &language, action, &new.words).await?;
    list(key, services).await
}
