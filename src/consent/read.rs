//! A person's consent, read back: their contact, events and the state of each
//! category.

use super::ledger::{self, RecordedEvent};
use super::state::{CategoryStatus, derive_states};
use crate::contacts::{self, Contact};
use crate::db::Db;
use crate::domain::Recipient;
use std::collections::BTreeMap;

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
