//! Idempotency keys: a client's retry of a send gets the first answer again,
//! and a key reused for a different body is refused.

use super::core::{Queued, SendError};
use crate::db::{ROWS_PER_STATEMENT, now_ms, value_list, value_rows};
use sqlx::AnyConnection;
use std::collections::HashMap;

/// What a key holds: the digest of the request it first came with, and the answer.
pub(super) struct Kept {
    request_sha: String,
    response: String,
}

/// The earlier answer for this key, if there is one.
pub(super) async fn replay(
    conn: &mut AnyConnection,
    number_id: &str,
    key: &str,
    request_sha: &str,
) -> Result<Option<Queued>, SendError> {
    let kept = kept(conn, number_id, &[key]).await?;
    answer(kept.get(key), request_sha)
}

/// The earlier answer a key holds for this request: none, the same answer again,
/// or a refusal when the key came with a different request.
pub(super) fn answer(kept: Option<&Kept>, request_sha: &str) -> Result<Option<Queued>, SendError> {
    match kept {
        None => Ok(None),
        Some(k) if k.request_sha != request_sha => Err(SendError::IdempotencyMismatch),
        Some(k) => Ok(Some(
            serde_json::from_str(&k.response).map_err(anyhow::Error::from)?,
        )),
    }
}

/// What the number's `keys` hold: one read per `ROWS_PER_STATEMENT`.
pub(super) async fn kept(
    conn: &mut AnyConnection,
    number_id: &str,
    keys: &[&str],
) -> anyhow::Result<HashMap<String, Kept>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT key, request_sha256, response FROM idempotency_keys WHERE business_number_id = $1 AND key IN ({})",
            value_list(2, chunk.len())
        );
        let mut read =
            sqlx::query_as::<_, (String, String, String)>(sqlx::AssertSqlSafe(sql)).bind(number_id);
        for key in chunk {
            read = read.bind(*key);
        }
        for (key, request_sha, response) in read.fetch_all(&mut *conn).await? {
            found.insert(
                key,
                Kept {
                    request_sha,
                    response,
                },
            );
        }
    }
    Ok(found)
}

/// Keeps each answer under its key (key, request digest, answer); false when a
/// key was taken meanwhile, which the number's lock, held while the keys were
/// read and these written, rules out.
pub(super) async fn keep(
    conn: &mut AnyConnection,
    number_id: &str,
    answers: &[(&str, &str, &Queued)],
) -> anyhow::Result<bool> {
    let now = now_ms();
    let mut stored = 0;
    for chunk in answers.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO idempotency_keys (business_number_id, key, request_sha256, message_id, response, created_at) \
             VALUES {} ON CONFLICT (business_number_id, key) DO NOTHING",
            value_rows(1, chunk.len(), 6)
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (key, request_sha, queued) in chunk {
            insert = insert
                .bind(number_id)
                .bind(*key)
                .bind(*request_sha)
                .bind(&queued.message_id)
                .bind(serde_json::to_string(queued)?)
                .bind(now);
        }
        stored += insert.execute(&mut *conn).await?.rows_affected();
    }
    Ok(stored == answers.len() as u64)
}
