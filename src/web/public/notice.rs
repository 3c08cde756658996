//! `/notices/{id}`: the exact terms a person accepted in chat, public, so the link
//! in the consent message works without a login.

use crate::notices;
use crate::services::Services;
use crate::web::page::{Page, PageError, Problem};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "public/notice.html")]
pub struct NoticePage {
    page: Page,
    heading: String,
    language: String,
    body: String,
    version: String,
    sha256: String,
}

pub async fn show(
    page: Page,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<NoticePage, PageError> {
    let shown = notices::shown(&services.db, &id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    Ok(NoticePage {
        heading: page.t.notice_heading.replace("{business}", &shown.business),
        language: shown.notice.language,
        body: shown.notice.body,
        version: shown.notice.version,
        sha256: shown.notice.sha256,
        page,
    })
}
