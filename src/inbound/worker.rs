//! Processes stored webhook payloads in the background, so Meta's POST is answered
//! at once; a payload whose processing failed is retried with backoff.
//!
//! Payloads are claimed in batches (one write) and settled in batches (one
//! write); within a batch, payloads about different people are processed side
//! by side (`batch`), so one number's thousands of statuses a second do not
//! wait on one another's commits.

use super::process::Outcome;
use super::statuses::{self, Reported, StatusesOnly};
use super::store::{Claimed, Settled};
use super::{batch, process, store};
use crate::db::now_ms;
use crate::jobs;
use crate::numbers;
use crate::services::Services;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// A status may arrive before the dispatcher has recorded Meta's id for the
/// message; such a payload is looked at again for this long.
const UNMATCHED_PATIENCE_MS: i64 = 2 * 60 * 1000;

/// Payloads claimed at once.
const BATCH: i64 = 100;

/// Chains of one batch processed at the same time: each holds a database
/// connection, and the requests Meta is waiting on need some too (PostgreSQL's
/// pool has 16, SQLite's 8).
const SIDE_BY_SIDE: usize = 6;

const LEASE: Duration = Duration::from_secs(5 * 60);

pub async fn run(services: Services, stop: watch::Receiver<bool>) {
    let poll = services.dispatch.poll;
    jobs::work(
        "webhook processing",
        stop,
        &services.inbound_wake,
        poll,
        || process_due(&services),
    )
    .await;
}

/// Processes a batch of due payloads, if any; true when some were handled.
pub async fn process_due(services: &Services) -> anyhow::Result<bool> {
    let jobs = Arc::new(store::claim(&services.db, LEASE, BATCH).await?);
    if jobs.is_empty() {
        return Ok(false);
    }
    let subjects: Vec<_> = jobs
        .iter()
        .map(|job| batch::subjects(&job.id, &job.body))
        .collect();
    // People whose payloads only report statuses have them recorded together,
    // one write per number; everyone else's go one by one, in their chains.
    let mut only: Vec<Option<StatusesOnly>> = jobs
        .iter()
        .map(|job| statuses::statuses_only(&job.body))
        .collect();
    let mut chains = Vec::new();
    let mut together: Vec<usize> = Vec::new();
    for chain in batch::chains(&subjects) {
        if chain.iter().all(|&i| only[i].is_some()) {
            together.extend(chain);
        } else {
            chains.push(chain);
        }
    }
    together.sort_unstable();
    let mut by_number: Vec<(String, Vec<(usize, Vec<Reported>)>)> = Vec::new();
    for i in together {
        let Some(StatusesOnly {
            phone_number_id,
            statuses,
        }) = only[i].take()
        else {
            continue;
        };
        match by_number.iter_mut().find(|(n, _)| *n == phone_number_id) {
            Some((_, payloads)) => payloads.push((i, statuses)),
            None => by_number.push((phone_number_id, vec![(i, statuses)])),
        }
    }
    let mut waiting = by_number
        .into_iter()
        .map(|(number, payloads)| Work::Statuses(number, payloads))
        .chain(chains.into_iter().map(Work::Chain));
    let mut running = JoinSet::new();
    let mut settled: Vec<(usize, Settled)> = Vec::with_capacity(jobs.len());
    loop {
        while running.len() < SIDE_BY_SIDE
            && let Some(work) = waiting.next()
        {
            let (services, jobs) = (services.clone(), jobs.clone());
            match work {
                Work::Statuses(number, payloads) => {
                    running.spawn(process_statuses(services, jobs, number, payloads))
                }
                Work::Chain(chain) => running.spawn(process_chain(services, jobs, chain)),
            };
        }
        match running.join_next().await {
            Some(Ok(done)) => settled.extend(done),
            // Its payloads stay claimed and are taken again when the lease ends.
            Some(Err(e)) => tracing::error!(error = %e, "webhook processing stopped midway"),
            None => break,
        }
    }
    let batch: Vec<(&Claimed, Settled)> = settled
        .into_iter()
        .map(|(i, outcome)| (&jobs[i], outcome))
        .collect();
    store::settle(&services.db, &batch).await?;
    Ok(true)
}

/// What one task of a batch does.
enum Work {
    /// One number's payloads that only report statuses, recorded together.
    Statuses(String, Vec<(usize, Vec<Reported>)>),
    /// The payloads about one person, in order.
    Chain(Vec<usize>),
}

