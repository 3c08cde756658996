//! Idempotency keys: a client's retry of a send gets the first answer again,
//! and a key reused for a different body is refused.

use super::core::{Queued, SendError};
use crate::db::now_ms;
use sqlx::AnyConnection;

/// The earlier answer for this key, if there is one.
pub(super) async fn replay(
    conn: &mut AnyConnection,
    number_id: &str,
    key: &str,
    request_sha: &str,
) -> Result<Option<Queued>, SendError> {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT request_sha256, response FROM idempotency_keys WHERE business_number_id = $1 AND key = $2",
    )
    .bind(number_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    match found {
        None => Ok(None),
        Some((sha, _)) if sha != request_sha => Err(SendError::IdempotencyMismatch),
        Some((_, response)) => Ok(Some(
            serde_json::from_str(&response).map_err(anyhow::Error::from)?,
        )),
    }
}

/// Keeps the answer under the key; false when a concurrent request with the same
/// key stored one first.
pub(super) async fn keep(
    conn: &mut AnyConnection,
    number_id: &str,
    key: &str,
    request_sha: &str,
    queued: &Queued,
) -> anyhow::Result<bool> {
    let stored = sqlx::query(
        "INSERT INTO idempotency_keys (business_number_id, key, request_sha256, message_id, response, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (business_number_id, key) DO NOTHING",
    )
    .bind(number_id)
    .bind(key)
    .bind(request_sha)
    .bind(&queued.message_id)
    .bind(serde_json::to_string(queued)?)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(stored > 0)
}
