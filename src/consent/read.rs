//! A person's consent, read back: their contact, the stored state of each
//! category, and a page of their events (newest last), so that a read costs the
//! same for a person with three events as for one with thousands.

use super::ledger::{self, RecordedEvent};
use super::state::CategoryStatus;
use super::states;
use crate::contacts::{self, Contact};
use crate::db::Db;
use crate::domain::Recipient;
use std::collections::BTreeMap;

pub struct ConsentRecord {
    pub contact: Option<Contact>,
    /// The newest events older than the page asked for, oldest first.
    pub events: Vec<RecordedEvent>,
    /// When there are older events: the `seq` to ask the next page before.
    pub older_than: Option<i64>,
    pub states: BTreeMap<String, CategoryStatus>,
}

pub async fn read(
    db: &Db,
    business_number_id: &str,
    who: &Recipient,
    events_before: Option<i64>,
    events_limit: i64,
) -> anyhow::Result<ConsentRecord> {
    let mut conn = db.pool.acquire().await?;
    let contact = contacts::find(&mut conn, business_number_id, who).await?;
    let Some(c) = &contact else {
        return Ok(ConsentRecord {
            contact,
            events: vec![],
            older_than: None,
            states: BTreeMap::new(),
        });
    };
    let states = states::of_subject(&mut conn, &c.id).await?;
    let mut events =
        ledger::page_for_subject(&mut conn, &c.id, events_before, events_limit + 1).await?;
    let older_than = if events.len() as i64 > events_limit {
        events.truncate(events_limit as usize);
        events.last().map(|e| e.seq)
    } else {
        None
    };
    events.reverse();
    Ok(ConsentRecord {
        contact,
        events,
        older_than,
        states,
    })
}
