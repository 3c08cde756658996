//! Who dispatches for a number: one holder at a time across every instance, by a
//! lease in the database, so the number's rate limit can be kept in memory by
//! that holder and one number's queue never waits behind another's.

use crate::db::{Db, now_ms};
use std::time::Duration;

/// Takes the number's lane for `holder` unless another holder's lease runs.
pub async fn acquire(
    db: &Db,
    business_number_id: &str,
    holder: &str,
    lease: Duration,
) -> anyhow::Result<bool> {
    let now = now_ms();
    let taken = db
        .write_one(
            sqlx::query(
                "INSERT INTO dispatch_lanes (business_number_id, holder, lease_until) VALUES ($1, $2, $3) \
                 ON CONFLICT (business_number_id) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until \
                 WHERE dispatch_lanes.lease_until < $4 OR dispatch_lanes.holder = excluded.holder",
            )
            .bind(business_number_id)
            .bind(holder)
            .bind(now + lease.as_millis() as i64)
            .bind(now),
        )
        .await?
        .rows_affected();
    Ok(taken == 1)
}

/// Extends the holder's lease; false when it was lost (it ran out and another
/// instance took the lane).
pub async fn renew(
    db: &Db,
    business_number_id: &str,
    holder: &str,
    lease: Duration,
) -> anyhow::Result<bool> {
    let renewed = db
        .write_one(
            sqlx::query(
                "UPDATE dispatch_lanes SET lease_until = $1 WHERE business_number_id = $2 AND holder = $3",
            )
            .bind(now_ms() + lease.as_millis() as i64)
            .bind(business_number_id)
            .bind(holder),
        )
        .await?
        .rows_affected();
    Ok(renewed == 1)
}

pub async fn release(db: &Db, business_number_id: &str, holder: &str) -> anyhow::Result<()> {
    db.write_one(
        sqlx::query("UPDATE dispatch_lanes SET lease_until = 0 WHERE business_number_id = $1 AND holder = $2")
            .bind(business_number_id)
            .bind(holder),
    )
    .await?;
    Ok(())
}
