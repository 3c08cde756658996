//! `GET|POST /webhooks/whatsapp`: Meta's webhooks in. The POST is verified on its
//! raw bytes, stored, and acknowledged; `inbound::worker` processes it afterwards.

use super::body;
use super::error::ApiError;
use crate::inbound::store;
use crate::numbers::{self, BusinessNumber, ProviderKind};
use crate::services::Services;
use crate::signature;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::Value;
use subtle::ConstantTimeEq;

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
pub async fn handshake(
    query: web::Query<Handshake>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let numbers = numbers::all(&mut *services.db.pool.acquire().await?).await?;
    let known = q.verify_token.as_deref().is_some_and(|given| {
        numbers
            .iter()
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

fn named_numbers(payload: &Value) -> Vec<&str> {
    let mut ids: Vec<&str> = payload["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten())
        .filter_map(|c| c["value"]["metadata"]["phone_number_id"].as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// The app secrets that may have signed this payload: those of the numbers of
/// ours it names (none, when they have no secret: then nothing verifies), or, when
/// it names none of ours (account and template updates name only the business
/// account), those of the real numbers; the sandbox's secret is public, so it
/// counts there only on an install with nothing but sandbox numbers.
fn candidates<'a>(numbers: &'a [BusinessNumber], payload: Option<&Value>) -> Vec<&'a str> {
    let named = payload.map(named_numbers).unwrap_or_default();
    let secrets = |pick: &dyn Fn(&BusinessNumber) -> bool| -> Vec<&'a str> {
        numbers
            .iter()
            .filter(|n| pick(n))
            .filter_map(|n| n.app_secret.as_deref())
            .collect()
    };
    if numbers
        .iter()
        .any(|n| named.contains(&n.phone_number_id.as_str()))
    {
        return secrets(&|n| named.contains(&n.phone_number_id.as_str()));
    }
    let real = secrets(&|n| n.provider() != ProviderKind::Sandbox);
    if real.is_empty() {
        secrets(&|_| true)
    } else {
        real
    }
}

pub async fn receive(
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
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    let numbers = numbers::all(&mut *services.db.pool.acquire().await?).await?;
    let signed = candidates(&numbers, parsed.as_ref())
        .into_iter()
        .fold(false, |ok, secret| {
            ok | signature::verify(secret, &bytes, header)
        });
    if !signed {
        tracing::warn!("webhook with a wrong signature refused");
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            190,
            "Invalid signature",
            "X-Hub-Signature-256 does not match the body signed with the app secret of the number it names.",
        ));
    }
    let (Some(_), Ok(text)) = (parsed, std::str::from_utf8(&bytes)) else {
        return Err(ApiError::field("(body)", "is not valid JSON"));
    };
    if store::store(&services.db, text).await? {
        services.inbound_wake.notify_one();
    } else {
        tracing::info!("webhook payload received again; it was stored before");
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain")
        .body("EVENT_RECEIVED"))
}
