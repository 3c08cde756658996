//! Dispatch: a queue of accepted messages must drain to the provider at the number's
//! limit (1 000 msg/s, every second of the window within ±2 %) with Assent under half
//! a core, and one dispatch must cost the same CPU whatever the queue's depth.
//!
//! The queue is filled through the API while Assent runs without dispatcher workers;
//! Assent is then restarted with its default workers, and the stand-in counts what
//! arrives in each whole second of its clock, after two seconds of start-up.

use super::{Bench, recipients};
use crate::assent::A;
use crate::databases::Backend;
use crate::graph::now_ms;
use crate::procs::Usage;
use crate::report::{Row, int, per_second};
use std::collections::BTreeMap;
use std::time::Duration;

const LIMIT: f64 = 1000.0;
const TOLERANCE: f64 = 0.02;

struct Drain {
    queued: u64,
    /// Messages that arrived in each whole second of the window.
    seconds: Vec<u64>,
    /// CPU seconds Assent spent in the window, and the messages it sent in it.
    cpu_seconds: f64,
    messages: u64,
    wall: Duration,
    peak_rss: u64,
}

impl Drain {
    fn mean(&self) -> f64 {
        self.messages as f64 / self.wall.as_secs_f64()
    }

    fn cpu_per_message(&self) -> f64 {
        self.cpu_seconds / self.messages.max(1) as f64
    }

    fn cores(&self) -> f64 {
        self.cpu_seconds / self.wall.as_secs_f64()
    }

    fn steady(&self) -> bool {
        !self.seconds.is_empty()
            && self
                .seconds
                .iter()
                .all(|&n| (n as f64 - LIMIT).abs() <= LIMIT * TOLERANCE)
    }

    fn spread(&self) -> String {
        let min = self.seconds.iter().min().copied().unwrap_or(0);
        let max = self.seconds.iter().max().copied().unwrap_or(0);
        format!(
            "{} msg/s (seconds {}–{}, {} s)",
            int(self.mean()),
            int(min as f64),
            int(max as f64),
            self.seconds.len()
        )
    }
}

async fn sleep_until_ms(at: i64) {
    let wait = at - now_ms();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
}

async fn drain(b: &mut Bench, backend: Backend, queued: u64, label: &str) -> anyhow::Result<Drain> {
    let (db, keys, assent) = b.start_assent(backend, label, &[A], Some(0)).await?;
    let key = &keys[0];
    assent.register_template(key).await?;
    assent
        .grant_all(key, recipients(b.knobs.recipients))
        .await?;
    b.fill_queue(&assent, key, queued).await?;
    assent.stop().await?;
    b.graph.reset().await?;

    let assent = b
        .assent
        .serve(&db, None, &format!("{label}-dispatch"))
        .await?;
    let pid = assent.proc.pid();
    let first = now_ms() / 1000 + 3;
    sleep_until_ms(first * 1000).await;
    let cpu_start = Usage::of(pid)?.cpu_seconds;
    let started = std::time::Instant::now();
    let window = b.knobs.dispatch_window.as_secs() as i64;
    let mut end = first;
    let drained = loop {
        end += 1;
        sleep_until_ms(end * 1000).await;
        let total = b.graph.counts(A.phone_number_id).await?.total;
        if total >= queued {
            break true;
        }
        if end - first >= window {
            break false;
        }
    };
    let usage = Usage::of(pid)?;
    let wall = started.elapsed();
    // Calls answered after the last boundary land in their second too.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let counts = b.graph.counts(A.phone_number_id).await?;
    b.finish(assent, db, false).await?;

    let per_second: BTreeMap<i64, u64> = counts.per_second.into_iter().collect();
    let messages = per_second.range(first..end).map(|(_, n)| n).sum();
    // The second the queue ran dry in is not a whole second of dispatch.
    let last_full = if drained {
        per_second.keys().next_back().copied().unwrap_or(first)
    } else {
        end
    };
    anyhow::ensure!(
        last_full > first,
        "{label}: the queue of {queued} drained before the window began; raise BENCH_SHALLOW"
    );
    Ok(Drain {
        queued,
        seconds: (first..last_full)
            .map(|s| per_second.get(&s).copied().unwrap_or(0))
            .collect(),
        cpu_seconds: usage.cpu_seconds - cpu_start,
        messages,
        wall,
        peak_rss: usage.peak_rss_bytes,
    })
}

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let shallow = drain(b, backend, b.knobs.shallow, "dispatch_shallow").await?;
    let deep = drain(b, backend, b.knobs.deep, "dispatch_deep").await?;
    b.peak_deep_queue.insert(backend, deep.peak_rss);
    for d in [&shallow, &deep] {
        b.report.add(Row {
            backend: Some(backend),
            what: format!("dispatch, {} queued: drain rate", int(d.queued as f64)),
            figure: d.spread(),
            ceiling: format!("number's limit {}", per_second(LIMIT)),
            ratio: Some(d.mean() / LIMIT),
            target: "every second 980–1 020".into(),
            met: Some(d.steady()),
        });
    }
    let (c_shallow, c_deep) = (shallow.cpu_per_message(), deep.cpu_per_message());
    b.report.add(Row {
        backend: Some(backend),
        what: format!(
            "dispatch: CPU per message, {} vs {} queued",
            int(deep.queued as f64),
            int(shallow.queued as f64)
        ),
        figure: format!("{:.2} ms", c_deep * 1000.0),
        ceiling: format!("{:.2} ms", c_shallow * 1000.0),
        ratio: Some(c_shallow / c_deep),
        target: "≥ 0.95".into(),
        met: Some(c_shallow / c_deep >= 0.95),
    });
    b.report.add(Row {
        backend: Some(backend),
        what: format!("dispatch: Assent's CPU, {} queued", int(deep.queued as f64)),
        figure: format!(
            "{:.2} core at {} (≈ {:.1} cores at 1 000 msg/s)",
            deep.cores(),
            per_second(deep.mean()),
            c_deep * LIMIT
        ),
        ceiling: "½ core".into(),
        ratio: Some(deep.cores() / 0.5),
        target: "< ½ core at 1 000 msg/s".into(),
        met: Some(deep.steady() && deep.cores() < 0.5),
    });
    Ok(())
}
