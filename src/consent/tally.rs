//! The dashboard's figures, kept in step with the ledger by `ledger::append` (as
//! `states` is): how many people are in each state per category, and how many
//! events each UTC day saw. Reading them costs the same however long the ledger
//! grows; migration 0008 counted what was there before.

use super::event::ConsentAction;
use super::ledger::RecordedEvent;
use super::state::ConsentState;
use super::states::Moved;
use crate::db::Db;
use sqlx::AnyConnection;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The UTC day of an epoch-ms time, as the daily counts number days.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// Counts `event`, and the people whose state it `moved` (from `states::note`).
pub(super) async fn note(
    conn: &mut AnyConnection,
    moved: &[Moved],
    event: &RecordedEvent,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO ledger_days (day, business_number_id, category, action, events) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (day, business_number_id, category, action) DO UPDATE SET events = ledger_days.events + 1",
    )
    .bind(day_of(event.created_at))
    .bind(&event.business_number_id)
    .bind(&event.category)
    .bind(event.action.as_str())
    .execute(&mut *conn)
    .await?;
    for m in moved {
        for (state, by) in [(m.was, -1i64), (Some(m.is), 1)] {
            if let Some(state) = state.filter(|s| *s != ConsentState::None) {
                sqlx::query(
                    "INSERT INTO consent_tallies (business_number_id, category, state, people) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (business_number_id, category, state) DO UPDATE SET people = consent_tallies.people + $4",
                )
                .bind(&event.business_number_id)
                .bind(&m.category)
                .bind(state.as_str())
                .bind(by)
                .execute(&mut *conn)
                .await?;
            }
        }
    }
    Ok(())
}

/// People in one state of one category.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    pub category: String,
    pub state: ConsentState,
    pub people: i64,
}

/// People per category and state, of one number or of all.
pub async fn people_by_state(db: &Db, number_id: Option<&str>) -> anyhow::Result<Vec<StateCount>> {
    let rows: Vec<(String, String, i64)> = match number_id {
        Some(id) => {
            sqlx::query_as(
                "SELECT category, state, CAST(SUM(people) AS BIGINT) FROM consent_tallies \
                 WHERE business_number_id = $1 GROUP BY category, state",
            )
            .bind(id)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT category, state, CAST(SUM(people) AS BIGINT) FROM consent_tallies GROUP BY category, state",
            )
            .fetch_all(&db.pool)
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .filter_map(|(category, state, people)| {
            let state = ConsentState::parse(&state)?;
            Some(StateCount {
                category,
                state,
                people,
            })
        })
        .collect())
}

/// One UTC day's opt-ins (grants) and opt-outs (withdrawals and declines).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    /// Days since the Unix epoch.
    pub day: i64,
    pub opt_ins: i64,
    pub opt_outs: i64,
}

/// The last `days` UTC days up to and including today's, oldest first, every day
/// present (zero when nothing happened), of one number or of all.
pub async fn recent_days(
    db: &Db,
    number_id: Option<&str>,
    today: i64,
    days: i64,
) -> anyhow::Result<Vec<Day>> {
    let first = today - days + 1;
    let rows: Vec<(i64, String, i64)> = match number_id {
        Some(id) => {
            sqlx::query_as(
                "SELECT day, action, CAST(SUM(events) AS BIGINT) FROM ledger_days \
                 WHERE day >= $1 AND day <= $2 AND business_number_id = $3 GROUP BY day, action",
            )
            .bind(first)
            .bind(today)
            .bind(id)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT day, action, CAST(SUM(events) AS BIGINT) FROM ledger_days \
                 WHERE day >= $1 AND day <= $2 GROUP BY day, action",
            )
            .bind(first)
            .bind(today)
            .fetch_all(&db.pool)
            .await?
        }
    };
    let mut out: Vec<Day> = (first..=today)
        .map(|day| Day {
            day,
            opt_ins: 0,
            opt_outs: 0,
        })
        .collect();
    for (day, action, events) in rows {
        let Some(slot) = out.get_mut((day - first) as usize) else {
            continue;
        };
        match ConsentAction::parse(&action) {
            Some(ConsentAction::Granted) => slot.opt_ins += events,
            Some(ConsentAction::Withdrawn | ConsentAction::Declined) => slot.opt_outs += events,
            _ => {}
        }
    }
    Ok(out)
}
