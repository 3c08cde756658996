//! Appending to the chain and reading it back. Stored events are text exactly as
//! hashed (`StoredEvent`, what verification and export read); everything else
//! reads them typed (`RecordedEvent`).

use super::chain::Chained;
use super::event::{ConsentAction, Evidence, NewEvent, Source};
use crate::db::{new_id, now_ms};
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

/// Appends one event inside the caller's write transaction. The first statement
/// takes the chain head's row lock (PostgreSQL) or the write lock (SQLite), so
/// concurrent writers on any number of instances line up into one history.
/// The business hears of it only if the caller queues the forward
/// (`forwarding::consent_events`) in the same transaction.
#[must_use = "queue the forward to the business: forwarding::consent_events"]
pub async fn append(conn: &mut AnyConnection, event: NewEvent) -> anyhow::Result<RecordedEvent> {
    let head = sqlx::query(
        "UPDATE ledger_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash, created_at",
    )
    .fetch_one(&mut *conn)
    .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    // The ledger's clock never runs backwards, even when instances' clocks
    // differ: so seq order is time order, and a day is a range of seq.
    let created_at = now_ms().max(head.try_get("created_at")?);

    let how = event.how;
    let evidence_body = (!how.evidence.is_empty()).then(|| {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        serde_json::json!({ "nonce": nonce, "evidence": how.evidence }).to_string()
    });
    let mut stored = StoredEvent {
        seq,
        id: new_id(),
        prev_hash,
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
    stored.hash = stored.chained().hash();

    sqlx::query(
        "INSERT INTO ledger_events (seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, \
         action, source, source_ref, notice_version, notice_sha256, language, actor, confirmation_template, evidence_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(stored.seq)
    .bind(&stored.id)
    .bind(&stored.prev_hash)
    .bind(&stored.hash)
    .bind(stored.created_at)
    .bind(&stored.business_number_id)
    .bind(&stored.subject_id)
    .bind(&stored.category)
    .bind(&stored.action)
    .bind(&stored.source)
    .bind(&stored.source_ref)
    .bind(&stored.notice_version)
    .bind(&stored.notice_sha256)
    .bind(&stored.language)
    .bind(&stored.actor)
    .bind(&stored.confirmation_template)
    .bind(&stored.evidence_sha256)
    .execute(&mut *conn)
    .await?;
    if let Some(body) = evidence_body {
        sqlx::query("INSERT INTO ledger_evidence (event_id, subject_id, body) VALUES ($1, $2, $3)")
            .bind(&stored.id)
            .bind(&stored.subject_id)
            .bind(body)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE ledger_head SET hash = $1, created_at = $2 WHERE id = 1")
        .bind(&stored.hash)
        .bind(stored.created_at)
        .execute(&mut *conn)
        .await?;
    let recorded = RecordedEvent::try_from(stored)?;
    let moved = super::states::note(conn, &recorded).await?;
    super::tally::note(conn, &moved, &recorded).await?;
    Ok(recorded)
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

/// A page of the person's events, newest first: at most `limit`, older than the
/// event `before` (a `seq`) when given.
pub async fn page_for_subject(
    conn: &mut AnyConnection,
    subject_id: &str,
    before: Option<i64>,
    limit: i64,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let sql = format!(
        "SELECT {EVENT_COLUMNS} FROM ledger_events WHERE subject_id = $1 AND seq < $2 \
         ORDER BY seq DESC LIMIT $3"
    );
    sqlx::query_as::<_, StoredEvent>(sqlx::AssertSqlSafe(sql))
        .bind(subject_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(RecordedEvent::try_from)
        .collect()
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
