//! `POST|GET /v1/configs/webhook`: where the key's number forwards messages,
//! statuses and consent events, as on-premises style APIs configure it.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::forwarding::{config, target};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigBody {
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
}

pub async fn set(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let new: ConfigBody = body::json(payload).await?;
    let url = config::validate(&new.url, &new.headers)
        .map_err(|(field, problem)| ApiError::field(field, problem))?;
    if !services.forward.to_internal {
        target::check(&url).await.map_err(|problem| {
            ApiError::field("url", format!("{problem}; {}", target::API_HINT))
        })?;
    }
    let saved = config::set(&services.db, &key.number.id, &new.url, &new.headers).await?;
    Ok(HttpResponse::Ok().json(saved))
}

pub async fn show(key: ApiKey, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    match config::of_number(&services.db, &key.number.id).await? {
        Some(c) => Ok(HttpResponse::Ok().json(c)),
        None => Err(ApiError::not_found(
            "No webhook is configured for this number; set one with POST /v1/configs/webhook.",
        )),
    }
}
