//! `POST /v1/contacts`: the on-premises style contact check, for the key's number.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::domain::PhoneNumber;
use crate::sending::contact_check;
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckRequest {
    #[serde(default)]
    #[allow(dead_code)]
    blocking: Option<String>,
    contacts: Vec<String>,
    #[serde(default)]
    force_check: bool,
}

pub async fn check(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let request: CheckRequest = body::json(payload).await?;
    if request.contacts.is_empty() || request.contacts.len() > 100 {
        return Err(ApiError::field(
            "contacts",
            "must list 1 to 100 phone numbers",
        ));
    }
    let mut answers = Vec::with_capacity(request.contacts.len());
    for input in request.contacts {
        let Ok(phone) = PhoneNumber::parse(&input) else {
            answers.push(json!({ "input": input, "status": "invalid" }));
            continue;
        };
        let Some(found) =
            contact_check::check(&services, &key.number, &phone, request.force_check).await?
        else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                100,
                "Contact check not available",
                "This number's provider (Meta Cloud API) has no contact check; Meta reports undeliverable recipients as failed statuses (131026).",
            ));
        };
        let mut answer = json!({ "input": input, "status": found.status.as_str() });
        if let Some(w) = found.wa_id {
            answer["wa_id"] = json!(w);
        }
        answers.push(answer);
    }
    Ok(HttpResponse::Ok().json(json!({ "contacts": answers })))
}
