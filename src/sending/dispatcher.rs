//! Dispatch: a lane per business number. A scheduler starts a lane for each number
//! with messages due (up to `ASSENT_WORKERS` at once); the lane takes the
//! number's lease (`lanes`), claims its due messages in batches, paces them at the
//! number's rate, sends them concurrently (in order for each person), and records
//! the outcomes in batches. One number's deep queue or slow provider never holds up
//! another's, and a message costs no write of its own but its share of a batch.

use super::deliver::{self, Outcome};
use super::rate_limit::Bucket;
use super::{lanes, outbox};
use crate::db::new_id;
use crate::numbers::{self, BusinessNumber};
use crate::services::Services;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::Instant;

/// How long a lane's lease lasts without renewal (an instance that dies frees its
/// numbers after this).
const LANE_LEASE: Duration = Duration::from_secs(30);
/// A batch's messages stay claimed this long without renewal.
const BATCH_LEASE: Duration = Duration::from_secs(60);
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Outcomes are written together: as many as this, or what gathered in this time.
const SETTLE_BATCH: usize = 256;
const SETTLE_EVERY: Duration = Duration::from_millis(20);

/// Runs the scheduler until `stop` turns true; lanes finish what they hold.
pub async fn run(services: Services, mut stop: watch::Receiver<bool>) {
    let max_lanes = services.dispatch.workers;
    if max_lanes == 0 {
        return;
    }
    let mut lanes: JoinSet<String> = JoinSet::new();
    let mut running: HashSet<String> = HashSet::new();
    while !*stop.borrow() {
        while let Some(done) = lanes.try_join_next() {
            if let Ok(number_id) = done {
                running.remove(&number_id);
            }
        }
        match due_numbers(&services, &running).await {
            Ok(due) => {
                for number in due
                    .into_iter()
                    .take(max_lanes.saturating_sub(running.len()))
                {
                    running.insert(number.id.clone());
                    let (services, stop) = (services.clone(), stop.clone());
                    lanes.spawn(async move {
                        let id = number.id.clone();
                        if let Err(e) = lane(&services, number, stop).await {
                            tracing::error!(error = %format!("{e:#}"), "dispatch lane failed");
                        }
                        id
                    });
                }
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "dispatch scheduling failed"),
        }
        tokio::select! {
            _ = services.dispatch_wake.notified() => {}
            _ = tokio::time::sleep(services.dispatch.poll) => {}
            Some(done) = lanes.join_next(), if !lanes.is_empty() => {
                if let Ok(number_id) = done {
                    running.remove(&number_id);
                }
            }
            _ = stop.changed() => {}
        }
    }
    while lanes.join_next().await.is_some() {}
}

/// The numbers with messages due that have no lane here yet.
async fn due_numbers(
    services: &Services,
    running: &HashSet<String>,
) -> anyhow::Result<Vec<BusinessNumber>> {
    let mut due = Vec::new();
    for number in numbers::list(&services.db).await? {
        if !running.contains(&number.id) && outbox::has_due(&services.db, &number.id).await? {
            due.push(number);
        }
    }
    Ok(due)
}

