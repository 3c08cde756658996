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

/// Counts the person for a business-initiated message queued now, unless they
/// already count; in the transaction that queues it.
pub async fn count(conn: &mut AnyConnection, contact: &Contact, now: i64) -> anyhow::Result<()> {
    if already_counted(Some(contact), now) {
        return Ok(());
    }
    contacts::set_limit_counted(conn, &contact.id, now).await?;
    let bucket = bucket_of(now);
    let added = sqlx::query(
        "INSERT INTO recipient_counts (business_number_id, bucket_start, n) VALUES ($1, $2, 1) \
         ON CONFLICT (business_number_id, bucket_start) DO UPDATE SET n = recipient_counts.n + 1 \
         RETURNING n",
    )
    .bind(&contact.business_number_id)
    .bind(bucket)
    .fetch_one(&mut *conn)
    .await?;
    let n: i64 = sqlx::Row::try_get(&added, 0)?;
    // A new bucket, once per ten minutes: the moment to drop those out of reach.
    if n == 1 {
        sqlx::query(
            "DELETE FROM recipient_counts WHERE business_number_id = $1 AND bucket_start <= $2",
        )
        .bind(&contact.business_number_id)
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
