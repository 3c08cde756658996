//! API-key authentication: `Authorization: Bearer <key>`, or the on-premises style
//! `WA-API-KEY` / `D360-API-KEY` headers. Every key belongs to one business number.
//! `require_key` guards the API scopes (see `web::routes`); handlers take the
//! `ApiKey` it found.

use super::error::ApiError;
use crate::api_keys;
use crate::audit::Doer;
use crate::domain::Actor;
use crate::numbers::BusinessNumber;
use crate::services::Services;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, ResponseError, dev::Payload, web};
use std::future::{Ready, ready};

#[derive(Clone)]
pub struct ApiKey {
    pub key_id: String,
    /// The key's name, as the audit log shows who acted.
    pub name: String,
    pub number: BusinessNumber,
    ip: Option<String>,
}

impl ApiKey {
    pub fn actor(&self) -> Actor {
        Actor::ApiKey(self.key_id.clone())
    }

    /// Who the audit log names for what this request does.
    pub fn doer(&self) -> Doer {
        Doer {
            actor: self.actor(),
            name: self.name.clone(),
            ip: self.ip.clone(),
        }
    }
}

fn presented(req: &ServiceRequest) -> Option<String> {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let bearer = header("authorization")
        .and_then(|auth| auth.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, key)| key.trim());
    // A proxy's own Authorization (Basic, say) must not hide the on-premises headers.
    bearer
        .or(header("wa-api-key"))
        .or(header("d360-api-key"))
        .map(str::to_owned)
}

/// Lets the request through only with a valid, unrevoked key.
/// A refusal is answered here, as a response, so the headers every response
/// carries (set by the outer middleware) are on it too.
pub async fn require_key(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let key = presented(&req);
    let services = req.app_data::<web::Data<Services>>().cloned();
    let found = match (key, services) {
        (Some(key), Some(services)) => api_keys::authenticate(&services.db, &key)
            .await
            .map_err(ApiError::from),
        _ => Ok(None),
    };
    match found {
        Ok(Some(key)) => {
            let ip = req.peer_addr().map(|a| a.ip().to_string());
            req.extensions_mut().insert(ApiKey {
                key_id: key.id,
                name: key.name,
                number: key.number,
                ip,
            });
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        Ok(None) => Ok(refuse(req, ApiError::unauthorized())),
        Err(e) => Ok(refuse(req, e)),
    }
}

fn refuse<B>(req: ServiceRequest, e: ApiError) -> ServiceResponse<EitherBody<B>> {
    req.into_response(e.error_response()).map_into_right_body()
}

impl FromRequest for ApiKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(req.extensions().get::<ApiKey>().cloned().ok_or_else(|| {
            tracing::error!(path = %req.path(), "an API route outside the key-guarded scopes");
            ApiError::internal()
        }))
    }
}
