//! `/admin/contacts/{id}`: a person's record for compliance staff: their consent
//! per category, the timeline of consent events with the evidence and the notice
//! text shown, messages sent, received and refused; an erased person's page
//! shows the erasure, the suppression entry it left and a fresh verification of
//! the ledger. `/admin/contacts/{id}/access.json` is the access request download.

use super::Staff;
use super::dates::when;
use super::text::Person;
use crate::access::{self, Subject};
use crate::categories::Category;
use crate::consent::{self, ConsentAction, ConsentState, Source};
use crate::numbers::BusinessNumber;
use crate::people::{self, EventRecord, Record};
use crate::services::Services;
use crate::web::page::{Page, PageError, Problem};
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use std::collections::HashMap;

pub struct Detail {
    label: &'static str,
    value: String,
}

pub struct StateRow {
    title: String,
    name: String,
    kind: &'static str,
    state: &'static str,
    since: String,
}

pub struct NoticeShown {
    version: String,
    sha256: String,
    /// The exact text, when Assent holds it.
    text: Option<String>,
    language: Option<String>,
    href: Option<String>,
}

pub struct EventItem {
    id: String,
    seq: i64,
    at: String,
    heading: String,
    state: &'static str,
    source: &'static str,
    source_ref: Option<String>,
    actor: String,
    language: Option<String>,
    confirmation_template: Option<String>,
    notice: Option<NoticeShown>,
    evidence: Vec<Detail>,
    /// The evidence went with an erasure; the chain keeps its SHA-256.
    evidence_erased: bool,
    hash: String,
}

pub struct SentRow {
    at: String,
    what: String,
    category: String,
    status: String,
    history: String,
    by: String,
}

pub struct ReceivedRow {
    at: String,
    kind: String,
    state: String,
    read: String,
}

pub struct BlockedRow {
    at: String,
    what: String,
    reason: String,
    code: i64,
    by: String,
}

pub struct SuppressionRow {
    key_hash: String,
    reason: String,
    since: String,
}

pub struct Erased {
    at: String,
    by: String,
    seq: i64,
}

