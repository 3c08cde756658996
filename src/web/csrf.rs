//! CSRF for every form: a state-changing request to a page must come from this
//! site (`Origin`, `Sec-Fetch-Site`) and carry the session's token (the hidden
//! field `csrf_token` of every form, or an `X-CSRF-Token` header). A failure is a
//! 403 page and the handler never runs, so nothing changes.
//!
//! Written here rather than taken from a crate: the one maintained actix crate
//! (actix-csrf-middleware) calls itself not ready for production, and the parts
//! that need care come from well-kept crates (actix-session keeps the token, rand
//! makes it, subtle compares it in constant time).

use super::page::{PageError, Problem};
use super::session::TypedSession;
use crate::services::Services;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, ResponseError, web};
use futures_util::StreamExt;
use subtle::ConstantTimeEq;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The largest form body a page accepts; larger ones are refused before parsing.
pub const MAX_FORM: usize = 64 * 1024;

pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.call(req).await.map(ServiceResponse::map_into_left_body);
    }
    // Answered here as a response, so the outer middleware's headers are on it.
    let refuse = |req: ServiceRequest, why: &str| {
        tracing::warn!(path = %req.path(), why, "form refused (CSRF)");
        let page = PageError::new(Problem::Csrf, req.request()).error_response();
        Ok(req.into_response(page).map_into_right_body())
    };
    if !same_site(&req) {
        return refuse(req, "sent from another site");
    }
    let Some(expected) = TypedSession::of(&req).stored_csrf_token() else {
        return refuse(req, "no token in the session");
    };
    let header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let presented = match header {
        Some(token) => Some(token),
        None => {
            let body = match read_body(&mut req).await {
                Ok(body) => body,
                Err(_) => return refuse(req, "the form is too large or unreadable"),
            };
            let token = form_field(&body, FIELD);
            // The handler reads the same body after us.
            req.set_payload(actix_web::dev::Payload::from(body));
            token
        }
    };
    match presented {
        Some(token) if bool::from(token.as_bytes().ct_eq(expected.as_bytes())) => {
            next.call(req).await.map(ServiceResponse::map_into_left_body)
        }
        Some(_) => refuse(req, "wrong token"),
        None => refuse(req, "no token"),
    }
}

/// `Sec-Fetch-Site` (sent by every current browser) must not say cross-site, and
/// `Origin`, when present, must be this site's.
fn same_site(req: &ServiceRequest) -> bool {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && !matches!(site, "same-origin" | "none")
    {
        return false;
    }
    let Some(origin) = header("origin") else {
        return true;
    };
    let public = req
        .app_data::<web::Data<Services>>()
        .map(|s| s.public_url.clone())
        .unwrap_or_default();
    let host = req.connection_info().host().to_owned();
    let scheme = req.connection_info().scheme().to_owned();
    origin == origin_of(&public) || origin == format!("{scheme}://{host}")
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default()
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, Error> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > MAX_FORM {
            return Err(actix_web::error::ErrorPayloadTooLarge("form too large"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_read_from_a_form_body() {
        let body = b"email=a%40b.c&csrf_token=abc123&password=x";
        assert_eq!(form_field(body, FIELD).as_deref(), Some("abc123"));
        assert_eq!(form_field(b"email=a", FIELD), None);
        assert_eq!(form_field(b"\xff\xfe", FIELD), None);
    }

    #[test]
    fn origins_are_compared_as_scheme_host_and_port() {
        assert_eq!(
            origin_of("https://assent.example/"),
            "https://assent.example"
        );
        assert_eq!(origin_of("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
        assert_eq!(origin_of("not a url"), "");
    }
}
