//! The ceilings, each measured once per run and backend, the first time a scenario
//! needs it, and shown in the table as rows of their own: the minimal INSERT and
//! SELECT services, Assent's own `/healthz`, and the stand-in Graph API.

use super::{Bench, send_request};
use crate::databases::Backend;
use crate::procs::{self, Proc};
use crate::report::{Row, ms, per_second};
use crate::wrk::{Outcome, Request};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ceiling {
    /// One INSERT per request; on SQLite with synchronous=FULL.
    Insert,
    /// SQLite only: one INSERT per request with synchronous=NORMAL.
    InsertNormal,
    /// One SELECT by key per request.
    Select,
}

impl Ceiling {
    pub fn name(self, backend: Backend) -> &'static str {
        match (self, backend) {
            (Self::Insert, Backend::Sqlite) => "INSERT, synchronous=FULL",
            (Self::Insert, Backend::Postgres) => "INSERT",
            (Self::InsertNormal, _) => "INSERT, synchronous=NORMAL",
            (Self::Select, _) => "SELECT by key",
        }
    }
}

/// Stand-in's throughput is measured on a number id no scenario uses.
const STANDIN_NUMBER: &str = "999000000000001";

/// A ceiling service, running.
pub struct CeilingService {
    pub proc: Proc,
    pub base: String,
    /// From process start to the first healthy `/healthz`.
    pub startup: Duration,
}

impl Bench {
    pub async fn start_ceiling(
        &self,
        backend: Backend,
        synchronous: &str,
        db_url: &str,
    ) -> anyhow::Result<CeilingService> {
        let port = procs::free_port()?;
        let mut cmd = tokio::process::Command::new(&self.self_bin);
        cmd.arg("ceiling")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--database-url")
            .arg(db_url)
            .arg("--synchronous")
            .arg(synchronous);
        let name = format!(
            "ceiling-{}-{synchronous}",
            backend.title().to_ascii_lowercase()
        );
        let mut proc = Proc::spawn(&name, cmd, &self.run_dir)?;
        let base = format!("http://127.0.0.1:{port}");
        let startup = proc.wait_healthy(&base, Duration::from_secs(60)).await?;
        Ok(CeilingService {
            proc,
            base,
            startup,
        })
    }

    /// The ceiling's figure at `connections`, measured now if this run has not yet.
    pub async fn ceiling(
        &mut self,
        backend: Backend,
        kind: Ceiling,
        connections: u32,
    ) -> anyhow::Result<Outcome> {
        if let Some(o) = self.ceilings.get(&(backend, kind, connections)) {
            return Ok(*o);
        }
        let synchronous = if kind == Ceiling::InsertNormal {
            "normal"
        } else {
            "full"
        };
        let db = self.databases.fresh(backend, "ceiling").await?;
        let service = self.start_ceiling(backend, synchronous, &db.url).await?;
        let request = match kind {
            Ceiling::Insert | Ceiling::InsertNormal => {
                Request::post_json("/insert", crate::meta::consent_grant("+3461{n}"))
            }
            Ceiling::Select => Request::get("/select?key=key-{k}"),
        };
        let label = format!("ceiling-{kind:?}-{connections}").to_ascii_lowercase();
        let outcome = self
            .load(
                &label,
                &service.base,
                &[request],
                connections,
                crate::ceiling::SELECT_KEYS,
            )
            .await;
        service.proc.stop(Duration::from_secs(10)).await?;
        self.databases.drop_it(db).await?;
        let outcome = outcome?;
        outcome.check(&label, false)?;
        self.ceilings.insert((backend, kind, connections), outcome);
        self.report.add(Row {
            backend: Some(backend),
            what: format!(
                "ceiling: {} (actix-web + sqlx), {connections} connections",
                kind.name(backend)
            ),
            figure: rate_p99(&outcome),
            ceiling: "—".into(),
            ratio: None,
            target: "—".into(),
            met: None,
        });
        Ok(outcome)
    }
}

/// "5 146/s, p99 64 ms"
pub fn rate_p99(o: &Outcome) -> String {
    if o.requests == 0 {
        return format!("0/s (none answered in {:.0} s)", o.duration_us as f64 / 1e6);
    }
    format!("{}, p99 {}", per_second(o.rate()), ms(o.p99()))
}

/// The stand-in Graph API under the load generator: it must outrun anything Assent
/// asks of it (≥ 20 000 requests/s), or the dispatch figures measure the stand-in.
pub async fn standin(b: &mut Bench) -> anyhow::Result<()> {
    let request = send_request(
        &crate::assent::Number {
            phone_number_id: STANDIN_NUMBER,
            ..crate::assent::A
        },
        "unused",
        "+34640000000",
    );
    // The stand-in checks the token Assent sends, not an Assent API key.
    let request = crate::wrk::Request {
        headers: vec![
            ("Content-Type".into(), "application/json".into()),
            (
                "Authorization".into(),
                format!("Bearer {}", crate::assent::TOKEN),
            ),
        ],
        ..request
    };
    let base = b.graph.base.clone();
    let outcome = b.load("standin", &base, &[request], 64, 1).await?;
    outcome.check("the stand-in Graph API", false)?;
    b.graph.reset().await?;
    b.report.add(Row {
        backend: None,
        what: "ceiling: stand-in Graph API, 64 connections".into(),
        figure: rate_p99(&outcome),
        ceiling: "—".into(),
        ratio: None,
        target: "≥ 20 000/s".into(),
        met: Some(outcome.rate() >= 20_000.0),
    });
    Ok(())
}

/// Assent's own `/healthz`: the most any request to Assent can do on this machine.
pub async fn assent_healthz(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (db, _keys, assent) = b
        .start_assent(backend, "healthz", &[crate::assent::A], Some(0))
        .await?;
    let outcome = b
        .load(
            "assent-healthz",
            &assent.base,
            &[Request::get("/healthz")],
            64,
            1,
        )
        .await;
    b.finish(assent, db, false).await?;
    let outcome = outcome?;
    outcome.check("Assent's /healthz", false)?;
    b.report.add(Row {
        backend: Some(backend),
        what: "ceiling: Assent's own `/healthz`, 64 connections".into(),
        figure: rate_p99(&outcome),
        ceiling: "—".into(),
        ratio: None,
        target: "—".into(),
        met: None,
    });
    Ok(())
}