/// The integrity check run at or after the erasure (the erasure runs one).
pub struct Verified {
    at: String,
    by: String,
    intact: bool,
    events: i64,
    head: String,
    problem: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/person.html")]
pub struct PersonPage {
    page: Page,
    id: String,
    heading: String,
    details: Vec<Detail>,
    states: Vec<StateRow>,
    events: Vec<EventItem>,
    sent: Vec<SentRow>,
    received: Vec<ReceivedRow>,
    blocked: Vec<BlockedRow>,
    suppression: Vec<SuppressionRow>,
    erased: Option<Erased>,
    verified: Option<Verified>,
}

pub async fn show(
    page: Page,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<PersonPage, PageError> {
    let page = page.for_staff();
    let record = people::read(&services.db, &services.secret, &id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    let names = people::names(&services.db, &record)
        .await
        .map_err(|e| page.internal(e))?;
    let verified = match record.erasure() {
        Some(erasure) => consent::verifications::latest(&services.db)
            .await
            .map_err(|e| page.internal(e))?
            .filter(|v| v.at >= erasure.created_at)
            .map(|v| Verified {
                at: when(v.at),
                by: v.by,
                intact: v.broken.is_none(),
                events: v.events_checked,
                head: v.head_hash,
                problem: v
                    .broken
                    .map(|b| (page.console.person.broken_event)(b.seq, &b.problem))
                    .unwrap_or_default(),
            }),
        None => None,
    };
    Ok(view(page, &record, &names, verified))
}

fn named(names: &HashMap<String, String>, raw: &str) -> String {
    names.get(raw).cloned().unwrap_or_else(|| raw.to_owned())
}

fn view(
    page: Page,
    record: &Record,
    names: &HashMap<String, String>,
    verified: Option<Verified>,
) -> PersonPage {
    let w = &page.console.person;
    let number = &record.number;
    let mut details = Vec::new();
    let heading = match &record.contact {
        Some(c) => {
            let phone = c.wa_id.as_ref().map(|w| format!("+{w}"));
            let mut add = |label, value: Option<String>| {
                if let Some(value) = value {
                    details.push(Detail { label, value });
                }
            };
            add(w.phone, phone.clone());
            add(w.user_id, c.user_id.clone());
            add(w.language, c.language.map(|l| l.code().to_owned()));
            add(w.entry_point, c.entry_point.clone());
            add(w.last_wrote, c.last_inbound_at.map(when));
            add(w.terms_sent, c.terms_sent_at.map(when));
            add(w.terms_accepted, c.terms_accepted_at.map(when));
            add(w.marketing_stopped, c.marketing_stopped_at.map(when));
            phone
                .or_else(|| c.user_id.clone())
                .unwrap_or_else(|| w.unnamed.into())
        }
        None => w.erased_person.into(),
    };
    details.push(Detail {
        label: w.business_number,
        value: (w.number_with_id)(&number_label(number), &number.phone_number_id),
    });
    details.push(Detail {
        label: w.contact_id,
        value: record.subject_id.clone(),
    });
    let states = record
        .categories
        .iter()
        .map(|c| {
            let status = record.states.get(c.name.as_str());
            StateRow {
                title: c.title.clone(),
                name: c.name.to_string(),
                kind: c.kind.as_str(),
                state: status.map_or(w.no_state, |s| state_words(s.state, w)),
                since: status.map(|s| when(s.since)).unwrap_or_default(),
            }
        })
        .collect();
    let events = record
        .events
        .iter()
        .rev()
        .map(|e| event_item(e, &record.categories, names, w))
        .collect();
    let sent = record
        .sent
        .iter()
        .rev()
        .map(|m| SentRow {
            at: when(m.created_at),
            what: match &m.template_name {
                Some(name) => (w.template)(name),
                None => (w.kind_message)(&m.kind),
            },
            category: m.category.clone().unwrap_or_default(),
            status: match (&m.error_code, &m.error_title) {
                (Some(code), Some(title)) => format!("{} ({code}: {title})", m.status),
                _ => m.status.clone(),
            },
            history: m
                .statuses
                .iter()
                .map(|s| format!("{} {}", s.status, when(s.at)))
                .collect::<Vec<_>>()
                .join(", "),
            by: named(names, &m.actor),
        })
        .collect();
    let received = record
        .received
        .iter()
        .rev()
        .map(|m| ReceivedRow {
            at: when(m.received_at),
            kind: m.kind.clone(),
            state: received_words(&m.state, w).to_owned(),
            read: m.read_at.map(when).unwrap_or_default(),
        })
        .collect();
    let blocked = record
        .refused
        .iter()
        .rev()
        .map(|b| BlockedRow {
            at: when(b.created_at),
            what: what_words(&b.what, w),
            reason: b.reason.replace('_', " "),
            code: b.code,
            by: named(names, &b.actor),
        })
        .collect();
    let suppression = record
        .suppression
        .iter()
        .map(|s| SuppressionRow {
            key_hash: s.key_hash.clone(),
            reason: s.reason.clone(),
            since: when(s.created_at),
        })
        .collect();
    let erased = record.erasure().map(|e| Erased {
        at: when(e.created_at),
        by: e
            .actor
            .as_ref()
            .map(|a| named(names, &a.to_string()))
            .unwrap_or_default(),
        seq: e.seq,
    });
    PersonPage {
        page,
        id: record.subject_id.clone(),
        heading,
        details,
        states,
        events,
        sent,
        received,
        blocked,
        suppression,
        erased,
        verified,
    }
}

/// The business as staff know it: its name, and its number when that differs.
pub(super) fn number_label(number: &BusinessNumber) -> String {
    if number.name() == number.display_number {
        number.display_number.clone()
    } else {
        format!("{} ({})", number.name(), number.display_number)
    }
}

/// What a refused send was, as `blocked_sends` records it: `template:name:lang`
/// or a message kind.
fn what_words(what: &str, w: &Person) -> String {
    match what
        .strip_prefix("template:")
        .and_then(|t| t.rsplit_once(':'))
    {
        Some((name, language)) => (w.template_in)(name, language),
        None => what.to_owned(),
    }
}

/// What the consent conversation did with a message the person sent.
fn received_words<'a>(state: &'a str, w: &Person) -> &'a str {
    match state {
        "held" => w.held,
        "released" => w.released,
        "handled" => w.handled,
        "received" => w.being_processed,
        other => other,
    }
}

fn state_words(state: ConsentState, w: &Person) -> &'static str {
    match state {
        ConsentState::Pending => w.pending,
        other => other.as_str(),
    }
}

