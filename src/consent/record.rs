//! Recording a consent decision for a person named by phone number or user id, and
//! reading a person's consent back.

use super::event::NewEvent;
use super::ledger::{self, RecordedEvent};
use super::state::{CategoryStatus, derive_states};
use crate::contacts::{self, Contact};
use crate::db::Db;
use crate::domain::Recipient;
use std::collections::BTreeMap;

/// Appends `event` for `who` (creating the contact on first sight) in one transaction.
/// `event.subject_id` is filled in here.
pub async fn record(
    db: &Db,
    business_number_id: &str,
    who: &Recipient,
    mut event: NewEvent,
) -> anyhow::Result<(Contact, RecordedEvent)> {
    let mut tx = db.begin().await?;
    db.lock_number(&mut tx, business_number_id).await?;
    let contact = contacts::get_or_create(&mut tx, business_number_id, who).await?;
    event.subject_id = contact.id.clone();
    event.business_number_id = business_number_id.to_owned();
    let recorded = ledger::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok((contact, recorded))
}

pub struct ConsentRecord {
    pub contact: Option<Contact>,
    pub events: Vec<RecordedEvent>,
    pub states: BTreeMap<String, CategoryStatus>,
}

pub async fn read(
    db: &Db,
    business_number_id: &str,
    who: &Recipient,
) -> anyhow::Result<ConsentRecord> {
    let mut conn = db.pool.acquire().await?;
    let contact = contacts::find(&mut conn, business_number_id, who).await?;
    let events = match &contact {
        Some(c) => ledger::events_for_subject(&mut conn, &c.id).await?,
        None => vec![],
    };
    let states = derive_states(&events);
    Ok(ConsentRecord {
        contact,
        events,
        states,
    })
}
