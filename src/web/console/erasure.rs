//! `/admin/contacts/{id}/erase`: erasure in two steps. The page says exactly
//! what will be deleted and what is kept; only its form (POST, with the
//! session's CSRF token) erases, through the same `privacy::erase` as every other
//! door, audited in the erasure's own transaction.

use super::Staff;
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

fn plural(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// What erasing the person deletes and what it keeps, in words.
fn consequences(record: &Record) -> (String, Vec<String>, Vec<String>) {
    let contact = record.contact.as_ref();
    let who = contact
        .and_then(|c| {
            c.wa_id
                .as_ref()
                .map(|w| format!("+{w}"))
                .or_else(|| c.user_id.clone())
        })
        .unwrap_or_else(|| format!("contact {}", record.subject_id));
    let mut names = Vec::new();
    if let Some(c) = contact {
        if let Some(w) = &c.wa_id {
            names.push(format!("phone number +{w}"));
        }
        if let Some(u) = &c.user_id {
            names.push(format!("Meta user id {u}"));
        }
    }
    names.push("language and where they are in the chat opt-in".into());
    let deleted = vec![
        format!("The contact: {}.", names.join(", ")),
        format!(
            "The evidence of {}: IP addresses, browsers, WhatsApp message ids.",
            plural(record.evidence_count(), "consent event", "consent events")
        ),
        format!(
            "{} to them, with their statuses and what they said.",
            plural(record.sent.len(), "message sent", "messages sent")
        ),
        format!(
            "{} from them, and their {} in the webhooks stored from Meta.",
            plural(
                record.received.len(),
                "message received",
                "messages received"
            ),
            plural(record.webhook_entries.len(), "entry", "entries")
        ),
        format!(
            "{} to them.",
            plural(record.refused.len(), "refused send", "refused sends")
        ),
        format!(
            "{} about them not yet delivered to the business's webhook.",
            plural(record.owed.len(), "update", "updates")
        ),
    ];
    let kept = vec![
        format!(
            "The {} in the ledger, which name only the random id {}. Their hashes stay, so the ledger still verifies; an “erased” event is added.",
            plural(record.events.len(), "consent event", "consent events"),
            record.subject_id
        ),
        format!(
            "A keyed hash of the number on the suppression list of {}, so Assent never messages them again by mistake (unless they write again and accept the terms).",
            super::person::number_label(&record.number)
        ),
        "One last notice to the business's webhook, if it has one, naming the number, so its own systems can erase them too.".into(),
        "An entry in the audit log: who erased, when, and how much was removed (no phone number).".into(),
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
        page.session()
            .set_flash("This person is erased already: nothing is left to erase.");
        return Ok(back_to(&id));
    }
    let (who, deleted, kept) = consequences(&record);
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
        page.session()
            .set_flash("This person is erased already: nothing is left to erase.");
        return Ok(back_to(&id));
    };
    let done = privacy::erase(&services.db, &services.secret, &contact, &staff.doer())
        .await
        .map_err(|e| page.internal(e))?;
    if matches!(done, Erasure::Erased { .. }) {
        // Staff erase to answer a request, and must be able to show that the
        // ledger still verifies: checked once here (and recorded), so the
        // person's page reads the result instead of walking the chain per view.
        consent::verifications::verify_and_record(&services.db, &staff.doer())
            .await
            .map_err(|e| page.internal(e))?;
    }
    page.session().set_flash(&match done {
        Erasure::Erased { removed, .. } => format!(
            "Erased. Removed {}. The ledger keeps its events under the random id, and the person is on the suppression list.",
            removed.summary()
        ),
        Erasure::NothingLeft { .. } => {
            "This person is erased already: nothing is left to erase.".to_owned()
        }
    });
    Ok(back_to(&id))
}