fn action_words(action: ConsentAction, w: &Person) -> &'static str {
    match action {
        ConsentAction::Granted => w.granted,
        ConsentAction::Confirmed => w.confirmed,
        ConsentAction::Withdrawn => w.withdrawn,
        ConsentAction::Declined => w.declined,
        ConsentAction::Erased => w.erased,
        ConsentAction::Expired => w.expired,
    }
}

fn source_words(source: Source, w: &Person) -> &'static str {
    match source {
        Source::WebForm => w.web_form,
        Source::Chat => w.chat,
        Source::Keyword => w.keyword,
        Source::PreferenceCenter => w.preference_center,
        Source::MetaSignal => w.meta_signal,
        Source::Api => w.api,
        Source::Import => w.import,
        Source::Staff => w.staff,
    }
}

fn event_item(
    record: &EventRecord,
    categories: &[Category],
    names: &HashMap<String, String>,
    w: &Person,
) -> EventItem {
    let e = &record.event;
    let what = match e.category.as_str() {
        "*" => w.everything.to_owned(),
        c => categories
            .iter()
            .find(|k| k.name.as_str() == c)
            .map_or_else(|| c.to_owned(), |k| k.title.clone()),
    };
    let mut evidence = Vec::new();
    if let Some(ev) = &record.evidence {
        for (label, value) in [
            (w.ip, &ev.ip),
            (w.user_agent, &ev.user_agent),
            (w.inbound_message_id, &ev.inbound_message_id),
            (w.detail, &ev.detail),
        ] {
            if let Some(value) = value {
                evidence.push(Detail {
                    label,
                    value: value.clone(),
                });
            }
        }
    }
    EventItem {
        id: e.id.clone(),
        seq: e.seq,
        at: when(e.created_at),
        heading: (w.event_heading)(action_words(e.action, w), &what),
        state: crate::receipts::state(e.action, e.confirmation_template.is_some()),
        source: source_words(e.source, w),
        source_ref: e.source_ref.clone(),
        actor: e
            .actor
            .as_ref()
            .map(|a| named(names, &a.to_string()))
            .unwrap_or_default(),
        language: e.language.clone(),
        confirmation_template: e.confirmation_template.clone(),
        notice: match (&e.notice_version, &e.notice_sha256) {
            (Some(version), Some(sha256)) => Some(NoticeShown {
                version: version.clone(),
                sha256: sha256.clone(),
                text: record.notice.as_ref().map(|n| n.body.clone()),
                language: record.notice.as_ref().map(|n| n.language.clone()),
                href: record.notice.as_ref().map(|n| format!("/notices/{}", n.id)),
            }),
            _ => None,
        },
        evidence,
        evidence_erased: record.evidence.is_none() && e.evidence_sha256.is_some(),
        hash: e.hash.clone(),
    }
}

/// `/admin/contacts/{id}/access.json`: everything held, as one file, audited.
pub async fn access_file(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let document = access::request(
        &services.db,
        &services.secret,
        &staff.doer(),
        Subject::Id(&id),
    )
    .await
    .map_err(|e| page.internal(e))?
    .ok_or_else(|| page.error(Problem::NotFound))?;
    Ok(download(&format!("access-{id}.json"), &document))
}

/// A JSON file the browser saves rather than shows.
pub(super) fn download(filename: &str, body: &impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename.to_owned())],
        })
        .json(body)
}
