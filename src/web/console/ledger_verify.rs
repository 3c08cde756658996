//! `/admin/ledger/verify`: the integrity check. The page shows the last run;
//! its button runs a new one over the whole chain, records it (for the
//! dashboard and the audit log) and comes back here to show it: events checked
//! and the head hash to keep outside the database, or the first broken event
//! and how it broke.

use super::Staff;
use super::dates::moment;
use crate::consent::verifications::{self, Verification};
use crate::services::Services;
use crate::web::page::{Page, PageError};
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "console/ledger_verify.html")]
pub struct VerifyPage {
    page: Page,
    last: Option<Verification>,
    at: String,
}

pub async fn show(page: Page, services: web::Data<Services>) -> Result<VerifyPage, PageError> {
    let page = page.for_staff();
    let last = verifications::latest(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    Ok(VerifyPage {
        at: last.as_ref().map(|v| moment(v.at)).unwrap_or_default(),
        last,
        page,
    })
}

pub async fn run(
    page: Page,
    staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let done = verifications::verify_and_record(&services.db, &staff.doer())
        .await
        .map_err(|e| page.internal(e))?;
    let t = &page.console.ledger_verify;
    page.session().set_flash(match done.broken {
        None => t.done_intact,
        Some(_) => t.done_broken,
    });
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/ledger/verify"))
        .finish())
}
