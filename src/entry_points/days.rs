//! An entry point's counters per UTC day, kept by `count` as things happen (so
//! a page reads at most a row per day, however busy the entry point is).

use super::Stats;
use crate::consent::tally::day_of;
use crate::db::{Db, now_ms};
use sqlx::AnyConnection;

/// One UTC day of an entry point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DayStats {
    /// Days since the Unix epoch.
    pub day: i64,
    pub stats: Stats,
}

/// Counts one more of `column` (a counter's column) today.
pub(super) async fn note(
    conn: &mut AnyConnection,
    business_number_id: &str,
    code: &str,
    column: &'static str,
) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO entry_point_days (day, business_number_id, code, {column}) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (business_number_id, code, day) DO UPDATE SET {column} = entry_point_days.{column} + 1"
    )))
    .bind(day_of(now_ms()))
    .bind(business_number_id)
    .bind(code)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The last `days` UTC days up to and including `today`, oldest first, every day
/// present (zeros when nothing happened).
pub async fn days(
    db: &Db,
    business_number_id: &str,
    code: &str,
    today: i64,
    days: i64,
) -> anyhow::Result<Vec<DayStats>> {
    let first = today - days + 1;
    let rows: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT day, visits, chats_started, accepted, declines FROM entry_point_days \
         WHERE business_number_id = $1 AND code = $2 AND day >= $3 AND day <= $4",
    )
    .bind(business_number_id)
    .bind(code)
    .bind(first)
    .bind(today)
    .fetch_all(&db.pool)
    .await?;
    Ok((first..=today)
        .map(|day| {
            let (visits, chats, accepted, declined) = rows
                .iter()
                .find(|r| r.0 == day)
                .map_or((0, 0, 0, 0), |r| (r.1, r.2, r.3, r.4));
            DayStats {
                day,
                stats: Stats::new(visits, chats, accepted, declined),
            }
        })
        .collect())
}
