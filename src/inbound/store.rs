//! The stored webhook payloads: written before Meta gets its 200, claimed by a
//! worker with a lease (so a crash or restart only delays processing), deleted with
//! the people they speak of.

use crate::db::lanes::Lanes;
use crate::db::{Db, ROWS_PER_STATEMENT, new_id, now_ms, value_list, value_rows};
use crate::jobs::{self, Queue};
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Verified payloads on their way to be stored: whatever waits when the
/// writer is free is stored together (`db::lanes`), one statement for many of
/// Meta's POSTs, each answered once its payload is durable.
pub type Incoming = Lanes<String, bool>;

/// Most payloads one write stores.
const MOST_AT_ONCE: usize = 100;

/// Body bytes one statement carries at most (a payload may be 3 MiB).
const BYTES_PER_STATEMENT: usize = 1 << 20;

pub fn incoming() -> Incoming {
    Lanes::new(
        MOST_AT_ONCE,
        Arc::new(|db, _, bodies| Box::pin(async move { store_all(&db, bodies).await })),
    )
}

/// Stores a verified payload; false when the very same bytes were stored before
/// (a replay, or Meta's retry of a POST we already acknowledged).
pub async fn store(db: &Db, body: &str) -> anyhow::Result<bool> {
    Ok(store_all(db, vec![body.to_owned()])
        .await?
        .first()
        .copied()
        .unwrap_or(false))
}

/// `store` for many payloads in one write; of identical ones, the first is new.
pub async fn store_all(db: &Db, bodies: Vec<String>) -> anyhow::Result<Vec<bool>> {
    let now = now_ms();
    let digests: Vec<String> = bodies
        .iter()
        .map(|b| crate::digest::sha256_hex(b.as_bytes()))
        .collect();
    let mut seen = HashSet::new();
    let firsts: Vec<usize> = (0..bodies.len())
        .filter(|&i| seen.insert(digests[i].as_str()))
        .collect();
    let mut statements: Vec<Vec<usize>> = vec![Vec::new()];
    let mut bytes = 0;
    for i in firsts.iter().copied() {
        let current = statements.last().map_or(0, Vec::len);
        if current > 0
            && (current == ROWS_PER_STATEMENT || bytes + bodies[i].len() > BYTES_PER_STATEMENT)
        {
            statements.push(Vec::new());
            bytes = 0;
        }
        bytes += bodies[i].len();
        if let Some(rows) = statements.last_mut() {
            rows.push(i);
        }
    }
    let mut stored: HashSet<String> = HashSet::new();
    let mut w = db.write().await?;
    for rows in statements.iter().filter(|r| !r.is_empty()) {
        let sql = format!(
            "INSERT INTO webhook_payloads (id, body_sha256, body, received_at, state, attempts, next_attempt_at) \
             VALUES {} ON CONFLICT (body_sha256) DO NOTHING RETURNING body_sha256",
            value_rows(1, rows.len(), 7)
        );
        let mut insert = sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql));
        for &i in rows {
            insert = insert
                .bind(new_id())
                .bind(&digests[i])
                .bind(&bodies[i])
                .bind(now)
                .bind("pending")
                .bind(0i64)
                .bind(now);
        }
        stored.extend(insert.fetch_all(&mut *w).await?.into_iter().map(|(d,)| d));
    }
    w.commit().await?;
    let firsts: HashSet<usize> = firsts.into_iter().collect();
    Ok((0..bodies.len())
        .map(|i| firsts.contains(&i) && stored.contains(&digests[i]))
        .collect())
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
    // Done ones by their claim: one statement for all those kept, one for all
    // those deleted; a retry has its own time and reason.
    let mut kept: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut dropped: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut w = db.write().await?;
    for (job, settled) in batch {
        match settled {
            Settled::Done { keep: true } => kept.entry(&job.claim_id).or_default().push(&job.id),
            Settled::Done { keep: false } => {
                dropped.entry(&job.claim_id).or_default().push(&job.id)
            }
            Settled::Retry { at, why } => {
                sqlx::query(
                    "UPDATE webhook_payloads SET next_attempt_at = $1, lease_until = NULL, last_error = $2 \
                     WHERE id = $3 AND claim_id = $4",
                )
                .bind(*at)
                .bind(why.clone())
                .bind(&job.id)
                .bind(&job.claim_id)
                .execute(&mut *w)
                .await?;
            }
        }
    }
    for (done, statement) in [
        (
            kept,
            "UPDATE webhook_payloads SET state = 'done', lease_until = NULL, last_error = NULL WHERE",
        ),
        (dropped, "DELETE FROM webhook_payloads WHERE"),
    ] {
        for (claim, ids) in done {
            for chunk in ids.chunks(ROWS_PER_STATEMENT) {
                let sql = format!(
                    "{statement} claim_id = $1 AND id IN ({})",
                    value_list(2, chunk.len())
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(claim);
                for id in chunk {
                    query = query.bind(*id);
                }
                query.execute(&mut *w).await?;
            }
        }
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
    link_all(conn, &[(payload_id, contact_id)]).await
}

/// Ties payloads to contacts they speak of: (payload, contact) pairs.
pub async fn link_all(
    conn: &mut sqlx::AnyConnection,
    links: &[(&str, &str)],
) -> anyhow::Result<()> {
    let mut links = links.to_vec();
    links.sort_unstable();
    links.dedup();
    for chunk in links.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO webhook_payload_contacts (payload_id, contact_id) VALUES {} ON CONFLICT DO NOTHING",
            value_rows(1, chunk.len(), 2)
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (payload, contact) in chunk {
            insert = insert.bind(*payload).bind(*contact);
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}
