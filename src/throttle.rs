//! Throttling that holds across instances: fixed-window counters in the database,
//! under keyed hashes, so no IP address or phone number is stored to count it.

use crate::consent::suppression::key_for;
use crate::db::now_ms;
use sqlx::AnyConnection;
use std::time::Duration;

/// A limit: at most `hits` per `window`.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub what: &'static str,
    pub hits: i64,
    pub window: Duration,
}

/// Counts one hit of `key` against `limit`; false when that is one too many.
pub async fn hit(
    conn: &mut AnyConnection,
    secret: &[u8],
    limit: Limit,
    key: &str,
) -> anyhow::Result<bool> {
    let window = limit.window.as_millis().max(1) as i64;
    let now = now_ms();
    let start = now - now.rem_euclid(window);
    let (hits,): (i64,) = sqlx::query_as(
        "INSERT INTO throttle_hits (key_hash, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key_hash, window_start) DO UPDATE SET hits = throttle_hits.hits + 1 RETURNING hits",
    )
    .bind(key_for(secret, limit.what, key))
    .bind(start)
    .fetch_one(&mut *conn)
    .await?;
    Ok(hits <= limit.hits)
}

/// Forgets counters of windows that ended more than a day ago.
pub async fn sweep(conn: &mut AnyConnection) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM throttle_hits WHERE window_start < $1")
        .bind(now_ms() - 24 * 60 * 60 * 1000)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
