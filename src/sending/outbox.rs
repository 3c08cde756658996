//! The durable queue: every accepted message is a row here before it is
//! acknowledged, and leaves only through a claim by a dispatcher worker.

use crate::db::{Db, ROWS_PER_STATEMENT, new_id, now_ms, value_list, value_rows};
use crate::jobs::{self, Queue};
use serde_json::Value;
use sqlx::AnyConnection;
use std::collections::HashMap;
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

/// Queues accepted messages: one statement per `ROWS_PER_STATEMENT`.
pub async fn insert(conn: &mut AnyConnection, messages: &[NewMessage<'_>]) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in messages.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO messages (id, business_number_id, contact_id, kind, template_name, category, business_initiated, \
             payload, status, dispatch_state, attempts, next_attempt_at, actor, created_at, updated_at) VALUES {}",
            value_rows(1, chunk.len(), 15)
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for m in chunk {
            insert = insert
                .bind(m.id)
                .bind(m.business_number_id)
                .bind(m.contact_id)
                .bind(m.kind)
                .bind(m.template_name)
                .bind(m.category)
                .bind(i64::from(m.business_initiated))
                .bind(m.payload.to_string())
                .bind("accepted")
                .bind("queued")
                .bind(0_i64)
                .bind(now)
                .bind(m.actor.to_string())
                .bind(now)
                .bind(now);
        }
        insert.execute(&mut *conn).await?;
    }
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

/// What is due for one number: queued and due, or in flight with a lapsed lease.
/// Asked as two ranges of the (number, state, time) index, never as one `OR`:
/// SQLite answers an `OR` by reading every message the number ever had and
/// sorting the due ones, a cost that grows with the number's history and queue.
const QUEUED_FOR_NUMBER: &str = "SELECT id, next_attempt_at FROM messages \
     WHERE business_number_id = $4 AND dispatch_state = 'queued' AND next_attempt_at <= $2";
const LAPSED_FOR_NUMBER: &str = "SELECT id, next_attempt_at FROM messages \
     WHERE business_number_id = $4 AND dispatch_state = 'in_flight' AND lease_until < $2";

/// Whether the number has a message due now.
pub async fn has_due(db: &Db, business_number_id: &str) -> anyhow::Result<bool> {
    let sql =
        format!("{QUEUED_FOR_NUMBER} UNION ALL {LAPSED_FOR_NUMBER} LIMIT 1").replace("$4", "$1");
    let found: Option<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(now_ms())
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.is_some())
}

/// Claims up to `limit` due messages of one number under one claim id, oldest
/// first, for `lease`: one write for a whole batch. Its claim id fences every
/// later update, as for a single claim.
pub async fn claim_batch(
    db: &Db,
    business_number_id: &str,
    limit: i64,
    lease: Duration,
) -> anyhow::Result<Vec<Claimed>> {
    let now = now_ms();
    // The pick is materialized, so it runs once: PostgreSQL may run an `IN
    // (… LIMIT n FOR UPDATE SKIP LOCKED)` subquery again per row and claim more
    // than `limit`.
    // The guard on the update names no number, so the rows are found by id.
    let sql = format!(
        "WITH queued AS MATERIALIZED ({QUEUED_FOR_NUMBER} ORDER BY next_attempt_at LIMIT $5 {lock}), \
         lapsed AS MATERIALIZED ({LAPSED_FOR_NUMBER} ORDER BY next_attempt_at LIMIT $5 {lock}), \
         picked AS MATERIALIZED (SELECT id FROM (SELECT id, next_attempt_at FROM queued \
         UNION ALL SELECT id, next_attempt_at FROM lapsed) AS due ORDER BY next_attempt_at LIMIT $5) \
         UPDATE messages SET lease_until = $1, attempts = attempts + 1, claim_id = $3, dispatch_state = 'in_flight', \
         updated_at = $2 WHERE id IN (SELECT id FROM picked) AND (dispatch_state = 'queued' OR lease_until < $2) \
         RETURNING {returning}",
        lock = db.skip_locked(),
        returning = QUEUE.returning,
    );
    let mut w = db.write().await?;
    let mut claimed: Vec<Claimed> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .bind(new_id())
        .bind(business_number_id)
        .bind(limit)
        .fetch_all(&mut *w)
        .await?;
    w.commit().await?;
    // Message ids grow with time: the order they were accepted in.
    claimed.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(claimed)
}

