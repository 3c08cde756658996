//! A person's record: everything Assent holds about one contact, gathered from
//! each part that holds some of it (the contact row, the ledger with its evidence
//! and the notices shown, the sending core, the inbound messages and stored
//! webhooks, forwards still owed, the suppression list). The console's timeline,
//! the access request and the erasure's confirmation all read it here, so what
//! staff see, what a person receives and what an erasure names are the same.
//!
//! An erased person has no contact row any more: their record is the chain's
//! events, which name only the contact's random id, and the suppression entries
//! their erasure made.

mod actors;

pub use actors::names;

use crate::categories::{self, Category};
use crate::consent::{self, CategoryStatus, ConsentAction, Evidence, RecordedEvent, suppression};
use crate::contacts::{self, Contact};
use crate::db::Db;
use crate::domain::Recipient;
use crate::forwarding::{self, Owed};
use crate::inbound::received::{self, Received};
use crate::inbound::redaction;
use crate::notices::{self, Notice};
use crate::numbers::{self, BusinessNumber};
use crate::sending::history::{self, Refused, Sent};
use serde_json::Value;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap};

/// One consent event with what was kept beside it.
#[derive(Debug, Clone)]
pub struct EventRecord {
    pub event: RecordedEvent,
    /// IP, user agent, inbound message id; gone once the person is erased.
    pub evidence: Option<Evidence>,
    /// The notice version the event names, with its text; `None` when it names
    /// none, or one Assent only knows by its hash (sent through the API).
    pub notice: Option<Notice>,
}

#[derive(Debug, Clone)]
pub struct Record {
    /// The contact's random id: what the ledger's events name.
    pub subject_id: String,
    pub number: BusinessNumber,
    /// `None` once the person is erased.
    pub contact: Option<Contact>,
    pub categories: Vec<Category>,
    pub states: BTreeMap<String, CategoryStatus>,
    /// Oldest first.
    pub events: Vec<EventRecord>,
    pub sent: Vec<Sent>,
    pub received: Vec<Received>,
    /// Their entries in the stored webhook payloads, as Meta delivered them.
    pub webhook_entries: Vec<Value>,
    pub refused: Vec<Refused>,
    pub owed: Vec<Owed>,
    /// Their entries on the suppression list: by their keys while they are a
    /// contact, by their erasure once erased.
    pub suppression: Vec<suppression::Entry>,
}

impl Record {
    /// The erasure event, when the person is erased.
    pub fn erasure(&self) -> Option<&RecordedEvent> {
        if self.contact.is_some() {
            return None;
        }
        self.events
            .iter()
            .rev()
            .map(|e| &e.event)
            .find(|e| e.action == ConsentAction::Erased)
    }

    /// The events that have evidence kept beside them.
    pub fn evidence_count(&self) -> usize {
        self.events.iter().filter(|e| e.evidence.is_some()).count()
    }
}

/// The contact the business knows as `who` on the number, if any.
pub async fn find(
    db: &Db,
    business_number_id: &str,
    who: &Recipient,
) -> anyhow::Result<Option<Contact>> {
    contacts::find(&mut *db.pool.acquire().await?, business_number_id, who).await
}

/// The contact with this id, while they are one (not erased).
pub async fn contact(db: &Db, id: &str) -> anyhow::Result<Option<Contact>> {
    contacts::find_by_id(&mut *db.pool.acquire().await?, id).await
}

/// The record of the contact with this id (or of the erased person it was);
/// `None` when Assent never knew the id.
pub async fn read(db: &Db, secret: &[u8], subject_id: &str) -> anyhow::Result<Option<Record>> {
    let mut conn = db.pool.acquire().await?;
    read_in(&mut conn, secret, subject_id).await
}

async fn read_in(
    conn: &mut AnyConnection,
    secret: &[u8],
    subject_id: &str,
) -> anyhow::Result<Option<Record>> {
    let contact = contacts::find_by_id(conn, subject_id).await?;
    let events = consent::events_for_subject(conn, subject_id).await?;
    let number_id = match (&contact, events.first()) {
        (Some(c), _) => c.business_number_id.clone(),
        (None, Some(e)) => e.business_number_id.clone(),
        (None, None) => return Ok(None),
    };
    let number = numbers::by_id(conn, &number_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("contact {subject_id} of a number that does not exist"))?;
    let states = consent::derive_states(&events);
    let mut evidence = consent::evidence_for_subject(conn, subject_id).await?;
    let mut shown: HashMap<(String, String), Option<Notice>> = HashMap::new();
    let mut timeline = Vec::with_capacity(events.len());
    for event in events {
        let notice = match (&event.notice_version, &event.notice_sha256) {
            (Some(version), Some(sha256)) => {
                let key = (version.clone(), sha256.clone());
                if !shown.contains_key(&key) {
                    let found = notices::version_of(conn, &number_id, version, sha256).await?;
                    shown.insert(key.clone(), found);
                }
                shown[&key].clone()
            }
            _ => None,
        };
        timeline.push(EventRecord {
            evidence: evidence.remove(&event.id),
            notice,
            event,
        });
    }
    let categories = categories::all(conn).await?;
    let mut record = Record {
        subject_id: subject_id.to_owned(),
        number,
        contact: None,
        categories,
        states,
        events: timeline,
        sent: Vec::new(),
        received: Vec::new(),
        webhook_entries: Vec::new(),
        refused: Vec::new(),
        owed: Vec::new(),
        suppression: Vec::new(),
    };
    match contact {
        Some(contact) => {
            let keys = suppression::keys_of(secret, &contact);
            record.sent = history::sent_to(conn, &contact.id).await?;
            record.received = received::of_contact(conn, &contact.id).await?;
            record.webhook_entries = redaction::entries_of(
                conn,
                &contact.id,
                contact.wa_id.as_deref(),
                contact.user_id.as_deref(),
            )
            .await?;
            record.refused = history::refused_to(conn, &contact, &keys).await?;
            record.owed = forwarding::owed_about(conn, &contact.id).await?;
            record.suppression = suppression::entries(conn, &number_id, &keys).await?;
            record.contact = Some(contact);
        }
        None => {
            if let Some(erased) = record.erasure().map(|e| e.id.clone()) {
                record.suppression = suppression::of_erasure(conn, &erased).await?;
            }
        }
    }
    Ok(Some(record))
}
