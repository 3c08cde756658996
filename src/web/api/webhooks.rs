//! `GET|POST /webhooks/whatsapp`: Meta's webhooks in. The POST is verified on its
//! raw bytes, stored, and acknowledged; `inbound::worker` processes it afterwards.

use super::body;
use super::error::ApiError;
use crate::inbound::intake::{self, Intake};
use crate::numbers;
use crate::services::Services;
use crate::signature;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        crate::web::endpoint::Endpoint::new("/webhooks/whatsapp")
            .get(handshake)
            .post(receive)
            .for_machines(),
    );
}

/// Meta batches up to 1000 updates per POST, in up to 3 MB.
pub const MAX_WEBHOOK_BODY: usize = 3 * 1024 * 1024;

#[derive(Deserialize)]
pub struct Handshake {
    #[serde(rename = "hub.mode")]
    mode: Option<String>,
    #[serde(rename = "hub.verify_token")]
    verify_token: Option<String>,
    #[serde(rename = "hub.challenge")]
    challenge: Option<String>,
}

/// Meta's subscription handshake: the challenge back when the verify token is one
/// of our numbers'.
async fn handshake(
    query: web::Query<Handshake>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let numbers = numbers::list(&services.db).await?;
    let known = q.verify_token.as_deref().is_some_and(|given| {
        numbers
            .iter()
            .filter(|n| intake::trusted(&numbers, n))
            .filter_map(|n| n.verify_token.as_deref())
            .fold(false, |found, token| {
                found | bool::from(token.as_bytes().ct_eq(given.as_bytes()))
            })
    });
    match (q.mode.as_deref(), q.challenge) {
        (Some("subscribe"), Some(challenge)) if known => Ok(HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(challenge)),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            190,
            "Webhook verification failed",
            "hub.mode must be subscribe and hub.verify_token the verify token of a registered number (assent number add --verify-token).",
        )),
    }
}

async fn receive(
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let bytes = body::read_at_most(payload, MAX_WEBHOOK_BODY).await?;
    let Some(header) = req
        .headers()
        .get(signature::HEADER)
        .and_then(|h| h.to_str().ok())
    else {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            190,
            "Missing signature",
            "X-Hub-Signature-256 is required: sha256=<hex HMAC-SHA256 of the raw body with the app secret>.",
        ));
    };
    match intake::receive(&services, &bytes, header).await? {
        Intake::Stored => {}
        Intake::Again => tracing::info!("webhook payload received again; it was stored before"),
        Intake::BadSignature => {
            tracing::warn!("webhook with a wrong signature refused");
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                190,
                "Invalid signature",
                "X-Hub-Signature-256 does not match the body signed with the app secret of the number it names.",
            ));
        }
        Intake::NotJson => return Err(ApiError::field("(body)", "is not valid JSON")),
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body("EVENT_RECEIVED"))
}
