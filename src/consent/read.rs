//! A person's consent, read back: the stored state of every category, and a
//! page of their events (newest last), in two reads that find the person
//! themselves, so that a read costs the same for a person with three events as
//! for one with thousands.

use super::ledger::{EVENT_COLUMNS, RecordedEvent, StoredEvent};
use super::state::CategoryStatus;
use super::states;
use crate::contacts;
use crate::db::Db;
use crate::domain::Recipient;

pub struct ConsentRecord {
    /// The newest events older than the page asked for, oldest first.
    pub events: Vec<RecordedEvent>,
    /// When there are older events: the `seq` to ask the next page before.
    pub older_than: Option<i64>,
    /// Every category by name, with the person's state in it (`None`: never
    /// touched, or nobody known by that id).
    pub states: Vec<(String, Option<CategoryStatus>)>,
}

pub async fn read(
    db: &Db,
    business_number_id: &str,
    who: &Recipient,
    events_before: Option<i64>,
    events_limit: i64,
) -> anyhow::Result<ConsentRecord> {
    let mut conn = db.pool.acquire().await?;
    let (person, id) = contacts::id_subquery(who);
    let states = states::of_every_category(&mut conn, person, business_number_id, id).await?;
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE subject_id = {person} AND seq < $3 \
         ORDER BY seq DESC LIMIT $4"
    );
    let mut events = sqlx::query_as::<_, StoredEvent>(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(id)
        .bind(events_before.unwrap_or(i64::MAX))
        .bind(events_limit + 1)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(RecordedEvent::try_from)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let older_than = if events.len() as i64 > events_limit {
        events.truncate(events_limit as usize);
        events.last().map(|e| e.seq)
    } else {
        None
    };
    events.reverse();
    Ok(ConsentRecord {
        events,
        older_than,
        states,
    })
}
