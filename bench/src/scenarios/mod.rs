//! A run: the stand-in Graph API started once, then for each backend the scenarios
//! asked for, each on fresh databases, each figure beside its ceiling measured in the
//! same run; the Markdown table at the end.

mod ceilings;
mod dispatch;
mod fairness;
mod ledger;
mod memory;
mod reads;
mod refused;
mod webhooks;
mod writes;

use crate::assent::{self, Assent, Running};
use crate::config::{Knobs, RunArgs};
use crate::databases::{Backend, Database, Databases};
use crate::report::Report;
use crate::wrk::{Amount, Load, Outcome, Request, Wrk};
use crate::{graph, report};
use std::collections::HashMap;
use std::path::PathBuf;

pub use ceilings::Ceiling;

pub struct Bench {
    pub knobs: Knobs,
    pub run_dir: PathBuf,
    pub self_bin: PathBuf,
    pub assent: Assent,
    pub databases: Databases,
    pub wrk: Wrk,
    pub graph: graph::Client,
    pub report: Report,
    ceilings: HashMap<(Backend, Ceiling, u32), Outcome>,
    /// Assent's highest RSS under the load scenarios and with the deep queue, for
    /// the memory rows.
    pub peak_under_load: HashMap<Backend, u64>,
    pub peak_deep_queue: HashMap<Backend, u64>,
    pub notes: Vec<String>,
}

pub async fn run(args: RunArgs) -> anyhow::Result<()> {
    let selected = args.selected()?;
    let backends = args
        .backends
        .iter()
        .map(|b| Backend::parse(b))
        .collect::<anyhow::Result<Vec<_>>>()?;
    if backends.contains(&Backend::Postgres) && args.postgres_url.is_none() {
        anyhow::bail!(
            "BENCH_BACKENDS names postgres but BENCH_POSTGRES_URL is not set (bash bench/run starts a throw-away PostgreSQL)"
        );
    }
    std::fs::create_dir_all(&args.run_dir)?;
    let knobs = args.knobs();
    eprintln!(
        "== scenarios: {}; backends: {}; {knobs:?}",
        selected.join(", "),
        args.backends.join(", ")
    );
    let graph = graph::Client::start(&args.self_bin, &args.run_dir).await?;
    let mut b = Bench {
        knobs,
        run_dir: args.run_dir.clone(),
        self_bin: args.self_bin.clone(),
        assent: Assent::new(args.assent_bin.clone(), &args.run_dir)?,
        databases: Databases::new(args.run_dir.clone(), args.postgres_url.clone()),
        wrk: Wrk::new(&args.run_dir)?,
        graph,
        report: Report::default(),
        ceilings: HashMap::new(),
        peak_under_load: HashMap::new(),
        peak_deep_queue: HashMap::new(),
        notes: vec![],
    };
    let started = std::time::Instant::now();
    if selected
        .iter()
        .any(|s| ["dispatch", "fairness", "webhooks"].contains(s))
    {
        ceilings::standin(&mut b).await?;
    }
    for backend in backends {
        eprintln!("== {} ==", backend.title());
        ceilings::assent_healthz(&mut b, backend).await?;
        for scenario in &selected {
            eprintln!("-- {scenario} on {} --", backend.title());
            let t = std::time::Instant::now();
            match *scenario {
                "dispatch" => dispatch::run(&mut b, backend).await?,
                "fairness" => fairness::run(&mut b, backend).await?,
                "consent_write" => writes::consent_write(&mut b, backend).await?,
                "gated_send" => writes::gated_send(&mut b, backend).await?,
                "refused_send" => refused::run(&mut b, backend).await?,
                "consent_read" => reads::run(&mut b, backend).await?,
                "ledger_search" => ledger::run(&mut b, backend).await?,
                "webhooks" => webhooks::run(&mut b, backend).await?,
                "memory" => memory::run(&mut b, backend).await?,
                other => unreachable!("checked by RunArgs::selected: {other}"),
            }
            eprintln!("   ({scenario}: {:.0} s)", t.elapsed().as_secs_f64());
        }
    }
    b.graph.proc.stop(std::time::Duration::from_secs(5)).await?;
    eprintln!("== done in {:.0} s ==", started.elapsed().as_secs_f64());
    let machine = format!("{}, `{}`", report::machine(), crate::wrk::version().await);
    println!(
        "{}",
        b.report.markdown(&report::today(), &machine, &b.notes)
    );
    Ok(())
}

