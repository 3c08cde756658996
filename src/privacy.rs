//! Forgetting a person, one flow for both ways it happens: erasure (a right-to-be-
//! forgotten request) and a decline of the terms in chat. Both delete every row
//! that names the person or holds what they wrote, their part of stored webhook
//! payloads included, and leave the ledger's chain intact (its events name only
//! the contact's random id).
//!
//! - Erasure (asked for by staff in the console, the business's systems through
//!   the API, or an operator at the command line) also appends an `erased` event,
//!   tells the business (one last time with the person's number, so it can erase
//!   them too), keeps a keyed hash on the suppression list so they are never
//!   messaged again by mistake, and is written to the audit log with who asked.
//! - A decline also remembers the declined messages by keyed hash, so Meta's
//!   redelivery of one is ignored, and counts the decline anonymously.

use crate::audit::{self, Doer, Entry};
use crate::consent::{
    self, ConsentAction, Evidence, NewEvent, Provenance, RecordedEvent, Source, suppression,
};
use crate::contacts::{self, Contact};
use crate::db::{Db, now_ms};
use crate::domain::{Actor, Recipient};
use crate::{entry_points, forwarding, inbound, sending};
use serde::Serialize;
use sqlx::AnyConnection;

/// What an erasure deleted, counted as it went.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Removed {
    /// The contact row: phone number, user id, language, chat state.
    pub contact: u64,
    /// Events whose evidence (IP, user agent, inbound message id) went.
    pub consent_evidence: u64,
    pub messages_sent: u64,
    pub messages_received: u64,
    pub blocked_sends: u64,
    /// Messages, statuses and consent events not yet delivered to the business.
    pub forwards_owed: u64,
}

impl Removed {
    /// As the console, the audit log and the command line say it.
    pub fn summary(&self) -> String {
        let n = |count: u64, one: &str, many: &str| match count {
            1 => format!("1 {one}"),
            _ => format!("{count} {many}"),
        };
        [
            n(self.contact, "contact", "contacts"),
            format!(
                "evidence of {}",
                n(self.consent_evidence, "consent event", "consent events")
            ),
            n(self.messages_sent, "message sent", "messages sent"),
            n(
                self.messages_received,
                "message received",
                "messages received",
            ),
            n(self.blocked_sends, "refused send", "refused sends"),
            n(
                self.forwards_owed,
                "update not yet delivered to the business",
                "updates not yet delivered to the business",
            ),
        ]
        .join(", ")
    }
}

/// What became of an erasure request.
#[derive(Debug, Clone)]
pub enum Erasure {
    Erased {
        contact_id: String,
        /// The `erased` event the chain now ends the person's history with.
        event: RecordedEvent,
        removed: Removed,
        /// Keyed hashes put on the suppression list (by number, by user id).
        suppression_keys: usize,
    },
    /// Nobody left to erase: never known to the number, or erased already (then
    /// still suppressed, unless they came back and accepted the terms).
    NothingLeft { suppressed: bool },
}

/// Erases the person the number knows as `who`, if it knows them.
pub async fn erase_recipient(
    db: &Db,
    secret: &[u8],
    business_number_id: &str,
    who: &Recipient,
    doer: &Doer,
) -> anyhow::Result<Erasure> {
    let contact = {
        let mut conn = db.pool.acquire().await?;
        contacts::find(&mut conn, business_number_id, who).await?
    };
    match contact {
        Some(contact) => erase(db, secret, &contact, doer).await,
        None => {
            let mut conn = db.pool.acquire().await?;
            let key = suppression::key(secret, who);
            let suppressed =
                suppression::is_suppressed(&mut conn, business_number_id, &key).await?;
            Ok(Erasure::NothingLeft { suppressed })
        }
    }
}

