//! The compliance report's record of refused sends: who tried, what, why; the
//! recipient only as a keyed hash (so erasure can find it) and a masked form.
//! `report` reads them back for staff and the API.

pub mod report;

use super::message::{Content, OutboundMessage};
use crate::consent::tally::day_of;
use crate::db::{ROWS_PER_STATEMENT, new_id, now_ms, value_rows};
use crate::domain::Actor;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// A send the gate refused, to be kept for the report.
pub(in crate::sending) struct NewRefusal<'a> {
    pub actor: &'a Actor,
    pub message: &'a OutboundMessage,
    /// The recipient's keyed hash (`suppression::key`).
    pub recipient_key: &'a str,
    pub reason: &'static str,
    pub code: i64,
}

/// What a refused send was, as the report names it.
pub(in crate::sending) fn what(message: &OutboundMessage) -> String {
    match &message.content {
        Content::Template { name, language } => format!("template:{name}:{language}"),
        Content::FreeForm { kind } => kind.clone(),
    }
}

/// Keeps refused sends of one number and counts them by day and reason: one
/// statement for the sends and one for the counts per `ROWS_PER_STATEMENT`.
pub(in crate::sending) async fn record(
    conn: &mut AnyConnection,
    number_id: &str,
    refusals: &[NewRefusal<'_>],
) -> anyhow::Result<()> {
    let now = now_ms();
    for chunk in refusals.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO blocked_sends (id, business_number_id, actor, recipient_hash, recipient_masked, what, reason, code, created_at) \
             VALUES {}",
            value_rows(1, chunk.len(), 9)
        );
        let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            insert = insert
                .bind(new_id())
                .bind(number_id)
                .bind(r.actor.to_string())
                .bind(r.recipient_key)
                // For an erased person the keyed hash alone must do: not even a masked number.
                .bind((r.reason != "suppressed").then(|| r.message.recipient.masked()))
                .bind(what(r.message))
                .bind(r.reason)
                .bind(r.code)
                .bind(now);
        }
        insert.execute(&mut *conn).await?;
    }
    // One row per reason: a statement may not update the same row twice.
    let mut by_reason: BTreeMap<&str, i64> = BTreeMap::new();
    for r in refusals {
        *by_reason.entry(r.reason).or_default() += 1;
    }
    if by_reason.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO blocked_days (day, business_number_id, reason, attempts) VALUES {} \
         ON CONFLICT (day, business_number_id, reason) DO UPDATE SET attempts = blocked_days.attempts + excluded.attempts",
        value_rows(1, by_reason.len(), 4)
    );
    let mut count = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (reason, attempts) in by_reason {
        count = count
            .bind(day_of(now))
            .bind(number_id)
            .bind(reason)
            .bind(attempts);
    }
    count.execute(&mut *conn).await?;
    Ok(())
}

/// Deletes the refused sends to the person named by any of `keys` (erasure);
/// returns how many went.
pub(super) async fn forget(
    conn: &mut AnyConnection,
    business_number_id: &str,
    keys: &[String],
) -> anyhow::Result<u64> {
    let mut gone = 0;
    for key in keys {
        gone += sqlx::query(
            "DELETE FROM blocked_sends WHERE business_number_id = $1 AND recipient_hash = $2",
        )
        .bind(business_number_id)
        .bind(key)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(gone)
}

/// A refused send to one person, as their record shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Refused {
    pub id: String,
    pub created_at: i64,
    pub actor: String,
    pub what: String,
    pub reason: String,
    pub code: i64,
}

/// The refused sends to the person named by any of `keys`, oldest first.
pub(super) async fn to_person(
    conn: &mut AnyConnection,
    business_number_id: &str,
    keys: &[String],
) -> anyhow::Result<Vec<Refused>> {
    let mut found: Vec<Refused> = Vec::new();
    for key in keys {
        let rows: Vec<Refused> = sqlx::query_as(
            "SELECT id, created_at, actor, what, reason, code FROM blocked_sends \
             WHERE business_number_id = $1 AND recipient_hash = $2",
        )
        .bind(business_number_id)
        .bind(key)
        .fetch_all(&mut *conn)
        .await?;
        found.extend(rows);
    }
    found.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    found.dedup_by(|a, b| a.id == b.id);
    Ok(found)
}
