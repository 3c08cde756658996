//! The current state of each (person, category), kept as a row that
//! `ledger::append` updates with every event through `state::step`, the rule the
//! fold of events uses too: reading consent, gating a send or finding the double
//! opt-ins due to expire reads these rows, never the events.

use super::event::{ConsentAction, Source};
use super::ledger::{EVENT_COLUMNS, RecordedEvent, StoredEvent};
use super::state::{CategoryStatus, ConsentState, derive_states, step};
use crate::db::Db;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

#[derive(sqlx::FromRow)]
struct Row {
    category: String,
    state: String,
    since: i64,
    pending_template: Option<String>,
    source: Option<String>,
    source_ref: Option<String>,
}

impl Row {
    fn status(self) -> Option<(String, CategoryStatus)> {
        Some((
            self.category,
            CategoryStatus {
                state: ConsentState::parse(&self.state)?,
                since: self.since,
                pending_template: self.pending_template,
                source: self.source.as_deref().and_then(Source::parse),
                source_ref: self.source_ref,
            },
        ))
    }
}

const COLUMNS: &str = "category, state, since, pending_template, source, source_ref";

/// The person's state per category (categories never touched are absent).
pub async fn of_subject(
    conn: &mut AnyConnection,
    subject_id: &str,
) -> anyhow::Result<BTreeMap<String, CategoryStatus>> {
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM consent_states WHERE subject_id = $1"
    )))
    .bind(subject_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().filter_map(Row::status).collect())
}

/// One category's state.
pub async fn of_category(
    conn: &mut AnyConnection,
    subject_id: &str,
    category: &str,
) -> anyhow::Result<Option<CategoryStatus>> {
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM consent_states WHERE subject_id = $1 AND category = $2"
    )))
    .bind(subject_id)
    .bind(category)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.and_then(Row::status).map(|(_, s)| s))
}

/// A category whose state an event changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub category: String,
    pub was: Option<ConsentState>,
    pub is: ConsentState,
}

/// Moves the stored state on by one appended event (same transaction), and says
/// which categories changed state.
pub(super) async fn note(
    conn: &mut AnyConnection,
    e: &RecordedEvent,
) -> anyhow::Result<Vec<Moved>> {
    if e.action == ConsentAction::Erased {
        let before = of_subject(conn, &e.subject_id).await?;
        sqlx::query(
            "UPDATE consent_states SET state = 'none', since = $1, pending_template = NULL, source = $2, \
             source_ref = NULL WHERE subject_id = $3",
        )
        .bind(e.created_at)
        .bind(e.source.as_str())
        .bind(&e.subject_id)
        .execute(&mut *conn)
        .await?;
        return Ok(before
            .into_iter()
            .filter(|(_, s)| s.state != ConsentState::None)
            .map(|(category, s)| Moved {
                category,
                was: Some(s.state),
                is: ConsentState::None,
            })
            .collect());
    }
    let current = of_category(conn, &e.subject_id, &e.category).await?;
    let Some(next) = step(current.as_ref(), e) else {
        return Ok(Vec::new());
    };
    write(
        conn,
        &e.business_number_id,
        &e.subject_id,
        &e.category,
        &next,
    )
    .await?;
    let was = current.map(|c| c.state);
    Ok(if was == Some(next.state) {
        Vec::new()
    } else {
        vec![Moved {
            category: e.category.clone(),
            was,
            is: next.state,
        }]
    })
}

async fn write(
    conn: &mut AnyConnection,
    business_number_id: &str,
    subject_id: &str,
    category: &str,
    s: &CategoryStatus,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO consent_states (subject_id, category, business_number_id, state, since, pending_template, source, \
         source_ref) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (subject_id, category) DO UPDATE SET \
         state = excluded.state, since = excluded.since, pending_template = excluded.pending_template, \
         source = excluded.source, source_ref = excluded.source_ref",
    )
    .bind(subject_id)
    .bind(category)
    .bind(business_number_id)
    .bind(s.state.as_str())
    .bind(s.since)
    .bind(&s.pending_template)
    .bind(s.source.map(Source::as_str))
    .bind(&s.source_ref)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A double opt-in still waiting for its confirmation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub contact_id: String,
    pub category: String,
    pub business_number_id: String,
    /// Where it was asked for (`form:{slug}`, an API key, …).
    pub source_ref: Option<String>,
    pub since: i64,
}

const PENDING: &str = "SELECT subject_id AS contact_id, category, business_number_id, source_ref, since \
     FROM consent_states WHERE state = 'pending'";

/// Those opened at or before `cutoff_ms`, oldest first, at most `limit`.
pub async fn pending_older_than(
    conn: &mut AnyConnection,
    cutoff_ms: i64,
    limit: i64,
) -> anyhow::Result<Vec<Pending>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PENDING} AND since <= $1 ORDER BY since LIMIT $2"
    )))
    .bind(cutoff_ms)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// The person's opt-ins still waiting for their confirmation.
pub async fn pending_of(
    conn: &mut AnyConnection,
    contact_id: &str,
) -> anyhow::Result<Vec<Pending>> {
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{PENDING} AND subject_id = $1 ORDER BY category"
    )))
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Fills the table from the ledger once, for a database whose events predate it:
/// each person's events folded as `derive_states` folds them. Marked done in
/// `settings` in the same transaction, so it runs once across instances.
pub async fn build_once(db: &Db) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    let claimed = sqlx::query(
        "INSERT INTO settings (name, value) VALUES ('consent_states', 'built') ON CONFLICT (name) DO NOTHING",
    )
    .execute(&mut *w)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(());
    }
    let mut after: Option<(String, i64)> = None;
    let mut person: Vec<RecordedEvent> = Vec::new();
    loop {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE subject_id > $1 OR (subject_id = $1 AND seq > $2) \
             ORDER BY subject_id, seq LIMIT 5000"
        );
        let (subject, seq) = after.clone().unwrap_or_default();
        let page: Vec<StoredEvent> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(subject)
            .bind(seq)
            .fetch_all(&mut *w)
            .await?;
        let Some(last) = page.last() else {
            break;
        };
        after = Some((last.subject_id.clone(), last.seq));
        for stored in page {
            let event = RecordedEvent::try_from(stored)?;
            if person
                .first()
                .is_some_and(|p| p.subject_id != event.subject_id)
            {
                keep(&mut w, &std::mem::take(&mut person)).await?;
            }
            person.push(event);
        }
    }
    keep(&mut w, &person).await?;
    w.commit().await?;
    Ok(())
}

async fn keep(conn: &mut AnyConnection, events: &[RecordedEvent]) -> anyhow::Result<()> {
    let Some(first) = events.first() else {
        return Ok(());
    };
    for (category, status) in derive_states(events) {
        write(
            conn,
            &first.business_number_id,
            &first.subject_id,
            &category,
            &status,
        )
        .await?;
    }
    Ok(())
}
