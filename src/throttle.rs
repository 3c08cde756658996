//! Throttling that holds across instances: counters per fixed window in the
//! database, under keyed hashes, so no IP address or phone number is stored to
//! count it. A hit counts the current window and the part of the previous one
//! that still lies within `window` of now (a sliding-window estimate), so a burst
//! across a window's edge gets no second allowance.

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
    let key_hash = key_for(secret, limit.what, key);
    let (hits,): (i64,) = sqlx::query_as(
        "INSERT INTO throttle_hits (key_hash, window_start, hits) VALUES ($1, $2, 1) \
         ON CONFLICT (key_hash, window_start) DO UPDATE SET hits = throttle_hits.hits + 1 RETURNING hits",
    )
    .bind(&key_hash)
    .bind(start)
    .fetch_one(&mut *conn)
    .await?;
    let previous: Option<(i64,)> =
        sqlx::query_as("SELECT hits FROM throttle_hits WHERE key_hash = $1 AND window_start = $2")
            .bind(&key_hash)
            .bind(start - window)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(hits + still_counted(previous.map_or(0, |(n,)| n), now - start, window) <= limit.hits)
}

/// The previous window's hits weighed by how much of it is still within a
/// window of now, rounded up (so the estimate never lets more through).
fn still_counted(previous: i64, elapsed: i64, window: i64) -> i64 {
    let overlap = (window - elapsed).clamp(0, window);
    (previous * overlap + window - 1) / window
}

#[cfg(test)]
mod tests {
    use super::still_counted;

    #[test]
    fn the_previous_window_counts_by_how_much_of_it_is_still_recent() {
        // 30 hits just before the edge still count in full a second after it.
        assert_eq!(still_counted(30, 1_000, 900_000), 30);
        assert_eq!(still_counted(30, 450_000, 900_000), 15);
        assert_eq!(still_counted(30, 899_999, 900_000), 1);
        assert_eq!(still_counted(0, 1, 900_000), 0);
    }
}

/// Forgets counters of windows that ended more than a day ago.
pub async fn sweep(conn: &mut AnyConnection) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM throttle_hits WHERE window_start < $1")
        .bind(now_ms() - 24 * 60 * 60 * 1000)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
