//! `/admin/audit`: the audit log, newest first, 50 to a page (keyset paging, so
//! a page does not shift as new entries arrive).

use crate::audit;
use crate::consent::export::rfc3339;
use crate::services::Services;
use crate::web::page::{Page, PageError};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

const PER_PAGE: i64 = 50;

pub struct EntryRow {
    at: String,
    who: String,
    actor: String,
    action: String,
    target: String,
    detail: String,
    ip: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/audit_log.html")]
pub struct AuditPage {
    page: Page,
    entries: Vec<EntryRow>,
    /// The link to the next (older) page, when there is one.
    older: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Paging {
    before: Option<String>,
}

pub async fn show(
    page: Page,
    paging: web::Query<Paging>,
    services: web::Data<Services>,
) -> Result<AuditPage, PageError> {
    let page = page.for_staff();
    let mut rows = audit::page(&services.db, paging.before.as_deref(), PER_PAGE + 1)
        .await
        .map_err(|e| page.internal(e))?;
    let more = rows.len() as i64 > PER_PAGE;
    rows.truncate(PER_PAGE as usize);
    let older = more.then(|| rows.last()).flatten().map(|r| {
        format!(
            "/admin/audit?{}",
            serde_urlencoded::to_string([("before", &r.id)]).unwrap_or_default()
        )
    });
    let entries = rows
        .into_iter()
        .map(|r| EntryRow {
            at: rfc3339(r.at),
            who: r.actor_name,
            actor: r.actor,
            action: r.action,
            target: r.target,
            detail: r.detail,
            ip: r.ip.unwrap_or_default(),
        })
        .collect();
    Ok(AuditPage {
        page,
        entries,
        older,
    })
}
