//! Server-rendered pages (askama): the landing page, and the static files they use.

use super::error::ApiError;
use crate::services::Services;
use crate::{notices, numbers};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

pub struct NumberRow {
    phone_number_id: String,
    display_number: String,
    provider: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "index.html")]
pub struct IndexPage {
    numbers: Vec<NumberRow>,
    first_number_id: String,
    public_url: String,
}

pub async fn index(services: web::Data<Services>) -> Result<IndexPage, ApiError> {
    let mut conn = services.db.pool.acquire().await?;
    let numbers: Vec<NumberRow> = numbers::all(&mut conn)
        .await?
        .into_iter()
        .map(|n| NumberRow {
            provider: n.provider().as_str(),
            phone_number_id: n.phone_number_id,
            display_number: n.display_number,
        })
        .collect();
    let first_number_id = numbers
        .first()
        .map(|n| n.phone_number_id.clone())
        .unwrap_or_default();
    Ok(IndexPage {
        numbers,
        first_number_id,
        public_url: services.public_url.clone(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "notice.html")]
pub struct NoticePage {
    business: String,
    language: String,
    body: String,
    version: String,
    sha256: String,
}

/// `/notices/{id}`: the exact terms a person accepted in chat, public, so the link
/// in the consent message works without a login.
pub async fn notice(
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<NoticePage, ApiError> {
    let mut conn = services.db.pool.acquire().await?;
    let notice = notices::by_id(&mut conn, &id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such notice."))?;
    let number = numbers::by_id(&mut conn, &notice.business_number_id)
        .await?
        .ok_or_else(|| ApiError::not_found("No such notice."))?;
    Ok(NoticePage {
        business: number.name().to_owned(),
        language: notice.language,
        body: notice.body,
        version: notice.version,
        sha256: notice.sha256,
    })
}

/// The stylesheet is compiled in, so the binary is the whole deployment.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(include_str!("../../static/assent.css"))
}
