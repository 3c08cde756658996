//! The durable queue: every accepted message is a row here before it is
//! acknowledged, and leaves only through a claim by a dispatcher worker.

use crate::db::{Db, now_ms};
use crate::jobs::{self, Queue};
use serde_json::Value;
use sqlx::AnyConnection;
use std::time::Duration;

pub struct NewMessage<'a> {
    pub id: &'a str,
    pub business_number_id: &'a str,
    pub contact_id: &'a str,
    pub kind: &'a str,
    pub template_name: Option<&'a str>,
    pub category: Option<&'a str>,
    pub business_initiated: bool,
    pub payload: &'a Value,
    pub actor: &'a crate::domain::Actor,
}

pub async fn insert(conn: &mut AnyConnection, m: NewMessage<'_>) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(
        "INSERT INTO messages (id, business_number_id, contact_id, kind, template_name, category, business_initiated, \
         payload, status, dispatch_state, attempts, next_attempt_at, actor, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'accepted', 'queued', 0, $9, $10, $9, $9)",
    )
    .bind(m.id)
    .bind(m.business_number_id)
    .bind(m.contact_id)
    .bind(m.kind)
    .bind(m.template_name)
    .bind(m.category)
    .bind(i64::from(m.business_initiated))
    .bind(m.payload.to_string())
    .bind(now)
    .bind(m.actor.to_string())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub business_number_id: String,
    pub contact_id: String,
    pub template_name: Option<String>,
    pub category: Option<String>,
    pub payload: String,
    pub attempts: i64,
    /// The fencing token of this claim: every later update names it, so a worker
    /// whose lease ran out can no longer touch a message someone else now holds.
    pub claim_id: String,
}

const QUEUE: Queue = Queue {
    table: "messages",
    due: "((dispatch_state = 'queued' AND next_attempt_at <= $2) OR (dispatch_state = 'in_flight' AND lease_until < $2))",
    claim_sets: ", dispatch_state = 'in_flight', updated_at = $2",
    order_by: "next_attempt_at",
    returning: "id, business_number_id, contact_id, template_name, category, payload, attempts, claim_id",
};

/// Claims the next due message for `lease`. A message whose lease ran out (its
/// worker died mid-send) is due again: delivery is at-least-once across crashes,
/// exactly-once otherwise.
pub async fn claim(db: &Db, lease: Duration) -> anyhow::Result<Option<Claimed>> {
    jobs::claim(db, &QUEUE, lease).await
}

/// Extends the lease; false when the claim was lost.
pub async fn renew(db: &Db, m: &Claimed, lease: Duration) -> anyhow::Result<bool> {
    let done = db
        .write_one(
            sqlx::query("UPDATE messages SET lease_until = $1 WHERE id = $2 AND claim_id = $3 AND dispatch_state = 'in_flight'")
                .bind(now_ms() + lease.as_millis() as i64)
                .bind(&m.id)
                .bind(&m.claim_id),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn dispatched(db: &Db, m: &Claimed, provider_message_id: &str) -> anyhow::Result<bool> {
    let done = db
        .write_one(
            sqlx::query(
                "UPDATE messages SET dispatch_state = 'done', provider_message_id = $1, lease_until = NULL, updated_at = $2 \
                 WHERE id = $3 AND claim_id = $4 AND dispatch_state = 'in_flight'",
            )
            .bind(provider_message_id)
            .bind(now_ms())
            .bind(&m.id)
            .bind(&m.claim_id),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn retry_at(
    db: &Db,
    m: &Claimed,
    at_ms: i64,
    code: Option<i64>,
    title: &str,
) -> anyhow::Result<bool> {
    let done = db
        .write_one(
            sqlx::query(
                "UPDATE messages SET dispatch_state = 'queued', next_attempt_at = $1, lease_until = NULL, error_code = $2, \
                 error_title = $3, updated_at = $4 WHERE id = $5 AND claim_id = $6 AND dispatch_state = 'in_flight'",
            )
            .bind(at_ms)
            .bind(code)
            .bind(title.to_owned())
            .bind(now_ms())
            .bind(&m.id)
            .bind(&m.claim_id),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn give_up(conn: &mut AnyConnection, m: &Claimed) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE messages SET dispatch_state = 'done', lease_until = NULL, updated_at = $1 \
         WHERE id = $2 AND claim_id = $3 AND dispatch_state = 'in_flight'",
    )
    .bind(now_ms())
    .bind(&m.id)
    .bind(&m.claim_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Messages accepted but not yet handed to a provider.
pub async fn depth(db: &Db) -> anyhow::Result<i64> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM messages WHERE dispatch_state <> 'done'")
            .fetch_one(&db.pool)
            .await?;
    Ok(n)
}

/// Deletes the person's messages, their statuses and idempotency keys (erasure);
/// returns how many messages went.
pub async fn forget_contact(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<u64> {
    let mut messages = 0;
    for sql in [
        "DELETE FROM idempotency_keys WHERE message_id IN (SELECT id FROM messages WHERE contact_id = $1)",
        "DELETE FROM message_statuses WHERE message_id IN (SELECT id FROM messages WHERE contact_id = $1)",
        "DELETE FROM messages WHERE contact_id = $1",
    ] {
        messages = sqlx::query(sql)
            .bind(contact_id)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    }
    Ok(messages)
}

/// The message Meta knows by `provider_message_id`: (our id, the contact's id).
pub async fn by_provider_id(
    conn: &mut AnyConnection,
    business_number_id: &str,
    provider_message_id: &str,
) -> anyhow::Result<Option<(String, String)>> {
    Ok(sqlx::query_as(
        "SELECT id, contact_id FROM messages WHERE business_number_id = $1 AND provider_message_id = $2",
    )
    .bind(business_number_id)
    .bind(provider_message_id)
    .fetch_optional(&mut *conn)
    .await?)
}