/// One number's lane: until nothing is due, or `stop`.
async fn lane(
    services: &Services,
    number: BusinessNumber,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    let db = &services.db;
    let holder = new_id();
    if !lanes::acquire(db, &number.id, &holder, LANE_LEASE).await? {
        return Ok(());
    }
    let number = Arc::new(number);
    let mut bucket = Bucket::new(number.rate_per_second, number.rate_burst);
    // Enough sends in flight to keep the rate with a provider that answers in a
    // quarter of a second.
    let in_flight = Arc::new(Semaphore::new(
        ((number.rate_per_second / 4.0).ceil() as usize).clamp(4, 256),
    ));
    let batch_size = (number.rate_per_second.ceil() as i64).clamp(1, 500);
    let (outcomes, settled) = mpsc::unbounded_channel();
    let settler = tokio::spawn(settle_as_they_come(services.clone(), settled));
    let people = Arc::new(People::default());
    let mut sends = JoinSet::new();
    let mut renewed = Instant::now();
    // The next batch is claimed while the first half of this one goes out, so the
    // number's pace never waits on a claim (a write that may queue behind others).
    let mut next = None;
    'lane: while !*stop.borrow() {
        let prefetched = next.is_some();
        let batch = match next.take() {
            Some(claiming) => claiming.await??,
            None => outbox::claim_batch(db, &number.id, batch_size, BATCH_LEASE).await?,
        };
        let Some(claim_id) = batch.first().map(|m| m.claim_id.clone()) else {
            break;
        };
        if prefetched {
            // Its lease ran while the batch before went out.
            outbox::renew_batch(db, &number.id, &claim_id, BATCH_LEASE).await?;
        }
        let half = batch.len() / 2;
        for (i, message) in batch.into_iter().enumerate() {
            if i == half {
                let (db, number_id) = (db.clone(), number.id.clone());
                next = Some(tokio::spawn(async move {
                    outbox::claim_batch(&db, &number_id, batch_size, BATCH_LEASE).await
                }));
            }
            if *stop.borrow() {
                outbox::release_batch(db, &number.id, &claim_id).await?;
                break 'lane;
            }
            if renewed.elapsed() >= RENEW_EVERY {
                if !lanes::renew(db, &number.id, &holder, LANE_LEASE).await? {
                    tracing::warn!(number = %number.phone_number_id, "dispatch lane lost its lease");
                    break 'lane;
                }
                outbox::renew_batch(db, &number.id, &claim_id, BATCH_LEASE).await?;
                renewed = Instant::now();
            }
            bucket.take().await;
            let permit = in_flight.clone().acquire_owned().await?;
            let turn = people.queue(&message.contact_id);
            let (services, number, outcomes) = (services.clone(), number.clone(), outcomes.clone());
            let people = people.clone();
            sends.spawn(async move {
                let contact_id = message.contact_id.clone();
                let mut turn = turn;
                turn.wait().await;
                let outcome = deliver::deliver(&services, &number, message).await;
                let _ = outcomes.send(outcome);
                people.done(&contact_id, turn);
                drop(permit);
            });
            while sends.try_join_next().is_some() {}
        }
    }
    // A batch claimed ahead and not begun (a stop, a lost lease) goes back.
    if let Some(claiming) = next.take()
        && let Some(ahead) = claiming.await??.first()
    {
        outbox::release_batch(db, &number.id, &ahead.claim_id).await?;
    }
    while sends.join_next().await.is_some() {}
    drop(outcomes);
    settler.await??;
    lanes::release(db, &number.id, &holder).await?;
    Ok(())
}

/// Sends to one person leave one at a time, in the order they were accepted: each
/// waits for the one before it. Only people with a send in flight are kept.
#[derive(Default)]
struct People(std::sync::Mutex<HashMap<String, (u64, oneshot::Receiver<()>)>>);

struct Turn {
    seq: u64,
    before: Option<oneshot::Receiver<()>>,
    done: oneshot::Sender<()>,
}

impl Turn {
    async fn wait(&mut self) {
        if let Some(before) = self.before.take() {
            let _ = before.await;
        }
    }
}

impl People {
    fn queue(&self, contact_id: &str) -> Turn {
        static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let (done, after) = oneshot::channel();
        let mut people = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let before = people
            .insert(contact_id.to_owned(), (seq, after))
            .map(|(_, rx)| rx);
        Turn { seq, before, done }
    }

    fn done(&self, contact_id: &str, turn: Turn) {
        let _ = turn.done.send(());
        let mut people = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Nobody queued behind this send: forget the person.
        if people
            .get(contact_id)
            .is_some_and(|(seq, _)| *seq == turn.seq)
        {
            people.remove(contact_id);
        }
    }
}

/// Writes outcomes in batches as they arrive, until the lane closes the channel.
async fn settle_as_they_come(
    services: Services,
    mut arriving: mpsc::UnboundedReceiver<anyhow::Result<Outcome>>,
) -> anyhow::Result<()> {
    let mut batch = Vec::new();
    while let Some(first) = arriving.recv().await {
        batch.push(first);
        let deadline = Instant::now() + SETTLE_EVERY;
        while batch.len() < SETTLE_BATCH {
            match tokio::time::timeout_at(deadline, arriving.recv()).await {
                Ok(Some(next)) => batch.push(next),
                _ => break,
            }
        }
        let outcomes = std::mem::take(&mut batch)
            .into_iter()
            .filter_map(|o| {
                o.inspect_err(|e| tracing::error!(error = %format!("{e:#}"), "dispatch failed"))
                    .ok()
            })
            .collect::<Vec<_>>();
        deliver::settle(&services, outcomes).await?;
    }
    Ok(())
}

/// Dispatches one due message of any number, if any; true when one was handled.
/// Tests step the queue with it instead of running the lanes.
pub async fn dispatch_one(services: &Services) -> anyhow::Result<bool> {
    let db = &services.db;
    let Some(message) = outbox::claim(db, services.dispatch.lease).await? else {
        return Ok(false);
    };
    let number =
        numbers::by_id(&mut *db.pool.acquire().await?, &message.business_number_id).await?;
    let outcome = match number {
        Some(number) => deliver::deliver(services, &number, message).await?,
        None => Outcome::failed(message, 0, "the business number was removed".into()),
    };
    deliver::settle(services, vec![outcome]).await?;
    Ok(true)
}
