//! Erasure (right to be forgotten): removes everything that names the person and
//! leaves the chain intact plus a keyed hash that blocks future sends.

use super::event::{ConsentAction, Evidence, NewEvent, Source};
use super::{ledger, suppression};
use crate::contacts::Contact;
use crate::db::Db;
use sqlx::AnyConnection;

pub async fn erase_contact(
    db: &Db,
    secret: &[u8],
    contact: &Contact,
    actor: &str,
) -> anyhow::Result<()> {
    let mut tx = db.begin().await?;
    db.lock_number(&mut tx, &contact.business_number_id).await?;
    ledger::append(
        &mut tx,
        NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: "*".into(),
            action: ConsentAction::Erased,
            source: Source::Staff,
            source_ref: None,
            notice: None,
            language: None,
            actor: Some(actor.to_owned()),
            confirmation_template: None,
            evidence: Evidence::default(),
        },
    )
    .await?;

    for key in keys_of(secret, contact) {
        suppression::add(&mut tx, &contact.business_number_id, &key, "erased").await?;
    }
    forget(&mut tx, secret, contact).await?;
    tx.commit().await?;
    Ok(())
}

fn keys_of(secret: &[u8], contact: &Contact) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(wa_id) = &contact.wa_id {
        keys.push(suppression::key_for(secret, "wa", wa_id));
    }
    if let Some(user_id) = &contact.user_id {
        keys.push(suppression::key_for(secret, "uid", user_id));
    }
    keys
}

/// Deletes every row that names the person or holds what they wrote: the contact,
/// their messages both ways, their part of stored webhook payloads, evidence, pending forwards,
/// contact checks and blocked-send records. Ledger events stay (they name only the
/// contact's random id). Used by erasure and by a decline in chat.
pub async fn forget(
    conn: &mut AnyConnection,
    secret: &[u8],
    contact: &Contact,
) -> anyhow::Result<()> {
    for key in keys_of(secret, contact) {
        sqlx::query(
            "DELETE FROM blocked_sends WHERE business_number_id = $1 AND recipient_hash = $2",
        )
        .bind(&contact.business_number_id)
        .bind(&key)
        .execute(&mut *conn)
        .await?;
    }
    // First: the person's message ids find their entries in stored payloads.
    crate::inbound::store::forget_person(
        &mut *conn,
        &contact.id,
        contact.wa_id.as_deref(),
        contact.user_id.as_deref(),
    )
    .await?;
    let by_contact = [
        "DELETE FROM ledger_evidence WHERE subject_id = $1",
        "DELETE FROM idempotency_keys WHERE message_id IN (SELECT id FROM messages WHERE contact_id = $1)",
        "DELETE FROM message_statuses WHERE message_id IN (SELECT id FROM messages WHERE contact_id = $1)",
        "DELETE FROM messages WHERE contact_id = $1",
        "DELETE FROM inbound_messages WHERE contact_id = $1",
        "DELETE FROM forwards WHERE contact_id = $1",
    ];
    for sql in by_contact {
        sqlx::query(sql)
            .bind(&contact.id)
            .execute(&mut *conn)
            .await?;
    }
    if let Some(wa_id) = &contact.wa_id {
        sqlx::query("DELETE FROM contact_checks WHERE business_number_id = $1 AND (wa_id = $2 OR input = $3)")
            .bind(&contact.business_number_id)
            .bind(wa_id)
            .bind(format!("+{wa_id}"))
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM contacts WHERE id = $1")
        .bind(&contact.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