/// Extends the lease of every message of a batch still in flight.
pub async fn renew_batch(
    db: &Db,
    business_number_id: &str,
    claim_id: &str,
    lease: Duration,
) -> anyhow::Result<()> {
    batch_write(
        db,
        business_number_id,
        sqlx::query("UPDATE messages SET lease_until = $1 WHERE claim_id = $2 AND dispatch_state = 'in_flight'")
            .bind(now_ms() + lease.as_millis() as i64)
            .bind(claim_id),
    )
    .await
}

/// Puts back what a batch did not get to send (a stop): queued again, due now,
/// and its claim not counted as an attempt.
pub async fn release_batch(
    db: &Db,
    business_number_id: &str,
    claim_id: &str,
) -> anyhow::Result<()> {
    batch_write(
        db,
        business_number_id,
        sqlx::query(
            "UPDATE messages SET dispatch_state = 'queued', lease_until = NULL, attempts = attempts - 1, \
             next_attempt_at = $1 WHERE claim_id = $2 AND dispatch_state = 'in_flight'",
        )
        .bind(now_ms())
        .bind(claim_id),
    )
    .await
}

/// A change to a whole batch, made under the number's lock like the batch's
/// outcomes (`deliver`): on PostgreSQL, updating the same rows from two
/// transactions at once, in different orders, would deadlock.
async fn batch_write(
    db: &Db,
    business_number_id: &str,
    statement: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
) -> anyhow::Result<()> {
    let mut w = db.write_for(business_number_id).await?;
    statement.execute(&mut *w).await?;
    w.commit().await?;
    Ok(())
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
    let mut w = db.write().await?;
    let done = dispatched_in(&mut w, m, provider_message_id).await?;
    w.commit().await?;
    Ok(done)
}

/// The provider has the message; false when the claim was lost.
pub async fn dispatched_in(
    conn: &mut AnyConnection,
    m: &Claimed,
    provider_message_id: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE messages SET dispatch_state = 'done', provider_message_id = $1, lease_until = NULL, updated_at = $2 \
         WHERE id = $3 AND claim_id = $4 AND dispatch_state = 'in_flight'",
    )
    .bind(provider_message_id)
    .bind(now_ms())
    .bind(&m.id)
    .bind(&m.claim_id)
    .execute(&mut *conn)
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
    let mut w = db.write().await?;
    let done = retry_at_in(&mut w, m, at_ms, code, title).await?;
    w.commit().await?;
    Ok(done)
}

/// Back in the queue until `at_ms`; false when the claim was lost.
pub async fn retry_at_in(
    conn: &mut AnyConnection,
    m: &Claimed,
    at_ms: i64,
    code: Option<i64>,
    title: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE messages SET dispatch_state = 'queued', next_attempt_at = $1, lease_until = NULL, error_code = $2, \
         error_title = $3, updated_at = $4 WHERE id = $5 AND claim_id = $6 AND dispatch_state = 'in_flight'",
    )
    .bind(at_ms)
    .bind(code)
    .bind(title.to_owned())
    .bind(now_ms())
    .bind(&m.id)
    .bind(&m.claim_id)
    .execute(&mut *conn)
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
/// The number's messages among Meta's ids, as `by_provider_id` finds one: by
/// Meta's id, their id and their contact.
pub async fn by_provider_ids(
    conn: &mut AnyConnection,
    business_number_id: &str,
    provider_message_ids: &[&str],
) -> anyhow::Result<HashMap<String, (String, String)>> {
    let mut ids = provider_message_ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut found = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT provider_message_id, id, contact_id FROM messages \
             WHERE business_number_id = $1 AND provider_message_id IN ({})",
            value_list(2, chunk.len())
        );
        let mut read = sqlx::query_as::<_, (String, String, String)>(sqlx::AssertSqlSafe(sql))
            .bind(business_number_id);
        for id in chunk {
            read = read.bind(*id);
        }
        for (provider_id, id, contact_id) in read.fetch_all(&mut *conn).await? {
            found.insert(provider_id, (id, contact_id));
        }
    }
    Ok(found)
}

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
