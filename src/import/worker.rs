//! Records queued imports, one batch of rows at a time. A batch is one write
//! transaction under the number's lock: its ledger events, the forwards to the
//! business, each row's outcome and the import's counters commit together or
//! not at all, so a crash or a restart goes on from the first row not settled
//! and no row is ever recorded twice. Between batches the import is let go and
//! claimed again, so imports of several files take turns, and the number's
//! lock is free for sends and other consent changes.

use super::rules::{self, Consent, Verdict};
use super::store::{self, Counts, Outcome};
use crate::audit::{self, Entry};
use crate::consent::{self, Evidence, Notice, Provenance, Source, suppression};
use crate::db::now_ms;
use crate::domain::{Actor, CategoryName, Recipient};
use crate::jobs::{self, Queue};
use crate::recording::{self, Decision};
use crate::services::Services;
use crate::{categories, contacts};
use sqlx::AnyConnection;
use std::collections::HashSet;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Rows per batch: small enough that the number's lock is held briefly.
const BATCH: i64 = 250;
const LEASE: Duration = Duration::from_secs(120);
/// An upload nothing was added to for this long died with its process.
const ABANDONED_AFTER: Duration = Duration::from_secs(15 * 60);

const QUEUE: Queue = Queue {
    table: "imports",
    due: "(state = 'queued' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2))",
    claim_sets: "",
    order_by: "next_attempt_at, id",
    returning: "id, business_number_id, file_sha256, actor, attempts, claim_id",
};

#[derive(Debug, sqlx::FromRow)]
struct Claimed {
    id: String,
    business_number_id: String,
    file_sha256: Option<String>,
    actor: String,
    attempts: i64,
    claim_id: String,
}

/// Records one batch of the next import that is due; true when there was one.
pub async fn import_one(s: &Services) -> anyhow::Result<bool> {
    let Some(job): Option<Claimed> = jobs::claim(&s.db, &QUEUE, LEASE).await? else {
        return Ok(false);
    };
    if let Err(e) = batch(s, &job).await {
        let delay = jobs::jittered(jobs::backoff(
            Duration::from_secs(2),
            Duration::from_secs(600),
            job.attempts,
        ));
        let error = format!("{e:#}");
        tracing::warn!(import = %job.id, attempt = job.attempts, error = %error, "import batch failed; it will be tried again");
        store::retry_later(
            &s.db,
            &job.id,
            &job.claim_id,
            delay.as_millis() as i64,
            &error,
        )
        .await?;
    }
    Ok(true)
}

async fn batch(s: &Services, job: &Claimed) -> anyhow::Result<()> {
    let known: Vec<CategoryName> = categories::list(&s.db)
        .await?
        .into_iter()
        .map(|c| c.name)
        .collect();
    let actor = Actor::parse(&job.actor)
        .ok_or_else(|| anyhow::anyhow!("import {} has no actor", job.id))?;
    let source_ref = format!("import:{}", job.file_sha256.as_deref().unwrap_or_default());
    // Rows are read and checked before the transaction, so the number's lock
    // is not held while phone numbers are parsed. Only the holder of the claim
    // settles them: the fence below proves it still is.
    let rows = store::pending(&mut *s.db.pool.acquire().await?, &job.id, BATCH).await?;
    let now = now_ms();
    let checked: Vec<_> = rows
        .iter()
        .map(|row| (row.line, rules::check(row, &known, now)))
        .collect();
    let mut tx = s.db.write_for(&job.business_number_id).await?;
    if !store::fence(&mut tx, &job.id, &job.claim_id).await? {
        // Our lease ran out and another worker holds the import now.
        return Ok(());
    }
    let mut counts = Counts::default();
    // Rows to record wait to be recorded together (`recording::record_all`); a
    // row about the same person and category as a waiting one is considered
    // only after those are recorded, so it sees what the earlier row did.
    let mut waiting: Vec<(i64, Decision)> = Vec::new();
    let mut waiting_for: HashSet<(String, CategoryName)> = HashSet::new();
    for (line, checked) in checked {
        let outcome = match checked {
            Err(reason) => Outcome::Rejected(reason),
            Ok(consent) => {
                let key = (consent.phone.wa_id().to_owned(), consent.category.clone());
                if waiting_for.contains(&key) {
                    let recorded = std::mem::take(&mut waiting);
                    waiting_for.clear();
                    record(&mut tx, job, recorded, &mut counts).await?;
                }
                let how = provenance(&consent, &source_ref, &actor);
                match consider(s, &mut tx, &job.business_number_id, consent, how).await? {
                    Considered::Done(outcome) => outcome,
                    Considered::Record(decision) => {
                        waiting_for.insert(key);
                        waiting.push((line, decision));
                        continue;
                    }
                }
            }
        };
        store::settle(&mut tx, &job.id, line, &outcome).await?;
        counts.add(&outcome);
    }
    record(&mut tx, job, waiting, &mut counts).await?;
    let finished = (rows.len() as i64) < BATCH;
    store::advance(&mut tx, &job.id, &counts, finished).await?;
    if finished {
        let done = store::summary(&mut tx, &job.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("import {} vanished", job.id))?;
        audit::record(
            &mut tx,
            &done.doer()?,
            Entry {
                action: "import.completed",
                target: &format!("import:{}", job.id),
                detail: &format!(
                    "{} rows: {} recorded, {} already granted, {} rejected",
                    done.done_rows, done.recorded, done.already_granted, done.rejected
                ),
            },
        )
        .await?;
    }
    tx.commit().await?;
    if finished {
        tracing::info!(import = %job.id, "import finished");
    }
    Ok(())
}

