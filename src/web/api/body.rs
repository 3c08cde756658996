//! Request bodies: bounded in size, parsed as JSON with errors that name the field.

use super::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::web;
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

/// The largest JSON body the API accepts (documented in README).
pub const MAX_BODY: usize = 64 * 1024;

pub async fn read(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    read_at_most(payload, MAX_BODY).await
}

pub async fn read_at_most(mut payload: web::Payload, max: usize) -> Result<web::Bytes, ApiError> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::field("(body)", "could not be read"))?;
        if body.len() + chunk.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                100,
                "Request body too large",
                format!("(body): must be at most {max} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON into `T`; a wrong type or unknown field is reported with its path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut *de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            ApiError::field("(body)", format!("is not valid JSON ({inner})"))
        } else {
            let field = if path == "." {
                "(body)".to_owned()
            } else {
                path
            };
            // serde's message carries its own "at line N column M"; the path says where.
            let problem = inner.to_string();
            let problem = problem
                .split(" at line ")
                .next()
                .unwrap_or(&problem)
                .to_owned();
            ApiError::field(&field, problem)
        }
    })?;
    // One JSON value and nothing after it: `{…}{…}` is not a request.
    de.end()
        .map_err(|e| ApiError::field("(body)", format!("is not valid JSON ({e})")))?;
    Ok(value)
}

pub async fn json<T: DeserializeOwned>(payload: web::Payload) -> Result<T, ApiError> {
    parse(&read(payload).await?)
}
