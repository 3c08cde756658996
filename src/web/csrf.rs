//! CSRF for every form: a state-changing request to a page must come from this
//! site (`Origin`, `Sec-Fetch-Site`) and carry a token (the hidden field
//! `csrf_token` of every form, or an `X-CSRF-Token` header). A failure is a 403
//! page and the handler never runs, so nothing changes.
//!
//! Staff forms carry their session's token. Public forms (an opt-in form, the
//! preference center) carry a token sealed for the page's path and valid for a
//! few hours, and set no cookie: they must work inside a business's iframe, where
//! browsers send no cookie, and a person signing up needs no session. There the
//! origin check is what stops another site, and the token proves the form was
//! served by this instance recently.
//!
//! A file upload (`multipart/form-data`) carries the token as the form's first
//! field: only that field is read here, and the rest of the body, unread, is
//! handed on as `Upload` for the handler to stream. The 64 KiB bound of form
//! bodies does not apply to it; the handler that takes the file bounds it.
//!
//! Written here rather than taken from a crate: the one maintained actix crate
//! (actix-csrf-middleware) calls itself not ready for production, and the parts
//! that need care come from well-kept crates (actix-session keeps the token, rand
//! makes it, subtle compares it in constant time).

use super::page::{PageError, Problem};
use super::session::TypedSession;
use crate::db::now_ms;
use crate::services::Services;
use crate::tokens::{self, Purpose};
use actix_multipart::Multipart;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::CONTENT_TYPE;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, web};
use futures_util::StreamExt;
use std::future::{Ready, ready};
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
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body);
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
    let expected = TypedSession::of(&req).stored_csrf_token();
    let header = req
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let presented = match header {
        Some(token) => Some(token),
        None if is_multipart(&req) => first_field_token(&mut req).await,
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
    let secret = req
        .app_data::<web::Data<Services>>()
        .map(|s| s.secret.clone());
    let valid = presented.as_deref().is_some_and(|token| {
        let of_session = expected
            .as_deref()
            .is_some_and(|e| bool::from(token.as_bytes().ct_eq(e.as_bytes())));
        of_session || secret.is_some_and(|s| for_path(&s, token, req.path()))
    });
    match (presented, valid) {
        (_, true) => next
            .call(req)
            .await
            .map(ServiceResponse::map_into_left_body),
        (Some(_), false) => refuse(req, "wrong token"),
        (None, false) => refuse(req, "no token"),
    }
}

/// How long a public form's token is good for.
const PUBLIC_TTL: std::time::Duration = std::time::Duration::from_secs(4 * 60 * 60);

/// A token for a public form at `path`, tied to no session.
pub fn public_token(secret: &[u8], path: &str) -> String {
    tokens::seal(
        secret,
        Purpose::FormCsrf,
        path.as_bytes(),
        PUBLIC_TTL,
        now_ms(),
    )
}

fn for_path(secret: &[u8], token: &str, path: &str) -> bool {
    tokens::open(secret, Purpose::FormCsrf, token, now_ms()).is_ok_and(|p| p == path.as_bytes())
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

fn is_multipart(req: &ServiceRequest) -> bool {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

/// The token of a multipart form, which must be its first field; the rest of
/// the form is kept for the handler (`Upload`).
async fn first_field_token(req: &mut ServiceRequest) -> Option<String> {
    let body = req.take_payload();
    let mut form = Multipart::new(req.headers(), body);
    let token = match form.next().await {
        Some(Ok(mut field)) if field.name() == Some(FIELD) => match field.bytes(1024).await {
            Ok(Ok(bytes)) => String::from_utf8(bytes.to_vec()).ok(),
            _ => None,
        },
        _ => None,
    };
    req.extensions_mut().insert(Upload(form));
    token
}

/// The rest of a multipart form whose first field, the CSRF token, passed.
pub struct Upload(pub Multipart);

impl FromRequest for Upload {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let checked = req.extensions_mut().remove::<Upload>();
        ready(match checked {
            Some(upload) => Ok(upload),
            // The token came in its header: the whole form is still to read.
            None if req.headers().contains_key(HEADER) => {
                Ok(Upload(Multipart::new(req.headers(), payload.take())))
            }
            None => Err(PageError::new(Problem::BadRequest, req).on_console()),
        })
    }
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
