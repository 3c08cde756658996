//! Meta's messaging limit: business-initiated messages may reach at most so many
//! unique people per rolling 24 hours. Kept as counts, never counted from the
//! messages: a person is counted when the first business-initiated message of
//! their 24 hours is queued (`contacts.limit_counted_at`, and one more in the
//! number's ten-minute bucket), so a check sums at most 145 buckets whatever the
//! day's traffic. A bucket that overlaps the 24 hours counts whole, so the limit
//! errs by at most ten minutes' worth of people on the safe side.

use super::gate::WINDOW_MS;
use crate::contacts::{self, Contact};
use sqlx::AnyConnection;

const BUCKET_MS: i64 = 10 * 60 * 1000;

fn bucket_of(at: i64) -> i64 {
    at - at.rem_euclid(BUCKET_MS)
}

/// Whether the person already counts among the number's last 24 hours.
pub fn already_counted(contact: Option<&Contact>, now: i64) -> bool {
    contact
        .and_then(|c| c.limit_counted_at)
        .is_some_and(|at| now - at < WINDOW_MS)
}

/// People the number reached in the last 24 hours (to the bucket).
pub async fn recipients(
    conn: &mut AnyConnection,
    business_number_id: &str,
    now: i64,
) -> anyhow::Result<i64> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM recipient_counts WHERE business_number_id = $1 AND bucket_start > $2",
    )
    .bind(business_number_id)
    .bind(now - WINDOW_MS - BUCKET_MS)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n)
}

/// Counts the people of business-initiated messages queued now, those not
/// already counted, in the transaction that queues them: one update of the
/// people and one of the bucket, however many.
pub async fn count(
    conn: &mut AnyConnection,
    business_number_id: &str,
    people: &[&Contact],
    now: i64,
) -> anyhow::Result<()> {
    let mut ids: Vec<&str> = people
        .iter()
        .filter(|c| !already_counted(Some(c), now))
        .map(|c| c.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    contacts::set_limit_counted(conn, &ids, now).await?;
    let bucket = bucket_of(now);
    let added = ids.len() as i64;
    let stored = sqlx::query(
        "INSERT INTO recipient_counts (business_number_id, bucket_start, n) VALUES ($1, $2, $3) \
         ON CONFLICT (business_number_id, bucket_start) DO UPDATE SET n = recipient_counts.n + excluded.n \
         RETURNING n",
    )
    .bind(business_number_id)
    .bind(bucket)
    .bind(added)
    .fetch_one(&mut *conn)
    .await?;
    let n: i64 = sqlx::Row::try_get(&stored, 0)?;
    // A new bucket, once per ten minutes: the moment to drop those out of reach.
    if n == added {
        sqlx::query(
            "DELETE FROM recipient_counts WHERE business_number_id = $1 AND bucket_start <= $2",
        )
        .bind(business_number_id)
        .bind(now - WINDOW_MS - BUCKET_MS)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_start_on_ten_minute_marks() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(BUCKET_MS - 1), 0);
        assert_eq!(bucket_of(BUCKET_MS + 5), BUCKET_MS);
    }
}
