//! A token bucket per business number, kept in the database so the limit holds for
//! the number as a whole however many instances dispatch for it.

use crate::db::{Db, now_ms};
use crate::numbers::BusinessNumber;
use std::time::Duration;

/// Waits until the number may send one more message, and takes that token.
pub async fn acquire(db: &Db, number: &BusinessNumber) -> anyhow::Result<()> {
    let rate = number.rate_per_second.max(0.001);
    let burst = number.rate_burst.max(1.0);
    loop {
        let now = now_ms();
        db.write_one(
            sqlx::query(
                "INSERT INTO rate_buckets (business_number_id, tokens, updated_ms, version) VALUES ($1, $2, $3, 0) \
                 ON CONFLICT (business_number_id) DO NOTHING",
            )
            .bind(&number.id)
            .bind(burst)
            .bind(now),
        )
        .await?;
        let (tokens, updated_ms, version): (f64, i64, i64) = sqlx::query_as(
            "SELECT tokens, updated_ms, version FROM rate_buckets WHERE business_number_id = $1",
        )
        .bind(&number.id)
        .fetch_one(&db.pool)
        .await?;
        let available = refill(tokens, now - updated_ms, rate, burst);
        if available < 1.0 {
            let wait = (1.0 - available) / rate;
            tokio::time::sleep(Duration::from_secs_f64(wait.min(1.0))).await;
            continue;
        }
        // Compare-and-set on the version: a concurrent taker makes this update miss,
        // and we read the bucket again.
        let taken = db
            .write_one(
                sqlx::query(
                    "UPDATE rate_buckets SET tokens = $1, updated_ms = $2, version = version + 1 \
                     WHERE business_number_id = $3 AND version = $4",
                )
                .bind(available - 1.0)
                .bind(now.max(updated_ms))
                .bind(&number.id)
                .bind(version),
            )
            .await?
            .rows_affected();
        if taken == 1 {
            return Ok(());
        }
    }
}

/// Tokens in a bucket `elapsed_ms` after it held `tokens`.
fn refill(tokens: f64, elapsed_ms: i64, rate: f64, burst: f64) -> f64 {
    (tokens + elapsed_ms.max(0) as f64 / 1000.0 * rate).min(burst)
}

#[cfg(test)]
mod tests {
    use super::refill;

    #[test]
    fn refills_at_the_rate_up_to_the_burst() {
        assert_eq!(refill(0.0, 500, 80.0, 80.0), 40.0);
        assert_eq!(
            refill(10.0, 60_000, 80.0, 80.0),
            80.0,
            "never above the burst"
        );
        assert_eq!(refill(0.5, 10, 50.0, 150.0), 1.0);
        assert_eq!(
            refill(3.0, -5, 50.0, 150.0),
            3.0,
            "a clock step back adds nothing"
        );
    }
}
