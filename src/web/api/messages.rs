//! Sending: Meta's Cloud API endpoint and the on-premises style one. Both hand the
//! body to the sending core and only shape its answer.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::sending::{self, Queued, SendRequest, Submitted};
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

fn idempotency_key(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(raw) = req.headers().get("idempotency-key") else {
        return Ok(None);
    };
    let key = raw
        .to_str()
        .map_err(|_| ApiError::field("Idempotency-Key", "must be printable ASCII"))?
        .trim();
    if key.is_empty() || key.len() > 255 {
        return Err(ApiError::field(
            "Idempotency-Key",
            "must be 1 to 255 characters",
        ));
    }
    Ok(Some(key.to_owned()))
}

/// `v23.0`, `v24`: how Graph API paths begin.
pub fn is_graph_version(v: &str) -> bool {
    v.strip_prefix('v').is_some_and(|n| {
        let mut parts = n.split('.');
        parts
            .next()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
            && parts.all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    })
}

fn contacts_json(q: &Queued) -> Value {
    let mut contact = json!({ "input": q.input });
    if let Some(w) = &q.wa_id {
        contact["wa_id"] = json!(w);
    }
    if let Some(u) = &q.user_id {
        contact["user_id"] = json!(u);
    }
    json!([contact])
}

/// `POST /{version}/{phone_number_id}/messages`: Meta Cloud API compatible.
pub fn meta_send_route() -> actix_web::Resource {
    crate::web::endpoint::Endpoint::new("/{version}/{phone_number_id}/messages")
        .post(meta_send)
        .for_machines()
}

async fn meta_send(
    path: web::Path<(String, String)>,
    key: ApiKey,
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let (version, phone_number_id) = path.into_inner();
    if !is_graph_version(&version) {
        return Err(ApiError::not_found(format!(
            "{version:?} is not a Graph API version such as v23.0"
        )));
    }
    if key.number.phone_number_id != phone_number_id {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            10,
            "Permission denied",
            format!(
                "This API key belongs to phone number id {}; it cannot send for {phone_number_id}.",
                key.number.phone_number_id
            ),
        ));
    }
    let body: Value = body::json(payload).await?;
    Ok(match submit(&services, key, &req, body).await? {
        Submitted::Queued(queued) => HttpResponse::Ok().json(json!({
            "messaging_product": "whatsapp",
            "contacts": contacts_json(&queued),
            "messages": [{ "id": queued.message_id, "message_status": "accepted" }],
        })),
        Submitted::MarkedRead => read(),
    })
}

/// Meta's answer to a read receipt.
fn read() -> HttpResponse {
    HttpResponse::Ok().json(json!({"success": true}))
}

/// `POST /v1/messages`: on-premises style; the body may omit `messaging_product`.
pub async fn onprem_send(
    key: ApiKey,
    req: HttpRequest,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let mut body: Value = body::json(payload).await?;
    if let Some(obj) = body.as_object_mut() {
        obj.entry("messaging_product")
            .or_insert_with(|| json!("whatsapp"));
    }
    Ok(match submit(&services, key, &req, body).await? {
        Submitted::Queued(queued) => HttpResponse::Accepted().json(json!({
            "contacts": contacts_json(&queued),
            "messages": [{ "id": queued.message_id }],
        })),
        Submitted::MarkedRead => read(),
    })
}

async fn submit(
    services: &Services,
    key: ApiKey,
    req: &HttpRequest,
    body: Value,
) -> Result<Submitted, ApiError> {
    let request = SendRequest {
        actor: key.actor(),
        number: key.number,
        body,
        idempotency_key: idempotency_key(req)?,
        asks_consent: false,
    };
    Ok(sending::submit(services, request).await?)
}
