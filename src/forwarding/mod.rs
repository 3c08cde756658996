//! Forwarding to the business's own systems (SPEC §8): Meta-format messages and
//! statuses, and consent events, queued in the same transaction as what caused them
//! and delivered at least once by `worker`, signed like Meta signs its webhooks.

pub mod config;
pub mod target;
pub mod worker;

use crate::consent::{ConsentAction, RecordedEvent};
use crate::db::{ROWS_PER_STATEMENT, new_id, now_ms, value_list, value_rows};
use crate::numbers::BusinessNumber;
use serde_json::{Value, json};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// What a forward carries; names the `kind` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Message,
    Status,
    Consent,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Message => "message",
            Self::Status => "status",
            Self::Consent => "consent",
        }
    }
}

/// Queues `body` for the number's webhook, if it has one; false when it has none.
/// `contact_id` ties the row to a person, so erasure deletes what is still owed.
pub async fn enqueue(
    conn: &mut AnyConnection,
    business_number_id: &str,
    contact_id: Option<&str>,
    kind: Kind,
    body: &Value,
) -> anyhow::Result<bool> {
    if !config::exists(conn, business_number_id).await? {
        return Ok(false);
    }
    insert(conn, business_number_id, contact_id, kind, body).await?;
    Ok(true)
}

/// Queues `body` for a number whose webhook the caller found configured (callers
/// that check first spare building a body nobody will receive).
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    business_number_id: &str,
    contact_id: Option<&str>,
    kind: Kind,
    body: &Value,
) -> anyhow::Result<()> {
    insert_all(
        conn,
        &[(business_number_id, contact_id, kind, body.to_string())],
    )
    .await
}

/// Queues many forwards in one statement per `ROWS_PER_STATEMENT`, in order.
pub(crate) async fn insert_all(
    conn: &mut AnyConnection,
    forwards: &[(&str, Option<&str>, Kind, String)],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in forwards.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO forwards (id, business_number_id, contact_id, kind, body, state, attempts, \
             next_attempt_at, created_at) VALUES {}",
            value_rows(1, chunk.len(), 9)
        );
        let mut statement = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (number, contact, kind, body) in chunk {
            statement = statement
                .bind(new_id())
                .bind(*number)
                .bind(*contact)
                .bind(kind.as_str())
                .bind(body)
                .bind("pending")
                .bind(0i64)
                .bind(now)
                .bind(now);
        }
        statement.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Meta's webhook envelope around one change of field `messages`.
pub fn meta_envelope(number: &BusinessNumber, waba_id: &str, value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": number.display_digits(),
        "phone_number_id": number.phone_number_id,
    });
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": waba_id, "changes": [{"field": "messages", "value": value}]}]})
}

/// Consent events as the business receives them (format documented in README),
/// queued in the caller's transaction, the one that appended them: the business
/// hears of every event that happened, and of none that was rolled back. An
/// erasure event names the person one last time, so the business can erase them
/// too; it is not tied to the contact row, which the erasure deletes.
pub async fn consent_events(
    conn: &mut AnyConnection,
    events: &[RecordedEvent],
) -> anyhow::Result<()> {
    if events.is_empty() {
        return Ok(());
    }
    // Which of the events' numbers have a webhook, with their Meta ids; then the
    // people those events are about: two reads however many events.
    let mut numbers: Vec<&str> = events
        .iter()
        .map(|e| e.business_number_id.as_str())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let sql = format!(
        "SELECT n.id, n.phone_number_id FROM business_numbers n \
         JOIN webhook_configs w ON w.business_number_id = n.id WHERE n.id IN ({})",
        value_list(1, numbers.len())
    );
    let mut read = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
    for n in &numbers {
        read = read.bind(*n);
    }
    let hearing: HashMap<String, String> = read.fetch_all(&mut *conn).await?.into_iter().collect();
    let told: Vec<&RecordedEvent> = events
        .iter()
        .filter(|e| hearing.contains_key(&e.business_number_id))
        .collect();
    if told.is_empty() {
        return Ok(());
    }
    let mut subjects: Vec<&str> = told.iter().map(|e| e.subject_id.as_str()).collect();
    subjects.sort_unstable();
    subjects.dedup();
    let mut people: HashMap<String, (Option<String>, Option<String>)> = HashMap::new();
    for chunk in subjects.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT id, wa_id, user_id FROM contacts WHERE id IN ({})",
            value_list(1, chunk.len())
        );
        let mut read =
            sqlx::query_as::<_, (String, Option<String>, Option<String>)>(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            read = read.bind(*s);
        }
        for (id, wa_id, user_id) in read.fetch_all(&mut *conn).await? {
            people.insert(id, (wa_id, user_id));
        }
    }
    let forwards: Vec<_> = told
        .into_iter()
        .map(|event| {
            let (wa_id, user_id) = people.get(&event.subject_id).cloned().unwrap_or_default();
            let body = json!({
                "object": "assent",
                "type": format!("consent.{}", event.action.as_str()),
                "id": event.id,
                "seq": event.seq,
                "created_at": event.created_at,
                "phone_number_id": hearing[&event.business_number_id],
                "contact": {"id": event.subject_id, "wa_id": wa_id, "user_id": user_id},
                "category": event.category,
                "source": event.source.as_str(),
                "source_ref": event.source_ref,
                "notice": event.notice_version.as_ref().map(|v| json!({"version": v, "sha256": event.notice_sha256})),
                "actor": event.actor.as_ref().map(ToString::to_string),
                "hash": event.hash,
            });
            let contact_id =
                (event.action != ConsentAction::Erased).then_some(event.subject_id.as_str());
            (
                event.business_number_id.as_str(),
                contact_id,
                Kind::Consent,
                body.to_string(),
            )
        })
        .collect();
    insert_all(conn, &forwards).await
}

