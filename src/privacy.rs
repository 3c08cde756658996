//! Forgetting a person, one flow for both ways it happens: erasure (a right-to-be-
//! forgotten request) and a decline of the terms in chat. Both delete every row
//! that names the person or holds what they wrote, their part of stored webhook
//! payloads included, and leave the ledger's chain intact (its events name only
//! the contact's random id).
//!
//! - Erasure also appends an `erased` event, tells the business (one last time
//!   with the person's number, so it can erase them too), and keeps a keyed hash
//!   on the suppression list so they are never messaged again by mistake.
//! - A decline also remembers the declined messages by keyed hash, so Meta's
//!   redelivery of one is ignored, and counts the decline anonymously.

use crate::consent::{self, ConsentAction, Evidence, NewEvent, Provenance, Source, suppression};
use crate::contacts::{self, Contact};
use crate::db::{Db, now_ms};
use crate::domain::Actor;
use crate::{entry_points, forwarding, inbound, sending};
use sqlx::AnyConnection;

/// Erases the person: in one write transaction under the number's lock.
pub async fn erase(db: &Db, secret: &[u8], contact: &Contact, actor: Actor) -> anyhow::Result<()> {
    let mut tx = db.write_for(&contact.business_number_id).await?;
    let erased = consent::append(
        &mut tx,
        NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: "*".into(),
            action: ConsentAction::Erased,
            confirmation_template: None,
            how: Provenance {
                source: Source::Staff,
                source_ref: None,
                notice: None,
                language: None,
                actor,
                evidence: Evidence::default(),
            },
        },
    )
    .await?;
    // Before the contact row goes: the notice names the person one last time.
    forwarding::consent_events(&mut tx, &[erased]).await?;
    for key in suppression::keys_of(secret, contact) {
        suppression::add(&mut tx, &contact.business_number_id, &key, "erased").await?;
    }
    forget(&mut tx, secret, contact).await?;
    tx.commit().await?;
    Ok(())
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
async fn forget(conn: &mut AnyConnection, secret: &[u8], contact: &Contact) -> anyhow::Result<()> {
    // First: their message ids find their entries in stored payloads.
    inbound::redaction::remove_person(
        &mut *conn,
        &contact.id,
        contact.wa_id.as_deref(),
        contact.user_id.as_deref(),
    )
    .await?;
    consent::forget_evidence(conn, &contact.id).await?;
    sending::forget_contact(conn, contact, &suppression::keys_of(secret, contact)).await?;
    inbound::received::forget(conn, &contact.id).await?;
    forwarding::forget_contact(conn, &contact.id).await?;
    contacts::delete(conn, &contact.id).await?;
    Ok(())
}
