//! What the three work queues share (outgoing messages, stored webhook payloads,
//! forwards to the business): a row is claimed with a lease, so a worker that dies
//! only delays it, and a failed attempt is retried after a growing delay.
//!
//! The claim is one UPDATE whose condition is repeated outside its inner SELECT:
//! PostgreSQL re-checks it on the locked row, so a second worker racing for the
//! same row updates nothing and tries again, and `FOR UPDATE SKIP LOCKED` lets
//! instances sharing a database pass each other's claims (SQLite has one writer).

use crate::db::{Db, new_id, now_ms};
use sqlx::any::AnyRow;
use std::future::Future;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// One queue's table and rules. Every field is a constant of the queue's module
/// (they are spliced into SQL).
pub struct Queue {
    pub table: &'static str,
    /// When a row may be claimed; `$2` is now.
    pub due: &'static str,
    /// Columns set by a claim besides the lease (`$1`), the attempt count and the
    /// claim id (`$3`), each starting with `, `.
    pub claim_sets: &'static str,
    pub order_by: &'static str,
    pub returning: &'static str,
}

/// Claims the next due row for `lease`; `None` when nothing is due. The claim id
/// returned with the row fences every later update of it: a worker whose lease ran
/// out can no longer touch a row someone else now holds.
pub async fn claim<T>(db: &Db, queue: &Queue, lease: Duration) -> anyhow::Result<Option<T>>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    Ok(claim_up_to(db, queue, lease, 1).await?.pop())
}

/// Claims up to `limit` due rows at once, in one write, under one claim id;
/// empty when nothing is due. The rows come back in no particular order.
pub async fn claim_up_to<T>(
    db: &Db,
    queue: &Queue,
    lease: Duration,
    limit: i64,
) -> anyhow::Result<Vec<T>>
where
    T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    let Queue {
        table,
        due,
        claim_sets,
        order_by,
        returning,
    } = queue;
    let now = now_ms();
    // Idle workers poll often; asking first without the write lock keeps them
    // from queueing for it (SQLite has one writer) when nothing is due.
    let probe = format!(
        "SELECT id FROM {table} WHERE {due} LIMIT 1",
        due = due.replace("$2", "$1")
    );
    let due_now: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(probe))
        .bind(now)
        .fetch_optional(&db.pool)
        .await?;
    if due_now.is_none() {
        return Ok(vec![]);
    }
    let lock = db.skip_locked();
    // Materialised, so the rows are picked once: PostgreSQL may otherwise run
    // the LIMITed inner SELECT again while updating, and claim more than asked.
    // The update finds them by id alone: with `due` repeated there, SQLite
    // walks every due row to look each up in the pick. They are still due (one
    // writer on SQLite; locked as picked on PostgreSQL).
    let sql = format!(
        "WITH picked AS MATERIALIZED (SELECT id FROM {table} WHERE {due} ORDER BY {order_by} LIMIT $4 {lock}) \
         UPDATE {table} SET lease_until = $1, attempts = attempts + 1, claim_id = $3{claim_sets} \
         WHERE id IN (SELECT id FROM picked) \
         RETURNING {returning}"
    );
    let mut w = db.write().await?;
    let claimed = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(now + lease.as_millis() as i64)
        .bind(now)
        .bind(new_id())
        .bind(limit)
        .fetch_all(&mut *w)
        .await?;
    w.commit().await?;
    Ok(claimed)
}

/// A worker: runs `step` again at once while it finds work, else after `wake`
/// rings or `poll` passes, until `stop` turns true. A step in progress finishes
/// first, so a graceful restart never leaves one half done.
pub async fn work<F, Fut>(
    what: &str,
    mut stop: watch::Receiver<bool>,
    wake: &Notify,
    poll: Duration,
    mut step: F,
) where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<bool>>,
{
    while !*stop.borrow() {
        match step().await {
            Ok(true) => continue,
            Ok(false) => {}
            Err(e) => tracing::error!(error = %format!("{e:#}"), "{what} failed"),
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// The delay before attempt `attempt + 1`: `base`, doubled for every attempt after
/// the first, and never more than `max`.
pub fn backoff(base: Duration, max: Duration, attempt: i64) -> Duration {
    base.saturating_mul(1u32 << attempt.clamp(1, 20).saturating_sub(1) as u32)
        .min(max)
}

/// "Equal jitter": half the delay fixed, half random, so many jobs that failed
/// together do not all retry together.
pub fn jittered(delay: Duration) -> Duration {
    let half = delay / 2;
    half + half.mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let s = Duration::from_secs;
        assert_eq!(backoff(s(2), s(60), 1), s(2));
        assert_eq!(backoff(s(2), s(60), 2), s(4));
        assert_eq!(backoff(s(2), s(60), 5), s(32));
        assert_eq!(backoff(s(2), s(60), 6), s(60));
        assert_eq!(backoff(s(2), s(60), 500), s(60));
        assert_eq!(backoff(s(2), s(60), -3), s(2));
        for attempt in 1..30 {
            let full = backoff(s(2), s(60), attempt);
            let d = jittered(full);
            assert!(d >= full / 2 && d <= full, "attempt {attempt}: {d:?}");
        }
    }
}
