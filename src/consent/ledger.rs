//! Appending to the chain and reading it back. Stored events are text exactly as
//! hashed (`StoredEvent`, what verification and export read); everything else
//! reads them typed (`RecordedEvent`).

use super::chain::Chained;
use super::event::{ConsentAction, Evidence, NewEvent, Source};
use super::state::CategoryStatus;
use crate::db::{ROWS_PER_STATEMENT, new_id, now_ms, value_rows};
use crate::digest::sha256_hex;
use crate::domain::Actor;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

/// One event as stored, its chained fields as the text that was hashed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub seq: i64,
    pub id: String,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: i64,
    pub business_number_id: String,
    pub subject_id: String,
    pub category: String,
    pub action: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub notice_version: Option<String>,
    pub notice_sha256: Option<String>,
    pub language: Option<String>,
    pub actor: Option<String>,
    pub confirmation_template: Option<String>,
    pub evidence_sha256: Option<String>,
}

impl StoredEvent {
    pub(super) fn chained(&self) -> Chained<'_> {
        Chained {
            seq: self.seq,
            id: &self.id,
            prev_hash: &self.prev_hash,
            created_at: self.created_at,
            business_number_id: &self.business_number_id,
            subject_id: &self.subject_id,
            category: &self.category,
            action: &self.action,
            source: &self.source,
            source_ref: self.source_ref.as_deref(),
            notice_version: self.notice_version.as_deref(),
            notice_sha256: self.notice_sha256.as_deref(),
            language: self.language.as_deref(),
            actor: self.actor.as_deref(),
            confirmation_template: self.confirmation_template.as_deref(),
            evidence_sha256: self.evidence_sha256.as_deref(),
        }
    }
}

/// One event, read typed.
#[derive(Debug, Clone)]
pub struct RecordedEvent {
    pub seq: i64,
    pub id: String,
    pub prev_hash: String,
    pub hash: String,
    pub created_at: i64,
    pub business_number_id: String,
    pub subject_id: String,
    /// A category name, or `*` for an event about the whole person.
    pub category: String,
    pub action: ConsentAction,
    pub source: Source,
    pub source_ref: Option<String>,
    pub notice_version: Option<String>,
    pub notice_sha256: Option<String>,
    /// As stored: older events may hold any short text here.
    pub language: Option<String>,
    pub actor: Option<Actor>,
    pub confirmation_template: Option<String>,
    pub evidence_sha256: Option<String>,
}

impl TryFrom<StoredEvent> for RecordedEvent {
    type Error = anyhow::Error;

    fn try_from(e: StoredEvent) -> anyhow::Result<Self> {
        let unknown = |what: &str, value: &str| {
            anyhow::anyhow!("ledger event {} has an unknown {what} {value:?}", e.seq)
        };
        let action = ConsentAction::parse(&e.action).ok_or_else(|| unknown("action", &e.action))?;
        let source = Source::parse(&e.source).ok_or_else(|| unknown("source", &e.source))?;
        let actor = match &e.actor {
            None => None,
            Some(a) => Some(Actor::parse(a).ok_or_else(|| unknown("actor", a))?),
        };
        Ok(Self {
            seq: e.seq,
            id: e.id,
            prev_hash: e.prev_hash,
            hash: e.hash,
            created_at: e.created_at,
            business_number_id: e.business_number_id,
            subject_id: e.subject_id,
            category: e.category,
            action,
            source,
            source_ref: e.source_ref,
            notice_version: e.notice_version,
            notice_sha256: e.notice_sha256,
            language: e.language,
            actor,
            confirmation_template: e.confirmation_template,
            evidence_sha256: e.evidence_sha256,
        })
    }
}

pub(super) const EVENT_COLUMNS: &str = "seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, \
     action, source, source_ref, notice_version, notice_sha256, language, actor, confirmation_template, evidence_sha256";

/// An appended event and the state of its category after it (`None` for an
/// erasure, or a category the event left untouched and nothing set before).
#[must_use = "queue the forward to the business: forwarding::consent_events"]
pub struct Appended {
    pub event: RecordedEvent,
    pub state: Option<CategoryStatus>,
}

/// Appends one event inside the caller's write transaction (`append_all` of one).
/// The business hears of it only if the caller queues the forward
/// (`forwarding::consent_events`) in the same transaction.
#[must_use = "queue the forward to the business: forwarding::consent_events"]
pub async fn append(conn: &mut AnyConnection, event: NewEvent) -> anyhow::Result<RecordedEvent> {
    append_all(conn, vec![event])
        .await?
        .pop()
        .map(|a| a.event)
        .ok_or_else(|| anyhow::anyhow!("an append of one event returned none"))
}

