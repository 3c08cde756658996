//! The stored webhook payloads: written before Meta gets its 200, claimed by a
//! worker with a lease (so a crash or restart only delays processing), deleted with
//! the people they speak of.

use crate::db::{Db, new_id, now_ms};
use crate::jobs::{self, Queue};
use std::time::Duration;

/// Stores a verified payload; false when the very same bytes were stored before
/// (a replay, or Meta's retry of a POST we already acknowledged).
pub async fn store(db: &Db, body: &str) -> anyhow::Result<bool> {
    let now = now_ms();
    let inserted = db
        .write_one(
            sqlx::query(
                "INSERT INTO webhook_payloads (id, body_sha256, body, received_at, state, attempts, next_attempt_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $4) ON CONFLICT (body_sha256) DO NOTHING",
            )
            .bind(new_id())
            .bind(crate::digest::sha256_hex(body.as_bytes()))
            .bind(body.to_owned())
            .bind(now),
        )
        .await?
        .rows_affected();
    Ok(inserted > 0)
}

/// Whether some payload still waits to be processed.
pub async fn any_pending(conn: &mut sqlx::AnyConnection) -> anyhow::Result<bool> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM webhook_payloads WHERE state = 'pending' LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub body: String,
    pub received_at: i64,
    pub attempts: i64,
    pub claim_id: String,
}

const QUEUE: Queue = Queue {
    table: "webhook_payloads",
    due: "(state = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2))",
    claim_sets: "",
    order_by: "received_at, id",
    returning: "id, body, received_at, attempts, claim_id",
};

/// Claims up to `limit` due payloads, oldest first.
pub async fn claim(db: &Db, lease: Duration, limit: i64) -> anyhow::Result<Vec<Claimed>> {
    let mut claimed: Vec<Claimed> = jobs::claim_up_to(db, &QUEUE, lease, limit).await?;
    claimed.sort_by(|a, b| (a.received_at, &a.id).cmp(&(b.received_at, &b.id)));
    Ok(claimed)
}

/// What became of a claimed payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Processed. It is kept (as the record of what Meta told us) only when
    /// everything personal in it was tied to a contact, so erasure finds it; one
    /// that carries personal data we could not attribute is deleted.
    Done { keep: bool },
    /// To be processed again at this time, for this reason.
    Retry { at: i64, why: String },
}

/// Records what became of a batch of claimed payloads, in one write.
pub async fn settle(db: &Db, batch: &[(&Claimed, Settled)]) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    for (job, settled) in batch {
        let statement = match settled {
            Settled::Done { keep: true } => sqlx::query(
                "UPDATE webhook_payloads SET state = 'done', lease_until = NULL, last_error = NULL WHERE id = $1 AND claim_id = $2",
            )
            .bind(&job.id)
            .bind(&job.claim_id),
            Settled::Done { keep: false } => {
                sqlx::query("DELETE FROM webhook_payloads WHERE id = $1 AND claim_id = $2")
                    .bind(&job.id)
                    .bind(&job.claim_id)
            }
            Settled::Retry { at, why } => sqlx::query(
                "UPDATE webhook_payloads SET next_attempt_at = $1, lease_until = NULL, last_error = $2 WHERE id = $3 AND claim_id = $4",
            )
            .bind(*at)
            .bind(why.clone())
            .bind(&job.id)
            .bind(&job.claim_id),
        };
        statement.execute(&mut *w).await?;
    }
    w.commit().await?;
    Ok(())
}

/// Ties a payload to a contact it speaks of.
pub async fn link(
    conn: &mut sqlx::AnyConnection,
    payload_id: &str,
    contact_id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_payload_contacts (payload_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(payload_id)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
