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
            .filter(|n| trusted(&numbers, n))
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

fn changes(payload: &Value) -> impl Iterator<Item = &Value> {
    payload["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten())
}

/// Whether the payload names the number: by `metadata.phone_number_id`, or, in
/// a quality update (which carries no metadata), by its display number.
fn names(payload: &Value, n: &BusinessNumber) -> bool {
    changes(payload).any(|c| {
        let value = &c["value"];
        value["metadata"]["phone_number_id"].as_str() == Some(&n.phone_number_id)
            || (c["field"] == "phone_number_quality_update"
                && value["display_phone_number"].as_str().is_some_and(|d| {
                    d.chars()
                        .filter(char::is_ascii_digit)
                        .eq(n.display_digits().chars())
                }))
    })
}

/// The sandbox's app secret and verify token are published (README), so once
/// the install has a real number they vouch for nothing.
fn trusted(numbers: &[BusinessNumber], n: &BusinessNumber) -> bool {
    n.provider() != ProviderKind::Sandbox
        || numbers
            .iter()
            .all(|other| other.provider() == ProviderKind::Sandbox)
}

/// Whether the payload is signed as Meta signs. It must verify with the app secret
/// of every number of ours it names (`names`; a number without a secret accepts nothing),
/// so one app's secret never vouches for another's number; a payload naming none
/// of ours (account and template updates name only the business account) must
/// verify with some number's secret. The sandbox's secret is published, so on an
/// install with real numbers it vouches for nothing.
fn signed(numbers: &[BusinessNumber], payload: Option<&Value>, body: &[u8], header: &str) -> bool {
    let trusted = |n: &BusinessNumber| trusted(numbers, n);
    let verifies = |n: &BusinessNumber| {
        n.app_secret
            .as_deref()
            .is_some_and(|secret| signature::verify(secret, body, header))
    };
    let ours: Vec<&BusinessNumber> = numbers
        .iter()
        .filter(|n| payload.is_some_and(|p| names(p, n)))
        .collect();
    if ours.is_empty() {
        numbers
            .iter()
            .filter(|n| trusted(n))
            .fold(false, |ok, n| ok | verifies(n))
    } else {
        ours.iter().all(|n| trusted(n) && verifies(n))
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
    let parsed: Option<Value> = serde_json::from_slice(&bytes).ok();
    let numbers = numbers::list(&services.db).await?;
    if !signed(&numbers, parsed.as_ref(), &bytes, header) {
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
