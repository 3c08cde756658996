//! `/admin/contacts/{id}/erase`: erasure in two steps. The page says exactly
//! what will be deleted and what is kept; only its form (POST, with the
//! session's CSRF token) erases, through the same `privacy::erase` as every other
//! door, audited in the erasure's own transaction.

use super::Staff;
use super::text;
use crate::consent;
use crate::people::{self, Record};
use crate::privacy::{self, Erasure};
use crate::services::Services;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;

#[derive(Template)]
#[template(path = "console/erase.html")]
pub struct ErasePage {
    page: Page,
    id: String,
    who: String,
    number: String,
    deleted: Vec<String>,
    kept: Vec<String>,
}

fn back_to(id: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/admin/contacts/{id}")))
        .finish()
}

/// What erasing the person deletes and what it keeps, in words.
fn consequences(record: &Record, t: &text::Erasure) -> (String, Vec<String>, Vec<String>) {
    let contact = record.contact.as_ref();
    let who = contact
        .and_then(|c| {
            c.wa_id
                .as_ref()
                .map(|w| format!("+{w}"))
                .or_else(|| c.user_id.clone())
        })
        .unwrap_or_else(|| (t.contact)(&record.subject_id));
    let mut names = Vec::new();
    if let Some(c) = contact {
        if let Some(w) = &c.wa_id {
            names.push((t.phone)(w));
        }
        if let Some(u) = &c.user_id {
            names.push((t.user_id)(u));
        }
    }
    names.push(t.conversation.into());
    let deleted = vec![
        (t.the_contact)(&names.join(", ")),
        (t.evidence)(record.evidence_count()),
        (t.sent)(record.sent.len()),
        (t.received)(record.received.len(), record.webhook_entries.len()),
        (t.refused)(record.refused.len()),
        (t.owed)(record.owed.len()),
    ];
    let kept = vec![
        (t.kept_events)(record.events.len(), &record.subject_id),
        (t.kept_suppression)(&super::person::number_label(&record.number)),
        t.kept_notice.into(),
        t.kept_audit.into(),
    ];
    (who, deleted, kept)
}

pub async fn confirm(
    page: Page,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let record = people::read(&services.db, &services.secret, &id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    if record.contact.is_none() {
        page.session().set_flash(page.console.erasure.already);
        return Ok(back_to(&id));
    }
    let (who, deleted, kept) = consequences(&record, &page.console.erasure);
    let number = super::person::number_label(&record.number);
    Ok(render(
        StatusCode::OK,
        &ErasePage {
            page,
            id: id.into_inner(),
            who,
            number,
            deleted,
            kept,
        },
    ))
}

pub async fn erase(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let Some(contact) = people::contact(&services.db, &id)
        .await
        .map_err(|e| page.internal(e))?
    else {
        // Erased meanwhile, or never known.
        let known = people::read(&services.db, &services.secret, &id)
            .await
            .map_err(|e| page.internal(e))?
            .is_some();
        if !known {
            return Err(page.error(Problem::NotFound));
        }
        page.session().set_flash(page.console.erasure.already);
        return Ok(back_to(&id));
    };
    let done = privacy::erase(&services.db, &services.secret, &contact, &staff.doer())
        .await
        .map_err(|e| page.internal(e))?;
    let t = &page.console.erasure;
    if matches!(done, Erasure::Erased { .. }) {
        // Staff erase to answer a request, and must be able to show that the
        // ledger still verifies: checked once here (and recorded), so the
        // person's page reads the result instead of walking the chain per view.
        consent::verifications::verify_and_record(&services.db, &staff.doer())
            .await
            .map_err(|e| page.internal(e))?;
    }
    page.session().set_flash(&match done {
        Erasure::Erased { removed, .. } => (t.done)(&removed.summary()),
        Erasure::NothingLeft { .. } => t.already.to_owned(),
    });
    Ok(back_to(&id))
}
