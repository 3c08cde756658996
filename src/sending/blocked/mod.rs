//! The compliance report's record of refused sends: who tried, what, why; the
//! recipient only as a keyed hash (so erasure can find it) and a masked form.
//! `report` reads them back for staff and the API.

pub mod report;

use super::message::{Content, OutboundMessage};
use crate::consent::suppression;
use crate::consent::tally::day_of;
use crate::db::{new_id, now_ms};
use crate::domain::Actor;
use crate::services::Services;
use sqlx::AnyConnection;

pub(super) async fn record(
    s: &Services,
    conn: &mut AnyConnection,
    number_id: &str,
    actor: &Actor,
    message: &OutboundMessage,
    (reason, code): (&str, i64),
) -> anyhow::Result<()> {
    let now = now_ms();
    let what = match &message.content {
        Content::Template { name, language } => format!("template:{name}:{language}"),
        Content::FreeForm { kind } => kind.clone(),
    };
    sqlx::query(
        "INSERT INTO blocked_sends (id, business_number_id, actor, recipient_hash, recipient_masked, what, reason, code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(number_id)
    .bind(actor.to_string())
    .bind(suppression::key(&s.secret, &message.recipient))
    // For an erased person the keyed hash alone must do: not even a masked number.
    .bind((reason != "suppressed").then(|| message.recipient.masked()))
    .bind(&what)
    .bind(reason)
    .bind(code)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO blocked_days (day, business_number_id, reason, attempts) VALUES ($1, $2, $3, 1) \
         ON CONFLICT (day, business_number_id, reason) DO UPDATE SET attempts = blocked_days.attempts + 1",
    )
    .bind(day_of(now))
    .bind(number_id)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    s.metrics.blocked(reason);
    tracing::info!(to = %message.recipient.masked(), what = %what, reason, actor = %actor, "send blocked");
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