/// Appends events in the order given, inside the caller's write transaction,
/// with a fixed number of statements however many there are: a group of
/// decisions costs the database about what one does. The first statement takes
/// the chain head's row lock (PostgreSQL) or the write lock (SQLite), so
/// concurrent writers on any number of instances line up into one history.
pub async fn append_all(
    conn: &mut AnyConnection,
    events: Vec<NewEvent>,
) -> anyhow::Result<Vec<Appended>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = events.len() as i64;
    let head = sqlx::query(
        "UPDATE ledger_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash, created_at",
    )
    .bind(n)
    .fetch_one(&mut *conn)
    .await?;
    let first_seq = head.try_get::<i64, _>("seq")? - n + 1;
    let mut prev_hash: String = head.try_get("hash")?;
    // The ledger's clock never runs backwards, even when instances' clocks
    // differ: so seq order is time order, and a day is a range of seq.
    let created_at = now_ms().max(head.try_get("created_at")?);

    let mut stored = Vec::with_capacity(events.len());
    let mut evidence = Vec::new();
    for (seq, event) in (first_seq..).zip(events) {
        let how = event.how;
        let evidence_body = (!how.evidence.is_empty()).then(|| {
            let nonce = hex::encode(rand::random::<[u8; 16]>());
            serde_json::json!({ "nonce": nonce, "evidence": how.evidence }).to_string()
        });
        let mut e = StoredEvent {
            seq,
            id: new_id(),
            prev_hash: std::mem::take(&mut prev_hash),
            hash: String::new(),
            created_at,
            business_number_id: event.business_number_id,
            subject_id: event.subject_id,
            category: event.category,
            action: event.action.as_str().to_owned(),
            source: how.source.as_str().to_owned(),
            source_ref: how.source_ref,
            notice_version: how.notice.as_ref().map(|n| n.version.clone()),
            notice_sha256: how.notice.and_then(|n| n.sha256),
            language: how.language.map(|l| l.as_str().to_owned()),
            actor: Some(how.actor.to_string()),
            confirmation_template: event.confirmation_template,
            evidence_sha256: evidence_body.as_deref().map(|b| sha256_hex(b.as_bytes())),
        };
        e.hash = e.chained().hash();
        prev_hash.clone_from(&e.hash);
        if let Some(body) = evidence_body {
            evidence.push((e.id.clone(), e.subject_id.clone(), body));
        }
        stored.push(e);
    }

    for chunk in stored.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_events ({EVENT_COLUMNS}) VALUES {}",
            value_rows(1, chunk.len(), 17)
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for e in chunk {
            insert = insert
                .bind(e.seq)
                .bind(&e.id)
                .bind(&e.prev_hash)
                .bind(&e.hash)
                .bind(e.created_at)
                .bind(&e.business_number_id)
                .bind(&e.subject_id)
                .bind(&e.category)
                .bind(&e.action)
                .bind(&e.source)
                .bind(&e.source_ref)
                .bind(&e.notice_version)
                .bind(&e.notice_sha256)
                .bind(&e.language)
                .bind(&e.actor)
                .bind(&e.confirmation_template)
                .bind(&e.evidence_sha256);
        }
        insert.execute(&mut *conn).await?;
    }
    for chunk in evidence.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_evidence (event_id, subject_id, body) VALUES {}",
            value_rows(1, chunk.len(), 3)
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, subject, body) in chunk {
            insert = insert.bind(id).bind(subject).bind(body);
        }
        insert.execute(&mut *conn).await?;
    }
    sqlx::query("UPDATE ledger_head SET hash = $1, created_at = $2 WHERE id = 1")
        .bind(&prev_hash)
        .bind(created_at)
        .execute(&mut *conn)
        .await?;
    let recorded = stored
        .into_iter()
        .map(RecordedEvent::try_from)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let noted = super::states::note_all(conn, &recorded).await?;
    super::tally::note_all(conn, &recorded, &noted).await?;
    Ok(recorded
        .into_iter()
        .zip(noted)
        .map(|(event, noted)| Appended {
            event,
            state: noted.state,
        })
        .collect())
}

/// Every event of one person, oldest first.
pub async fn events_for_subject(
    conn: &mut AnyConnection,
    subject_id: &str,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM ledger_events WHERE subject_id = $1 ORDER BY seq");
    sqlx::query_as::<_, StoredEvent>(sqlx::AssertSqlSafe(sql))
        .bind(subject_id)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(RecordedEvent::try_from)
        .collect()
}

/// The evidence kept beside each of the person's events, by event id (an erased
/// person has none left).
pub async fn evidence_for_subject(
    conn: &mut AnyConnection,
    subject_id: &str,
) -> anyhow::Result<HashMap<String, Evidence>> {
    #[derive(serde::Deserialize)]
    struct Stored {
        evidence: Evidence,
    }
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT event_id, body FROM ledger_evidence WHERE subject_id = $1")
            .bind(subject_id)
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter()
        .map(|(id, body)| {
            let stored: Stored = serde_json::from_str(&body)
                .map_err(|e| anyhow::anyhow!("evidence of event {id} is not readable: {e}"))?;
            Ok((id, stored.evidence))
        })
        .collect()
}

/// The person's latest event of this source and action.
pub async fn latest(
    conn: &mut AnyConnection,
    subject_id: &str,
    source: Source,
    action: ConsentAction,
) -> anyhow::Result<Option<RecordedEvent>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE subject_id = $1 AND source = $2 AND action = $3 \
         ORDER BY seq DESC LIMIT 1"
    );
    sqlx::query_as::<_, StoredEvent>(sqlx::AssertSqlSafe(sql))
        .bind(subject_id)
        .bind(source.as_str())
        .bind(action.as_str())
        .fetch_optional(&mut *conn)
        .await?
        .map(RecordedEvent::try_from)
        .transpose()
}

/// Deletes the person's evidence (erasure); the chain keeps only its hash.
/// Returns how many events' evidence went.
pub async fn forget_evidence(conn: &mut AnyConnection, subject_id: &str) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM ledger_evidence WHERE subject_id = $1")
        .bind(subject_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
