//! Fairness: number B has its whole allowance unused while number A has a deep queue;
//! B's sends must reach the provider within 100 ms of being accepted, and A's provider
//! being slow or dead must not slow B's. Latency is from the moment Assent's answer
//! to B's send arrived to the moment the stand-in received that message (one clock,
//! one machine).
//!
//! One Assent, default workers, four series of probes: A idle (the ceiling: what a
//! send costs with nothing in the way); then A's queue filled while its provider
//! answers nothing; then A's provider slow; then A's provider fast again, its queue
//! still deep.

use super::{Bench, recipients};
use crate::assent::{A, B, Running};
use crate::databases::Backend;
use crate::graph::{Mode, now_ms};
use crate::report::{Row, ms};
use std::time::Duration;

const PROBES: u64 = 10;
const SPACING: Duration = Duration::from_millis(300);
/// How long after the last probe its message may still arrive.
const PATIENCE: Duration = Duration::from_secs(5);
const TARGET: Duration = Duration::from_millis(100);
const SLOW: Duration = Duration::from_secs(1);

struct Probes {
    /// Latency of each probe that arrived.
    arrived: Vec<Duration>,
    sent: u64,
}

impl Probes {
    fn max(&self) -> Option<Duration> {
        self.arrived.iter().max().copied()
    }

    fn median(&self) -> Option<Duration> {
        let mut v = self.arrived.clone();
        v.sort();
        v.get(v.len() / 2).copied()
    }

    fn all_arrived(&self) -> bool {
        self.arrived.len() as u64 == self.sent
    }

    fn figure(&self) -> String {
        match (self.max(), self.median()) {
            (Some(max), Some(median)) if self.all_arrived() => {
                format!("max {}, median {}", ms(max), ms(median))
            }
            (Some(max), _) => format!(
                "{} of {} arrived within {} s (max {})",
                self.arrived.len(),
                self.sent,
                PATIENCE.as_secs(),
                ms(max)
            ),
            _ => format!(
                "none of {} arrived within {} s",
                self.sent,
                PATIENCE.as_secs()
            ),
        }
    }
}

/// Sends B's probes one after another, then waits for them at the stand-in.
async fn probe(b: &Bench, assent: &Running, key: &str, series: u64) -> anyhow::Result<Probes> {
    let seen = b.graph.counts(B.phone_number_id).await?.total as usize;
    let mut accepted = vec![];
    for i in 0..PROBES {
        let to = format!("+3463{:07}", series * PROBES + i);
        assent.send(key, &B, &to).await?;
        accepted.push((to, now_ms()));
        tokio::time::sleep(SPACING).await;
    }
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let arrivals = b.graph.arrivals(B.phone_number_id, seen).await?;
        let arrived: Vec<Duration> = accepted
            .iter()
            .filter_map(|(to, at)| {
                arrivals
                    .iter()
                    .find(|a| &a.to == to)
                    .map(|a| Duration::from_millis((a.at_ms - at).max(0) as u64))
            })
            .collect();
        if arrived.len() == accepted.len() || std::time::Instant::now() > deadline {
            return Ok(Probes {
                arrived,
                sent: PROBES,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    b.graph.reset().await?;
    let (db, keys, assent) = b.start_assent(backend, "fairness", &[A, B], None).await?;
    let (key_a, key_b) = (&keys[0], &keys[1]);
    let result = async {
        assent.register_template(key_a).await?;
        assent.register_template(key_b).await?;
        assent
            .grant_all(key_a, recipients(b.knobs.recipients))
            .await?;
        let probes_b = (0..4 * PROBES).map(|i| format!("+3463{i:07}")).collect();
        assent.grant_all(key_b, probes_b).await?;

        let idle = probe(b, &assent, key_b, 0).await?;
        b.graph
            .fault(A.phone_number_id, Mode::Dead, Duration::ZERO)
            .await?;
        b.fill_queue(&assent, key_a, b.knobs.shallow).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let dead = probe(b, &assent, key_b, 1).await?;
        b.graph.fault(A.phone_number_id, Mode::Slow, SLOW).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let slow = probe(b, &assent, key_b, 2).await?;
        b.graph
            .fault(A.phone_number_id, Mode::Ok, Duration::ZERO)
            .await?;
        let fast = probe(b, &assent, key_b, 3).await?;
        anyhow::Ok((idle, dead, slow, fast))
    }
    .await;
    // Calls held by the dead provider are answered, so Assent stops at once.
    b.graph.reset().await?;
    b.finish(assent, db, false).await?;
    let (idle, dead, slow, fast) = result?;

    let ceiling = idle.max();
    let queued = crate::report::int(b.knobs.shallow as f64);
    let series = [
        ("B's send, A idle".to_string(), &idle),
        (
            format!("B's send, A: {queued} queued, provider fast"),
            &fast,
        ),
        (
            format!("B's send, A: {queued} queued, provider slow (1 s a call)"),
            &slow,
        ),
        (
            format!("B's send, A: {queued} queued, provider dead (no answer)"),
            &dead,
        ),
    ];
    for (what, p) in series {
        let is_ceiling = std::ptr::eq(p, &idle);
        b.report.add(Row {
            backend: Some(backend),
            what: format!("fairness: {what}"),
            figure: p.figure(),
            ceiling: match (is_ceiling, ceiling) {
                (false, Some(c)) => format!("A idle: max {}", ms(c)),
                _ => "—".into(),
            },
            ratio: match (is_ceiling, p.max(), ceiling) {
                (false, Some(m), Some(c)) if p.all_arrived() => {
                    Some(m.as_secs_f64() / c.as_secs_f64().max(1e-4))
                }
                _ => None,
            },
            target: "≤ 100 ms".into(),
            met: Some(p.all_arrived() && p.max().is_some_and(|m| m <= TARGET)),
        });
    }
    Ok(())
}