/// The event an imported consent becomes: source `import`, the file's hash as
/// its reference, the notice version the file names, the staff member who
/// uploaded it, and what the file says of it as evidence.
fn provenance(consent: &Consent, source_ref: &str, actor: &Actor) -> Provenance {
    Provenance {
        source: Source::Import,
        source_ref: Some(source_ref.to_owned()),
        notice: Some(Notice {
            version: consent.notice_version.clone(),
            sha256: None,
        }),
        language: None,
        actor: actor.clone(),
        evidence: Evidence {
            detail: consent.evidence.clone(),
            collected_at: Some(consent.granted_at_text()),
            collection_method: Some(consent.source.clone()),
            ..Evidence::default()
        },
    }
}

/// Records rows' decisions together through the one consent path, and settles
/// each row with what became of it.
async fn record(
    tx: &mut AnyConnection,
    job: &Claimed,
    rows: Vec<(i64, Decision)>,
    counts: &mut Counts,
) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let (lines, decisions): (Vec<i64>, Vec<Decision>) = rows.into_iter().unzip();
    let recorded = recording::record_all(tx, &job.business_number_id, decisions).await?;
    for (line, recorded) in lines.into_iter().zip(recorded) {
        let outcome = match recorded {
            Ok(_) => Outcome::Recorded,
            Err(refused) => Outcome::Rejected(refused.to_string()),
        };
        store::settle(tx, &job.id, line, &outcome).await?;
        counts.add(&outcome);
    }
    Ok(())
}

/// What a row comes to against what the ledger holds for the person.
enum Considered {
    Done(Outcome),
    /// A consent the ledger does not hold yet: to be recorded.
    Record(Decision),
}

/// Sets a consent against what the ledger holds for the person.
async fn consider(
    s: &Services,
    tx: &mut AnyConnection,
    business_number_id: &str,
    consent: Consent,
    how: Provenance,
) -> anyhow::Result<Considered> {
    let who = Recipient::Phone(consent.phone.clone());
    let key = suppression::key(&s.secret, &who);
    let suppressed = suppression::is_suppressed(tx, business_number_id, &key).await?;
    let current = match contacts::find(tx, business_number_id, &who).await? {
        Some(contact) => {
            consent::states::of_category(tx, &contact.id, consent.category.as_str()).await?
        }
        None => None,
    };
    Ok(
        match rules::decide(&consent, current.as_ref(), suppressed) {
            Verdict::AlreadyGranted => Considered::Done(Outcome::AlreadyGranted),
            Verdict::Reject(reason) => Considered::Done(Outcome::Rejected(reason)),
            Verdict::Record => Considered::Record(Decision {
                who,
                category: consent.category,
                action: consent::ConsentAction::Granted,
                confirmation_template: None,
                how,
            }),
        },
    )
}

/// Removes uploads whose process died before the end of the file.
pub async fn discard_abandoned(s: &Services) -> anyhow::Result<bool> {
    let idle_since = now_ms() - ABANDONED_AFTER.as_millis() as i64;
    for id in store::abandoned(&s.db, idle_since).await? {
        tracing::info!(import = %id, "an upload that never finished was removed");
        store::discard(&s.db, &id).await?;
    }
    Ok(false)
}

/// Records imports as they are queued, and sweeps abandoned uploads (every
/// few minutes).
pub async fn run(services: Services, stop: watch::Receiver<bool>) {
    let never = Notify::new();
    let sweep = {
        let services = services.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let never = Notify::new();
            jobs::work(
                "import sweep",
                stop,
                &never,
                Duration::from_secs(300),
                || discard_abandoned(&services),
            )
            .await;
        })
    };
    let poll = services.dispatch.poll;
    jobs::work("import", stop, &never, poll, || import_one(&services)).await;
    let _ = sweep.await;
}
