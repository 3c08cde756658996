//! Walks the whole chain in order, in constant memory, and names the first event
//! that was altered, removed or reordered.

use super::chain::GENESIS;
use super::ledger::{EVENT_COLUMNS, StoredEvent};
use crate::db::Db;
use crate::digest::sha256_hex;
use futures_util::TryStreamExt;
use sqlx::{FromRow, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub seq: i64,
    pub event_id: String,
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub events_checked: u64,
    pub head_hash: String,
    pub broken: Option<Broken>,
}

pub async fn verify(db: &Db) -> anyhow::Result<VerifyReport> {
    // The head first: events appended while we walk lie beyond it and are left for
    // the next run, so a busy ledger verifies as intact.
    let head = sqlx::query("SELECT seq, hash FROM ledger_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await?;
    let (head_seq, head_hash): (i64, String) = (head.try_get("seq")?, head.try_get("hash")?);
    let sql = format!(
        "SELECT {cols}, ev.body AS evidence_body FROM ledger_events e \
         LEFT JOIN ledger_evidence ev ON ev.event_id = e.id WHERE e.seq <= $1 ORDER BY e.seq",
        cols = EVENT_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(head_seq)
        .fetch(&db.pool);
    let mut expected_seq = 1i64;
    let mut prev_hash = GENESIS.to_owned();
    let mut checked = 0u64;
    let broken = |e: &StoredEvent, problem: String| Broken {
        seq: e.seq,
        event_id: e.id.clone(),
        problem,
    };

    while let Some(row) = rows.try_next().await? {
        let event = StoredEvent::from_row(&row)?;
        let evidence: Option<String> = row.try_get("evidence_body")?;
        let problem = if event.seq != expected_seq {
            Some(format!(
                "sequence jumps from {} to {}: event(s) {}..{} were removed",
                expected_seq - 1,
                event.seq,
                expected_seq,
                event.seq - 1
            ))
        } else if event.prev_hash != prev_hash {
            Some("does not follow its predecessor (prev_hash mismatch): events were removed or reordered".to_owned())
        } else if event.chained().hash() != event.hash {
            Some("content was altered (hash mismatch)".to_owned())
        } else {
            match (&evidence, &event.evidence_sha256) {
                (Some(body), expected) if Some(sha256_hex(body.as_bytes())) != *expected => {
                    Some("evidence was altered (evidence_sha256 mismatch)".to_owned())
                }
                // Only erasure may remove evidence; anywhere else its loss is tampering.
                (None, Some(_)) if !subject_erased(db, &event.subject_id).await? => {
                    Some("evidence was deleted, but the person was never erased".to_owned())
                }
                _ => None,
            }
        };
        if let Some(problem) = problem {
            return Ok(VerifyReport {
                events_checked: checked,
                head_hash: prev_hash,
                broken: Some(broken(&event, problem)),
            });
        }
        prev_hash = event.hash;
        expected_seq += 1;
        checked += 1;
    }
    drop(rows);

    // The head records the last appended event, so removing events from the end shows too.
    let broken = (head_seq != expected_seq - 1 || head_hash != prev_hash).then(|| Broken {
        seq: head_seq,
        event_id: String::new(),
        problem: format!(
            "the chain ends at event {} but the ledger head records event {head_seq}: events at the end were removed",
            expected_seq - 1
        ),
    });
    Ok(VerifyReport {
        events_checked: checked,
        head_hash: prev_hash,
        broken,
    })
}

async fn subject_erased(db: &Db, subject_id: &str) -> anyhow::Result<bool> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT seq FROM ledger_events WHERE subject_id = $1 AND action = 'erased' LIMIT 1",
    )
    .bind(subject_id)
    .fetch_optional(&db.pool)
    .await?;
    Ok(found.is_some())
}

/// The sequence number of the event whose hash is `anchor`, if the chain holds it.
pub async fn anchored_at(db: &Db, anchor: &str) -> anyhow::Result<Option<i64>> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT seq FROM ledger_events WHERE hash = $1")
        .bind(anchor.trim().to_ascii_lowercase())
        .fetch_optional(&db.pool)
        .await?;
    Ok(found.map(|(seq,)| seq))
}