/// Processes one chain's payloads in order. After a failure the rest of the
/// chain waits as long as the failed payload, so their order holds on retry.
async fn process_chain(
    services: Services,
    jobs: Arc<Vec<Claimed>>,
    chain: Vec<usize>,
) -> Vec<(usize, Settled)> {
    let mut out = Vec::with_capacity(chain.len());
    let mut held: Option<i64> = None;
    for i in chain {
        let job = &jobs[i];
        if let Some(at) = held {
            let why = "waits for an earlier payload about the same person".to_owned();
            out.push((i, Settled::Retry { at, why }));
            continue;
        }
        let processed = process::payload(&services, &job.id, &job.body).await;
        let failed = processed.is_err();
        let settled = settled(job, processed);
        if failed && let Settled::Retry { at, .. } = &settled {
            held = Some(*at);
        }
        out.push((i, settled));
    }
    out
}

/// Records the statuses of payloads about one number (`statuses::record`) in
/// one write; when that fails, one payload at a time, so one that cannot be
/// recorded holds back no other.
async fn process_statuses(
    services: Services,
    jobs: Arc<Vec<Claimed>>,
    phone_number_id: String,
    payloads: Vec<(usize, Vec<Reported>)>,
) -> Vec<(usize, Settled)> {
    let all = |outcome: &dyn Fn() -> anyhow::Result<Outcome>| -> Vec<(usize, Settled)> {
        payloads
            .iter()
            .map(|(i, _)| (*i, settled(&jobs[*i], outcome())))
            .collect()
    };
    let number = match services.db.pool.acquire().await {
        Ok(mut conn) => numbers::by_phone_number_id(&mut conn, &phone_number_id).await,
        Err(e) => Err(e.into()),
    };
    let number = match number {
        Ok(Some(number)) => number,
        Ok(None) => {
            tracing::info!("statuses for no number of ours: acknowledged, not processed");
            // Personal data tied to nobody: not kept.
            return all(&|| {
                Ok(Outcome {
                    personal_unattributed: true,
                    ..Outcome::default()
                })
            });
        }
        Err(e) => {
            let why = format!("{e:#}");
            return all(&|| Err(anyhow::anyhow!("{why}")));
        }
    };
    let named: Vec<(&str, &[Reported])> = payloads
        .iter()
        .map(|(i, reported)| (jobs[*i].id.as_str(), reported.as_slice()))
        .collect();
    match statuses::record(&services, &number, &named).await {
        Ok(outcomes) => payloads
            .iter()
            .zip(outcomes)
            .map(|((i, _), outcome)| (*i, settled(&jobs[*i], Ok(outcome))))
            .collect(),
        Err(e) => {
            if payloads.len() > 1 {
                tracing::warn!(error = %format!("{e:#}"), payloads = payloads.len(), "statuses recorded together failed: now one payload at a time");
            }
            let mut out = Vec::with_capacity(payloads.len());
            for (i, one) in named.iter().enumerate() {
                let recorded =
                    match statuses::record(&services, &number, std::slice::from_ref(one)).await {
                        Ok(mut outcomes) => outcomes
                            .pop()
                            .ok_or_else(|| anyhow::anyhow!("a payload's statuses gave no outcome")),
                        Err(e) => Err(e),
                    };
                let job = payloads[i].0;
                out.push((job, settled(&jobs[job], recorded)));
            }
            out
        }
    }
}

/// What becomes of a payload after it was processed: done, or looked at again
/// later (a status about a message not known yet; a failure, with backoff).
fn settled(job: &Claimed, processed: anyhow::Result<Outcome>) -> Settled {
    match processed {
        Ok(outcome)
            if outcome.unmatched_statuses && now_ms() - job.received_at < UNMATCHED_PATIENCE_MS =>
        {
            Settled::Retry {
                at: now_ms() + 2_000,
                why: "a status named a message not yet known".to_owned(),
            }
        }
        Ok(outcome) => Settled::Done {
            keep: !outcome.personal_unattributed,
        },
        Err(e) => {
            let delay = jobs::backoff(
                Duration::from_secs(2),
                Duration::from_secs(600),
                job.attempts,
            );
            let why = format!("{e:#}");
            tracing::warn!(payload = %job.id, attempt = job.attempts, error = %why, "webhook payload will be processed again");
            Settled::Retry {
                at: now_ms() + delay.as_millis() as i64,
                why,
            }
        }
    }
}
