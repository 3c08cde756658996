//! Memory and start-up: Assent's RSS idle, with the deep queue and under the loads of
//! this run (the peaks the other scenarios recorded, so run it with them), and its
//! start-up on a migrated database, from process start to the first healthy
//! `/healthz`. The ceiling is the minimal actix-web + sqlx service, measured the same
//! way.

use super::Bench;
use crate::assent::A;
use crate::databases::Backend;
use crate::procs::Usage;
use crate::report::{Row, ms};
use std::time::Duration;

const STARTS: usize = 5;
/// How long a process is left alone before its idle RSS is read.
const SETTLE: Duration = Duration::from_secs(2);
const MB: f64 = 1e6;

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MB)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Assent's start-up times and its idle RSS after the first of them.
async fn assent_figures(b: &mut Bench, backend: Backend) -> anyhow::Result<(Duration, u64)> {
    let (db, _keys, first) = b.start_assent(backend, "memory", &[A], None).await?;
    first.stop().await?;
    let mut startups = vec![];
    let mut idle = 0;
    for i in 0..STARTS {
        let running = b
            .assent
            .serve(&db, None, &format!("memory-start{i}"))
            .await?;
        startups.push(running.startup);
        if i == 0 {
            tokio::time::sleep(SETTLE).await;
            idle = running.proc.usage()?.rss_bytes;
        }
        running.stop().await?;
    }
    b.databases.drop_it(db).await?;
    Ok((median(startups), idle))
}

async fn ceiling_figures(b: &mut Bench, backend: Backend) -> anyhow::Result<(Duration, u64)> {
    let db = b.databases.fresh(backend, "memory_ceiling").await?;
    let first = b.start_ceiling(backend, "full", &db.url).await?;
    first.proc.stop(Duration::from_secs(10)).await?;
    let mut startups = vec![];
    let mut idle = 0;
    for i in 0..STARTS {
        let service = b.start_ceiling(backend, "full", &db.url).await?;
        startups.push(service.startup);
        if i == 0 {
            tokio::time::sleep(SETTLE).await;
            idle = Usage::of(service.proc.pid())?.rss_bytes;
        }
        service.proc.stop(Duration::from_secs(10)).await?;
    }
    b.databases.drop_it(db).await?;
    Ok((median(startups), idle))
}

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (startup, idle) = assent_figures(b, backend).await?;
    let (c_startup, c_idle) = ceiling_figures(b, backend).await?;
    let ceiling_idle = format!("minimal service idle: {}", mb(c_idle));
    b.report.add(Row {
        backend: Some(backend),
        what: "memory: idle RSS".into(),
        figure: mb(idle),
        ceiling: ceiling_idle.clone(),
        ratio: Some(idle as f64 / c_idle as f64),
        target: "≤ 30 MB".into(),
        met: Some(idle as f64 <= 30.0 * MB),
    });
    let peaks = [
        (
            format!(
                "memory: peak RSS with {} queued, dispatching",
                crate::report::int(b.knobs.deep as f64)
            ),
            b.peak_deep_queue.get(&backend).copied(),
            "dispatch",
        ),
        (
            "memory: peak RSS under this run's loads".to_string(),
            b.peak_under_load.get(&backend).copied(),
            "a load scenario",
        ),
    ];
    for (what, peak, needs) in peaks {
        b.report.add(Row {
            backend: Some(backend),
            what,
            figure: peak.map_or(format!("not measured (run {needs} too)"), mb),
            ceiling: ceiling_idle.clone(),
            ratio: peak.map(|p| p as f64 / c_idle as f64),
            target: "≤ 150 MB".into(),
            met: peak.map(|p| p as f64 <= 150.0 * MB),
        });
    }
    b.report.add(Row {
        backend: Some(backend),
        what: format!("start-up on a migrated database (median of {STARTS})"),
        figure: ms(startup),
        ceiling: format!("minimal service: {}", ms(c_startup)),
        ratio: Some(startup.as_secs_f64() / c_startup.as_secs_f64()),
        target: "≤ 200 ms".into(),
        met: Some(startup <= Duration::from_millis(200)),
    });
    Ok(())
}
