//! Each run of the integrity check, kept with its result and who ran it: the
//! dashboard says when the ledger was last verified and what was found, and the
//! audit log has the run too.

use super::verify::{Broken, VerifyReport, verify};
use crate::audit::{self, Doer, Entry};
use crate::db::{Db, new_id, now_ms};

/// One run, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verification {
    pub at: i64,
    /// Who ran it, as the audit log names them.
    pub by: String,
    pub events_checked: i64,
    pub head_hash: String,
    pub broken: Option<Broken>,
}

/// Verifies the whole chain and records the result (and an audit entry) in one
/// transaction.
pub async fn verify_and_record(db: &Db, who: &Doer) -> anyhow::Result<Verification> {
    let report = verify(db).await?;
    let done = Verification {
        at: now_ms(),
        by: who.name.clone(),
        events_checked: report.events_checked as i64,
        head_hash: report.head_hash.clone(),
        broken: report.broken.clone(),
    };
    let mut w = db.write().await?;
    sqlx::query(
        "INSERT INTO ledger_verifications (id, at, actor, actor_name, events_checked, head_hash, broken_seq, broken_event_id, problem) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(done.at)
    .bind(who.actor.to_string())
    .bind(&who.name)
    .bind(done.events_checked)
    .bind(&done.head_hash)
    .bind(done.broken.as_ref().map(|b| b.seq))
    .bind(done.broken.as_ref().map(|b| b.event_id.clone()))
    .bind(done.broken.as_ref().map(|b| b.problem.clone()))
    .execute(&mut *w)
    .await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "ledger.verified",
            target: "ledger",
            detail: &summary(&report),
        },
    )
    .await?;
    w.commit().await?;
    Ok(done)
}

fn summary(report: &VerifyReport) -> String {
    match &report.broken {
        None => format!(
            "intact: {} events, head {}",
            report.events_checked, report.head_hash
        ),
        Some(b) => format!(
            "BROKEN at event {}: {} ({} events before it verified)",
            b.seq, b.problem, report.events_checked
        ),
    }
}

/// The most recent run, if the ledger was ever verified.
pub async fn latest(db: &Db) -> anyhow::Result<Option<Verification>> {
    type Row = (
        i64,
        String,
        i64,
        String,
        Option<i64>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT at, actor_name, events_checked, head_hash, broken_seq, broken_event_id, problem \
         FROM ledger_verifications ORDER BY id DESC LIMIT 1",
    )
    .fetch_optional(&db.pool)
    .await?;
    Ok(row.map(
        |(at, by, events_checked, head_hash, seq, event_id, problem)| Verification {
            at,
            by,
            events_checked,
            head_hash,
            broken: seq.map(|seq| Broken {
                seq,
                event_id: event_id.unwrap_or_default(),
                problem: problem.unwrap_or_default(),
            }),
        },
    ))
}