/// Erases the person: in one write transaction under the number's lock, with its
/// entry in the audit log, so the erasure and the record of who asked for it
/// commit together or not at all. A person erased meanwhile (a second request
/// racing the first) is left alone: nothing is left.
pub async fn erase(
    db: &Db,
    secret: &[u8],
    contact: &Contact,
    doer: &Doer,
) -> anyhow::Result<Erasure> {
    let mut tx = db.write_for(&contact.business_number_id).await?;
    let Some(contact) = contacts::find_by_id(&mut tx, &contact.id).await? else {
        let mut suppressed = false;
        for key in suppression::keys_of(secret, contact) {
            suppressed |=
                suppression::is_suppressed(&mut tx, &contact.business_number_id, &key).await?;
        }
        return Ok(Erasure::NothingLeft { suppressed });
    };
    let source = match doer.actor {
        Actor::ApiKey(_) => Source::Api,
        _ => Source::Staff,
    };
    let erased = consent::append(
        &mut tx,
        NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: "*".into(),
            action: ConsentAction::Erased,
            confirmation_template: None,
            how: Provenance {
                source,
                source_ref: None,
                notice: None,
                language: None,
                actor: doer.actor.clone(),
                evidence: Evidence::default(),
            },
        },
    )
    .await?;
    // Before the contact row goes: the notice names the person one last time.
    forwarding::consent_events(&mut tx, std::slice::from_ref(&erased)).await?;
    let keys = suppression::keys_of(secret, &contact);
    for key in &keys {
        suppression::add(
            &mut tx,
            &contact.business_number_id,
            key,
            "erased",
            Some(&erased.id),
        )
        .await?;
    }
    let removed = forget(&mut tx, secret, &contact).await?;
    audit::record(
        &mut tx,
        doer,
        Entry {
            action: "contact.erased",
            target: &format!("contact:{}", contact.id),
            detail: &format!(
                "removed {}; {} suppression keys kept; ledger event {}",
                removed.summary(),
                keys.len(),
                erased.seq
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Erasure::Erased {
        contact_id: contact.id,
        event: erased,
        removed,
        suppression_keys: keys.len(),
    })
}

/// The person declined the terms: everything of theirs goes, inside the caller's
/// transaction (the one handling their decline).
pub async fn decline(
    conn: &mut AnyConnection,
    secret: &[u8],
    contact: &Contact,
) -> anyhow::Result<()> {
    for id in inbound::received::ids_of(conn, &contact.id).await? {
        sqlx::query(
            "INSERT INTO forgotten_messages (key_hash, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(message_key(secret, &id))
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    }
    forget(conn, secret, contact).await?;
    // Only a decline of terms that were shown counts (an old button pressed later
    // does not).
    if contact.terms_sent_at.is_some() {
        entry_points::count(
            conn,
            &contact.business_number_id,
            contact.entry_point.as_deref(),
            entry_points::Counter::Declined,
        )
        .await?;
    }
    Ok(())
}

/// Whether the message with Meta's id `id` belonged to someone who declined.
pub async fn is_forgotten(
    conn: &mut AnyConnection,
    secret: &[u8],
    id: &str,
) -> anyhow::Result<bool> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT key_hash FROM forgotten_messages WHERE key_hash = $1")
            .bind(message_key(secret, id))
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

/// A keyed hash of Meta's message id, which encodes the sender's number.
pub fn message_key(secret: &[u8], id: &str) -> String {
    suppression::key_for(secret, "msg", id)
}

/// Deletes, part by part, what each part of Assent holds about the person.
async fn forget(
    conn: &mut AnyConnection,
    secret: &[u8],
    contact: &Contact,
) -> anyhow::Result<Removed> {
    // First: their message ids find their entries in stored payloads.
    inbound::redaction::remove_person(
        &mut *conn,
        &contact.id,
        contact.wa_id.as_deref(),
        contact.user_id.as_deref(),
    )
    .await?;
    let consent_evidence = consent::forget_evidence(conn, &contact.id).await?;
    let sent =
        sending::forget_contact(conn, contact, &suppression::keys_of(secret, contact)).await?;
    let messages_received = inbound::received::forget(conn, &contact.id).await?;
    let forwards_owed = forwarding::forget_contact(conn, &contact.id).await?;
    contacts::delete(conn, &contact.id).await?;
    Ok(Removed {
        contact: 1,
        consent_evidence,
        messages_sent: sent.messages,
        messages_received,
        blocked_sends: sent.blocked_sends,
        forwards_owed,
    })
}
