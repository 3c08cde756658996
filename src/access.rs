//! Access requests (GDPR Art. 15): everything Assent holds about a person, as
//! one JSON document: the contact, consent per category, every event with its
//! evidence and the notice text shown, messages both ways with their statuses,
//! refused sends, forwards still owed, and the suppression entries. The console's
//! download, the API and the command line all answer with `request`, which also
//! writes the audit log entry naming who asked.

use crate::audit::{self, Doer, Entry};
use crate::consent::export::rfc3339;
use crate::consent::{Evidence, suppression};
use crate::db::{Db, now_ms};
use crate::domain::Recipient;
use crate::numbers::BusinessNumber;
use crate::people::{self, Record};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The format's name and version, first in every document.
pub const FORMAT: &str = "assent-access-v1";

/// Whom an access request is about.
pub enum Subject<'a> {
    /// A contact (or an erased person) by the contact's id: the console.
    Id(&'a str),
    /// The person a number knows by phone or user id: the API, the command line.
    Known {
        number: &'a BusinessNumber,
        who: &'a Recipient,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct Document {
    pub format: &'static str,
    pub generated_at: String,
    pub business_number: NumberView,
    /// `null` when the number knows nobody by that phone or user id, or the
    /// person was erased.
    pub contact: Option<ContactView>,
    /// Every category, with the person's current state.
    pub consents: BTreeMap<String, StateView>,
    pub events: Vec<EventView>,
    pub messages_sent: Vec<SentView>,
    pub messages_received: Vec<ReceivedView>,
    /// Their entries in the stored webhook payloads, as Meta delivered them.
    pub webhook_entries: Vec<Value>,
    pub blocked_sends: Vec<BlockedView>,
    pub forwards_owed: Vec<OwedView>,
    pub suppression: Vec<SuppressionView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NumberView {
    pub phone_number_id: String,
    pub display_number: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub id: String,
    pub phone: Option<String>,
    pub user_id: Option<String>,
    pub language: Option<String>,
    pub entry_point: Option<String>,
    pub last_inbound_at: Option<String>,
    pub marketing_stopped_at: Option<String>,
    pub terms_sent_at: Option<String>,
    pub terms_accepted_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StateView {
    pub state: &'static str,
    pub since: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: String,
    pub seq: i64,
    pub created_at: String,
    pub category: String,
    pub action: &'static str,
    pub source: &'static str,
    pub source_ref: Option<String>,
    pub actor: Option<String>,
    pub language: Option<String>,
    pub confirmation_template: Option<String>,
    pub notice: Option<NoticeView>,
    pub evidence: Option<Evidence>,
    pub hash: String,
    pub prev_hash: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct NoticeView {
    pub version: String,
    pub sha256: String,
    /// The notice's id (its public page is `/notices/{id}`) and exact text, when
    /// Assent holds the text.
    pub id: Option<String>,
    pub language: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SentView {
    pub id: String,
    pub created_at: String,
    pub kind: String,
    pub template: Option<String>,
    pub category: Option<String>,
    pub status: String,
    pub error: Option<ErrorView>,
    pub sent_by: String,
    pub statuses: Vec<StatusView>,
    /// The message as it was accepted (Meta's message object).
    pub message: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    pub code: Option<i64>,
    pub title: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusView {
    pub status: String,
    pub at: String,
    pub error: Option<ErrorView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReceivedView {
    pub id: String,
    pub received_at: String,
    pub kind: String,
    pub state: String,
    pub read_at: Option<String>,
    /// What waits for the business while the message is held.
    pub held: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockedView {
    pub at: String,
    pub what: String,
    pub reason: String,
    pub code: i64,
    pub tried_by: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct OwedView {
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SuppressionView {
    pub key_hash: String,
    pub reason: String,
    pub since: String,
}

/// Everything held about the subject, and its audit entry (when there is a
/// person to name: a request about nobody exports nothing). `None` when the
/// contact id is unknown.
pub async fn request(
    db: &Db,
    secret: &[u8],
    doer: &Doer,
    subject: Subject<'_>,
) -> anyhow::Result<Option<Document>> {
    let subject_id = match subject {
        Subject::Id(id) => id.to_owned(),
        Subject::Known { number, who } => match people::find(db, &number.id, who).await? {
            Some(contact) => contact.id,
            None => return Ok(Some(nobody(db, secret, number, who).await?)),
        },
    };
    let Some(record) = people::read(db, secret, &subject_id).await? else {
        return Ok(None);
    };
    let document = document(&record);
    audit::record_alone(
        db,
        doer,
        Entry {
            action: "contact.access_exported",
            target: &format!("contact:{subject_id}"),
            detail: &format!(
                "access request: {} events, {} messages sent, {} received, {} blocked sends",
                document.events.len(),
                document.messages_sent.len(),
                document.messages_received.len(),
                document.blocked_sends.len()
            ),
        },
    )
    .await?;
    Ok(Some(document))
}

/// The answer about someone the number does not know: nothing, except a
/// suppression entry if they were erased.
async fn nobody(
    db: &Db,
    secret: &[u8],
    number: &BusinessNumber,
    who: &Recipient,
) -> anyhow::Result<Document> {
    let mut conn = db.pool.acquire().await?;
    let key = suppression::key(secret, who);
    let entries = suppression::entries(&mut conn, &number.id, &[key]).await?;
    let categories = crate::categories::all(&mut conn).await?;
    Ok(Document {
        consents: categories
            .iter()
            .map(|c| (c.name.to_string(), none()))
            .collect(),
        suppression: entries.iter().map(suppression_view).collect(),
        ..empty(number)
    })
}

fn empty(number: &BusinessNumber) -> Document {
    Document {
        format: FORMAT,
        generated_at: rfc3339(now_ms()),
        business_number: NumberView {
            phone_number_id: number.phone_number_id.clone(),
            display_number: number.display_number.clone(),
            name: number.name().to_owned(),
        },
        contact: None,
        consents: BTreeMap::new(),
        events: Vec::new(),
        messages_sent: Vec::new(),
        messages_received: Vec::new(),
        webhook_entries: Vec::new(),
        blocked_sends: Vec::new(),
        forwards_owed: Vec::new(),
        suppression: Vec::new(),
    }
}

fn none() -> StateView {
    StateView {
        state: "none",
        since: None,
    }
}

fn suppression_view(e: &suppression::Entry) -> SuppressionView {
    SuppressionView {
        key_hash: e.key_hash.clone(),
        reason: e.reason.clone(),
        since: rfc3339(e.created_at),
    }
}

fn error(code: Option<i64>, title: &Option<String>) -> Option<ErrorView> {
    (code.is_some() || title.is_some()).then(|| ErrorView {
        code,
        title: title.clone(),
    })
}

/// Stored JSON as JSON; anything else as the text it is.
fn json_or_text(raw: &str) -> Value {
    serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_owned()))
}

/// The record as the person receives it.
pub fn document(record: &Record) -> Document {
    let at = |ms: Option<i64>| ms.map(rfc3339);
    let contact = record.contact.as_ref().map(|c| ContactView {
        id: c.id.clone(),
        phone: c.wa_id.as_ref().map(|w| format!("+{w}")),
        user_id: c.user_id.clone(),
        language: c.language.map(|l| l.code().to_owned()),
        entry_point: c.entry_point.clone(),
        last_inbound_at: at(c.last_inbound_at),
        marketing_stopped_at: at(c.marketing_stopped_at),
        terms_sent_at: at(c.terms_sent_at),
        terms_accepted_at: at(c.terms_accepted_at),
    });
    let consents = record
        .categories
        .iter()
        .map(|c| {
            let state = match record.states.get(c.name.as_str()) {
                Some(s) => StateView {
                    state: s.state.as_str(),
                    since: Some(rfc3339(s.since)),
                },
                None => none(),
            };
            (c.name.to_string(), state)
        })
        .collect();
    let events = record
        .events
        .iter()
        .map(|r| {
            let e = &r.event;
            EventView {
                id: e.id.clone(),
                seq: e.seq,
                created_at: rfc3339(e.created_at),
                category: e.category.clone(),
                action: e.action.as_str(),
                source: e.source.as_str(),
                source_ref: e.source_ref.clone(),
                actor: e.actor.as_ref().map(ToString::to_string),
                language: e.language.clone(),
                confirmation_template: e.confirmation_template.clone(),
                notice: match (&e.notice_version, &e.notice_sha256) {
                    (Some(version), Some(sha256)) => Some(NoticeView {
                        version: version.clone(),
                        sha256: sha256.clone(),
                        id: r.notice.as_ref().map(|n| n.id.clone()),
                        language: r.notice.as_ref().map(|n| n.language.clone()),
                        text: r.notice.as_ref().map(|n| n.body.clone()),
                    }),
                    _ => None,
                },
                evidence: r.evidence.clone(),
                hash: e.hash.clone(),
                prev_hash: e.prev_hash.clone(),
            }
        })
        .collect();
    let messages_sent = record
        .sent
        .iter()
        .map(|m| SentView {
            id: m.id.clone(),
            created_at: rfc3339(m.created_at),
            kind: m.kind.clone(),
            template: m.template_name.clone(),
            category: m.category.clone(),
            status: m.status.clone(),
            error: error(m.error_code, &m.error_title),
            sent_by: m.actor.clone(),
            statuses: m
                .statuses
                .iter()
                .map(|s| StatusView {
                    status: s.status.clone(),
                    at: rfc3339(s.at),
                    error: error(s.error_code, &s.error_title),
                })
                .collect(),
            message: json_or_text(&m.payload),
        })
        .collect();
    let messages_received = record
        .received
        .iter()
        .map(|m| ReceivedView {
            id: m.id.clone(),
            received_at: rfc3339(m.received_at),
            kind: m.kind.clone(),
            state: m.state.clone(),
            read_at: at(m.read_at),
            held: m.held_body.as_deref().map(json_or_text),
        })
        .collect();
    Document {
        contact,
        consents,
        events,
        messages_sent,
        messages_received,
        webhook_entries: record.webhook_entries.clone(),
        blocked_sends: record
            .refused
            .iter()
            .map(|b| BlockedView {
                at: rfc3339(b.created_at),
                what: b.what.clone(),
                reason: b.reason.clone(),
                code: b.code,
                tried_by: b.actor.clone(),
            })
            .collect(),
        forwards_owed: record
            .owed
            .iter()
            .map(|o| OwedView {
                kind: o.kind.clone(),
                state: o.state.clone(),
                attempts: o.attempts,
                created_at: rfc3339(o.created_at),
            })
            .collect(),
        suppression: record.suppression.iter().map(suppression_view).collect(),
        ..empty(&record.number)
    }
}
