use super::chain::{Chained, sha256_hex};
use super::event::NewEvent;
use crate::db::{new_id, now_ms};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// One event as stored, chained fields included.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct RecordedEvent {
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

impl RecordedEvent {
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

pub(super) const EVENT_COLUMNS: &str = "seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, \
     action, source, source_ref, notice_version, notice_sha256, language, actor, confirmation_template, evidence_sha256";

/// Appends one event inside the caller's transaction. The first statement takes the
/// chain head's row lock (PostgreSQL) or the write lock (SQLite), so concurrent
/// writers on any number of instances line up into one history.
pub async fn append(conn: &mut AnyConnection, event: NewEvent) -> anyhow::Result<RecordedEvent> {
    let head = sqlx::query("UPDATE ledger_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *conn)
        .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;

    let id = new_id();
    let evidence_body = (!event.evidence.is_empty()).then(|| {
        let nonce = hex::encode(rand::random::<[u8; 16]>());
        serde_json::json!({ "nonce": nonce, "evidence": event.evidence }).to_string()
    });
    let mut recorded = RecordedEvent {
        seq,
        id,
        prev_hash,
        hash: String::new(),
        created_at: now_ms(),
        business_number_id: event.business_number_id,
        subject_id: event.subject_id,
        category: event.category,
        action: event.action.as_str().to_owned(),
        source: event.source.as_str().to_owned(),
        source_ref: event.source_ref,
        notice_version: event.notice.as_ref().map(|n| n.version.clone()),
        notice_sha256: event.notice.map(|n| n.sha256),
        language: event.language,
        actor: event.actor,
        confirmation_template: event.confirmation_template,
        evidence_sha256: evidence_body.as_deref().map(|b| sha256_hex(b.as_bytes())),
    };
    recorded.hash = recorded.chained().hash();

    sqlx::query(
        "INSERT INTO ledger_events (seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, \
         action, source, source_ref, notice_version, notice_sha256, language, actor, confirmation_template, evidence_sha256) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind(recorded.seq)
    .bind(&recorded.id)
    .bind(&recorded.prev_hash)
    .bind(&recorded.hash)
    .bind(recorded.created_at)
    .bind(&recorded.business_number_id)
    .bind(&recorded.subject_id)
    .bind(&recorded.category)
    .bind(&recorded.action)
    .bind(&recorded.source)
    .bind(&recorded.source_ref)
    .bind(&recorded.notice_version)
    .bind(&recorded.notice_sha256)
    .bind(&recorded.language)
    .bind(&recorded.actor)
    .bind(&recorded.confirmation_template)
    .bind(&recorded.evidence_sha256)
    .execute(&mut *conn)
    .await?;
    if let Some(body) = evidence_body {
        sqlx::query("INSERT INTO ledger_evidence (event_id, subject_id, body) VALUES ($1, $2, $3)")
            .bind(&recorded.id)
            .bind(&recorded.subject_id)
            .bind(body)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE ledger_head SET hash = $1 WHERE id = 1")
        .bind(&recorded.hash)
        .execute(&mut *conn)
        .await?;
    // Queued in the same transaction: the business hears of every event that
    // happened, and of none that was rolled back.
    crate::forwarding::consent_event(conn, &recorded).await?;
    Ok(recorded)
}

/// Every event of one person, oldest first.
pub async fn events_for_subject(
    conn: &mut AnyConnection,
    subject_id: &str,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let sql =
        format!("SELECT {EVENT_COLUMNS} FROM ledger_events WHERE subject_id = $1 ORDER BY seq");
    Ok(sqlx::query_as::<_, RecordedEvent>(sqlx::AssertSqlSafe(sql))
        .bind(subject_id)
        .fetch_all(&mut *conn)
        .await?)
}
