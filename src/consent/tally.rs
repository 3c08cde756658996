//! The dashboard's figures, kept in step with the ledger by `ledger::append` (as
//! `states` is): how many people are in each state per category, and how many
//! events each UTC day saw. Reading them costs the same however long the ledger
//! grows; migration 0008 counted what was there before.

use super::event::ConsentAction;
use super::ledger::RecordedEvent;
use super::state::ConsentState;
use super::states::Noted;
use crate::db::{Db, ROWS_PER_STATEMENT, value_rows};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The UTC day of an epoch-ms time, as the daily counts number days.
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

/// Counts appended events, and the people whose state they moved (`noted`,
/// from `states::note_all`, one per event): summed here first, so the counts
/// take two statements however many events there are.
pub(super) async fn note_all(
    conn: &mut AnyConnection,
    events: &[RecordedEvent],
    noted: &[Noted],
) -> anyhow::Result<()> {
    let mut days: BTreeMap<(i64, &str, &str, &str), i64> = BTreeMap::new();
    let mut people: BTreeMap<(&str, &str, &str), i64> = BTreeMap::new();
    for (event, noted) in events.iter().zip(noted) {
        *days
            .entry((
                day_of(event.created_at),
                &event.business_number_id,
                &event.category,
                event.action.as_str(),
            ))
            .or_default() += 1;
        for m in &noted.moved {
            for (state, by) in [(m.was, -1i64), (Some(m.is), 1)] {
                if let Some(state) = state.filter(|s| *s != ConsentState::None) {
                    *people
                        .entry((&event.business_number_id, &m.category, state.as_str()))
                        .or_default() += by;
                }
            }
        }
    }
    let days: Vec<_> = days.into_iter().collect();
    for chunk in days.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO ledger_days (day, business_number_id, category, action, events) VALUES {} \
             ON CONFLICT (day, business_number_id, category, action) \
             DO UPDATE SET events = ledger_days.events + excluded.events",
            value_rows(1, chunk.len(), 5)
        );
        let mut upsert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((day, number, category, action), events) in chunk {
            upsert = upsert
                .bind(*day)
                .bind(*number)
                .bind(*category)
                .bind(*action)
                .bind(*events);
        }
        upsert.execute(&mut *conn).await?;
    }
    let people: Vec<_> = people.into_iter().filter(|(_, by)| *by != 0).collect();
    for chunk in people.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO consent_tallies (business_number_id, category, state, people) VALUES {} \
             ON CONFLICT (business_number_id, category, state) \
             DO UPDATE SET people = consent_tallies.people + excluded.people",
            value_rows(1, chunk.len(), 4)
        );
        let mut upsert = sqlx::query(sqlx::AssertSqlSafe(sql));
        for ((number, category, state), by) in chunk {
            upsert = upsert.bind(*number).bind(*category).bind(*state).bind(*by);
        }
        upsert.execute(&mut *conn).await?;
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
