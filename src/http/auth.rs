//! API-key authentication: `Authorization: Bearer <key>`, or the on-premises style
//! `WA-API-KEY` / `D360-API-KEY` headers. Every key belongs to one business number.

use super::error::ApiError;
use crate::api_keys;
use crate::numbers::BusinessNumber;
use crate::services::Services;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use std::future::Future;
use std::pin::Pin;

pub struct ApiKey {
    pub key_id: String,
    pub number: BusinessNumber,
}

impl ApiKey {
    pub fn actor(&self) -> String {
        format!("api_key:{}", self.key_id)
    }
}

fn presented(req: &HttpRequest) -> Option<String> {
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

impl FromRequest for ApiKey {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let key = presented(req);
        let services = req.app_data::<web::Data<Services>>().cloned();
        Box::pin(async move {
            let (Some(key), Some(services)) = (key, services) else {
                return Err(ApiError::unauthorized());
            };
            let mut conn = services.db.pool.acquire().await?;
            match api_keys::authenticate(&mut conn, &key).await? {
                Some((key_id, number)) => Ok(ApiKey { key_id, number }),
                None => Err(ApiError::unauthorized()),
            }
        })
    }
}
