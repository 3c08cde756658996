//! The current state of each (person, category), kept as a row that
//! `ledger::append` updates with every event through `state::step`, the rule the
//! fold of events uses too: reading consent, gating a send or finding the double
//! opt-ins due to expire reads these rows, never the events.

use super::event::{ConsentAction, Source};
use super::ledger::{EVENT_COLUMNS, RecordedEvent, StoredEvent};
use super::state::{CategoryStatus, ConsentState, derive_states, step};
use crate::db::{Db, ROWS_PER_STATEMENT, value_list, value_rows};
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
        let status = stored_status(
            &self.state,
            self.since,
            self.pending_template,
            self.source,
            self.source_ref,
        )?;
        Some((self.category, status))
    }
}

/// A state row's columns, read typed; None for a state Assent does not know.
pub fn stored_status(
    state: &str,
    since: i64,
    pending_template: Option<String>,
    source: Option<String>,
    source_ref: Option<String>,
) -> Option<CategoryStatus> {
    Some(CategoryStatus {
        state: ConsentState::parse(state)?,
        since,
        pending_template,
        source: source.as_deref().and_then(Source::parse),
        source_ref,
    })
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

/// Every category by name, with the state of the person a subquery names
/// (`contacts::id_subquery`, its two values bound here): one read.
pub async fn of_every_category(
    conn: &mut AnyConnection,
    person: &str,
    business_number_id: &str,
    who: &str,
) -> anyhow::Result<Vec<(String, Option<CategoryStatus>)>> {
    #[derive(sqlx::FromRow)]
    struct Joined {
        name: String,
        state: Option<String>,
        since: Option<i64>,
        pending_template: Option<String>,
        source: Option<String>,
        source_ref: Option<String>,
    }
    let sql = format!(
        "SELECT c.name, s.state, s.since, s.pending_template, s.source, s.source_ref FROM categories c \
         LEFT JOIN consent_states s ON s.category = c.name AND s.subject_id = {person} ORDER BY c.name"
    );
    let rows: Vec<Joined> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(who)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|j| {
            let status = match (j.state, j.since) {
                (Some(state), Some(since)) => {
                    stored_status(&state, since, j.pending_template, j.source, j.source_ref)
                }
                _ => None,
            };
            (j.name, status)
        })
        .collect())
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

/// The states of many people, keyed by (person, category): one read per
/// `ROWS_PER_STATEMENT` people.
pub async fn of_subjects(
    conn: &mut AnyConnection,
    subjects: &[&str],
) -> anyhow::Result<BTreeMap<(String, String), CategoryStatus>> {
    let mut subjects = subjects.to_vec();
    subjects.sort_unstable();
    subjects.dedup();
    let mut states = BTreeMap::new();
    for chunk in subjects.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT subject_id, {COLUMNS} FROM consent_states WHERE subject_id IN ({})",
            value_list(1, chunk.len())
        );
        let mut read = sqlx::query_as::<_, SubjectRow>(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            read = read.bind(*s);
        }
        for row in read.fetch_all(&mut *conn).await? {
            if let Some((category, status)) = row.row.status() {
                states.insert((row.subject_id, category), status);
            }
        }
    }
    Ok(states)
}

/// What one appended event did to the stored states.
#[derive(Debug, Clone, Default)]
pub struct Noted {
    /// The categories whose state it changed.
    pub moved: Vec<Moved>,
    /// Its category's state after it (`None` after an erasure).
    pub state: Option<CategoryStatus>,
}

/// Moves the stored states on by appended events, in their order (same
/// transaction): one read of their people's states, one write of those that
/// changed, however many events there are.
pub(super) async fn note_all(
    conn: &mut AnyConnection,
    events: &[RecordedEvent],
) -> anyhow::Result<Vec<Noted>> {
    let subjects: Vec<&str> = events.iter().map(|e| e.subject_id.as_str()).collect();
    let mut states = of_subjects(conn, &subjects).await?;
    let mut changed: BTreeMap<(String, String), &str> = BTreeMap::new();
    let mut noted = Vec::with_capacity(events.len());
    for e in events {
        let mut moved = Vec::new();
        if e.action == ConsentAction::Erased {
            for ((subject, category), s) in
                states.range_mut((e.subject_id.clone(), String::new())..)
            {
                if *subject != e.subject_id {
                    break;
                }
                if s.state != ConsentState::None {
                    moved.push(Moved {
                        category: category.clone(),
                        was: Some(s.state),
                        is: ConsentState::None,
                    });
                }
                *s = CategoryStatus {
                    state: ConsentState::None,
                    since: e.created_at,
                    pending_template: None,
                    source: Some(e.source),
                    source_ref: None,
                };
                changed.insert((subject.clone(), category.clone()), &e.business_number_id);
            }
            noted.push(Noted { moved, state: None });
            continue;
        }
        let key = (e.subject_id.clone(), e.category.clone());
        let current = states.get(&key);
        if let Some(next) = step(current, e) {
            let was = current.map(|c| c.state);
            if was != Some(next.state) {
                moved.push(Moved {
                    category: e.category.clone(),
                    was,
                    is: next.state,
                });
            }
            states.insert(key.clone(), next);
            changed.insert(key.clone(), &e.business_number_id);
        }
        noted.push(Noted {
            moved,
            state: states.get(&key).cloned(),
        });
    }
    let rows: Vec<_> = changed
        .iter()
        .filter_map(|(key, number)| Some((key, *number, states.get(key)?)))
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "{UPSERT_HEAD} {} {UPSERT_TAIL}",
            value_rows(1, chunk.len(), 8)
        );
        let mut upsert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((subject, category), number, s) in chunk {
            upsert = upsert
                .bind(subject)
                .bind(category)
                .bind(*number)
                .bind(s.state.as_str())
                .bind(s.since)
                .bind(&s.pending_template)
                .bind(s.source.map(Source::as_str))
                .bind(&s.source_ref);
        }
        upsert.execute(&mut *conn).await?;
    }
    Ok(noted)
}

const UPSERT_HEAD: &str = "INSERT INTO consent_states (subject_id, category, business_number_id, state, since, \
     pending_template, source, source_ref) VALUES";
const UPSERT_TAIL: &str = "ON CONFLICT (subject_id, category) DO UPDATE SET state = excluded.state, \
     since = excluded.since, pending_template = excluded.pending_template, source = excluded.source, \
     source_ref = excluded.source_ref";

#[derive(sqlx::FromRow)]
struct SubjectRow {
    subject_id: String,
    #[sqlx(flatten)]
    row: Row,
}

async fn write(
    conn: &mut AnyConnection,
    business_number_id: &str,
    subject_id: &str,
    category: &str,
    s: &CategoryStatus,
) -> anyhow::Result<()> {
    let sql = format!("{UPSERT_HEAD} {} {UPSERT_TAIL}", value_rows(1, 1, 8));
    sqlx::query(sqlx::AssertSqlSafe(sql))
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