impl Bench {
    /// A fresh database with Assent's numbers registered on the stand-in (their API
    /// keys, in the order given) and Assent serving it with `workers` dispatcher
    /// workers (None: Assent's default).
    pub async fn start_assent(
        &mut self,
        backend: Backend,
        label: &str,
        numbers: &[assent::Number],
        workers: Option<usize>,
    ) -> anyhow::Result<(Database, Vec<String>, Running)> {
        let db = self.databases.fresh(backend, label).await?;
        let keys = self.assent.prepare(&db, &self.graph.base, numbers).await?;
        let running = self.assent.serve(&db, workers, label).await?;
        Ok((db, keys, running))
    }

    /// Stops Assent (noting its peak memory as under load when `loaded`) and
    /// removes its database.
    pub async fn finish(
        &mut self,
        running: Running,
        db: Database,
        loaded: bool,
    ) -> anyhow::Result<()> {
        if loaded && let Ok(usage) = running.proc.usage() {
            let peak = self.peak_under_load.entry(db.backend).or_default();
            *peak = (*peak).max(usage.peak_rss_bytes);
        }
        running.stop().await?;
        self.databases.drop_it(db).await
    }

    /// A warm-up of `knobs.warmup`, then the measured run of `knobs.load`.
    pub async fn load(
        &self,
        label: &str,
        base: &str,
        requests: &[Request],
        connections: u32,
        keys: u64,
    ) -> anyhow::Result<Outcome> {
        self.wrk
            .run(
                &format!("{label}-warmup"),
                Load {
                    base,
                    requests,
                    connections,
                    amount: Amount::For(self.knobs.warmup),
                    keys,
                },
            )
            .await?;
        let outcome = self
            .wrk
            .run(
                label,
                Load {
                    base,
                    requests,
                    connections,
                    amount: Amount::For(self.knobs.load),
                    keys,
                },
            )
            .await?;
        eprintln!(
            "   {label}: {:.0}/s, p99 {} ({} requests)",
            outcome.rate(),
            report::ms(outcome.p99()),
            outcome.requests
        );
        Ok(outcome)
    }

    /// Posts `count` template sends for number A through the API, to the run's
    /// recipients with consent: how the scenarios fill a queue.
    pub async fn fill_queue(&self, assent: &Running, key: &str, count: u64) -> anyhow::Result<()> {
        let started = std::time::Instant::now();
        let send = send_request(&assent::A, key, "+3460{k}");
        let outcome = self
            .wrk
            .run(
                "fill",
                Load {
                    base: &assent.base,
                    requests: &[send],
                    connections: 64,
                    amount: Amount::Count(count),
                    keys: self.knobs.recipients,
                },
            )
            .await?;
        outcome.check("filling the queue", false)?;
        eprintln!(
            "   {count} sends accepted in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

/// The recipients with consent that sends cycle through (`+3460{k}`).
pub fn recipients(count: u64) -> Vec<String> {
    (0..count).map(|k| format!("+3460{k:07}")).collect()
}

/// A template send of number `n` to `to` (which may hold `{n}` or `{k}`).
pub fn send_request(n: &assent::Number, key: &str, to: &str) -> Request {
    Request::post_json(
        format!("/v23.0/{}/messages", n.phone_number_id),
        crate::meta::template_send(to),
    )
    .header("Authorization", format!("Bearer {key}"))
}