/// A forward still owed to the business about a person.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Owed {
    pub kind: String,
    pub state: String,
    pub attempts: i64,
    pub created_at: i64,
}

/// What is still owed to the business about the person, oldest first.
pub async fn owed_about(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<Vec<Owed>> {
    Ok(sqlx::query_as(
        "SELECT kind, state, attempts, created_at FROM forwards WHERE contact_id = $1 ORDER BY created_at, id",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Deletes what is still owed to the business about the person (erasure);
/// returns how many forwards went.
pub async fn forget_contact(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM forwards WHERE contact_id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}

/// A forward still in the queue, as the console lists it (no body: it may name
/// a person).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Queued {
    pub id: String,
    pub kind: String,
    /// `pending` (waiting for its next attempt) or `failed` (given up).
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
}

/// The number's newest forwards still owed, at most `limit`.
pub async fn queued(
    db: &crate::db::Db,
    business_number_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<Queued>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, state, attempts, next_attempt_at, last_error, created_at FROM forwards \
         WHERE business_number_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
    )
    .bind(business_number_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// How long attempts are kept for the console: as long as a forward is retried.
const ATTEMPTS_KEPT_MS: i64 = 7 * 24 * 60 * 60 * 1000;

/// One attempt to deliver a forward, and how it went.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attempt {
    pub forward_id: String,
    pub kind: String,
    pub at: i64,
    #[sqlx(try_from = "i64")]
    pub delivered: crate::numbers::Flag,
    pub outcome: String,
}

/// Notes an attempt (in the worker's transaction), and forgets the number's
/// attempts older than a week, so the table stays small.
pub(crate) async fn note_attempt(
    conn: &mut AnyConnection,
    business_number_id: &str,
    forward_id: &str,
    kind: &str,
    delivered: bool,
    outcome: &str,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO forward_attempts (id, business_number_id, forward_id, kind, at, delivered, outcome) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(new_id())
    .bind(business_number_id)
    .bind(forward_id)
    .bind(kind)
    .bind(now)
    .bind(i64::from(delivered))
    .bind(outcome)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM forward_attempts WHERE business_number_id = $1 AND at < $2")
        .bind(business_number_id)
        .bind(now - ATTEMPTS_KEPT_MS)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The number's newest delivery attempts, at most `limit`.
pub async fn attempts(
    db: &crate::db::Db,
    business_number_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<Attempt>> {
    Ok(sqlx::query_as(
        "SELECT forward_id, kind, at, delivered, outcome FROM forward_attempts \
         WHERE business_number_id = $1 ORDER BY at DESC, id DESC LIMIT $2",
    )
    .bind(business_number_id)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?)
}

/// Makes a waiting or failed forward of the number due now (not one a worker
/// is sending this moment), audited; false when there is no such forward.
pub async fn retry_now(
    db: &crate::db::Db,
    who: &crate::audit::Doer,
    business_number_id: &str,
    forward_id: &str,
) -> anyhow::Result<bool> {
    let now = now_ms();
    let mut w = db.write().await?;
    let changed = sqlx::query(
        "UPDATE forwards SET state = 'pending', next_attempt_at = $1 \
         WHERE id = $2 AND business_number_id = $3 AND (lease_until IS NULL OR lease_until < $1)",
    )
    .bind(now)
    .bind(forward_id)
    .bind(business_number_id)
    .execute(&mut *w)
    .await?
    .rows_affected()
        > 0;
    if changed {
        crate::audit::record(
            &mut w,
            who,
            crate::audit::Entry {
                action: "webhook.retried",
                target: &format!("forward:{forward_id}"),
                detail: &format!("webhook:{business_number_id}"),
            },
        )
        .await?;
    }
    w.commit().await?;
    Ok(changed)
}
