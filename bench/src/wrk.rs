//! The load generator: Debian's `wrk` (C, epoll; its own CPU cost is small next to the
//! servers' on a 2-core machine), driven by `requests.lua` so that bodies can differ per
//! request (a new recipient each time, pre-signed webhooks) and p99 comes out exactly.

use crate::procs::Proc;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

const SCRIPT: &str = include_str!("../requests.lua");

/// One request; `{n}` and `{k}` in the path, body or header values become the
/// request's number and that number modulo the load's `keys`.
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Self {
            method: "GET",
            path: path.into(),
            body: String::new(),
            headers: vec![],
        }
    }

    pub fn post_json(path: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            method: "POST",
            path: path.into(),
            body: body.into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
        }
    }

    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    fn line(&self) -> anyhow::Result<String> {
        anyhow::ensure!(
            !self.body.contains(['\t', '\n']) && !self.path.contains(['\t', '\n']),
            "a request for wrk holds a tab or a newline: {}",
            self.path
        );
        let mut line = format!("{}\t{}\t{}", self.method, self.path, self.body);
        for (name, value) in &self.headers {
            line.push_str(&format!("\t{name}: {value}"));
        }
        Ok(line)
    }
}

/// How wrk runs: for a time, or for an exact number of requests.
pub enum Amount {
    For(Duration),
    Count(u64),
}

pub struct Load<'a> {
    pub base: &'a str,
    pub requests: &'a [Request],
    pub connections: u32,
    pub amount: Amount,
    pub keys: u64,
}

/// What wrk reports.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Outcome {
    pub requests: u64,
    pub duration_us: u64,
    pub p99_us: u64,
    /// Answers 400 or above.
    pub status_errors: u64,
    pub socket_errors: u64,
    pub timeouts: u64,
}

impl Outcome {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }

    pub fn p99(&self) -> Duration {
        Duration::from_micros(self.p99_us)
    }

    /// Fails unless every answer was below 400 (`refusals: false`) or every one was
    /// 400 or above (`refusals: true`), and nothing failed on the socket. A run with
    /// no answer at all passes only with `refusals` (a server that slow is a figure,
    /// not a broken run).
    pub fn check(&self, what: &str, refusals: bool) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.requests > 0 || refusals,
            "{what}: wrk completed no request"
        );
        anyhow::ensure!(
            self.socket_errors == 0,
            "{what}: {} socket errors (and {} timeouts) in {} requests",
            self.socket_errors,
            self.timeouts,
            self.requests
        );
        let expected = if refusals { self.requests } else { 0 };
        anyhow::ensure!(
            self.status_errors == expected,
            "{what}: {} of {} answers were 400 or above (expected {expected})",
            self.status_errors,
            self.requests
        );
        Ok(())
    }
}

pub struct Wrk {
    dir: PathBuf,
    runs: std::sync::atomic::AtomicU32,
    /// Where the next run's `{n}` start.
    next_n: std::sync::atomic::AtomicU64,
}

impl Wrk {
    pub fn new(dir: &Path) -> anyhow::Result<Self> {
        std::fs::write(dir.join("requests.lua"), SCRIPT)?;
        Ok(Self {
            dir: dir.to_owned(),
            runs: std::sync::atomic::AtomicU32::new(0),
            next_n: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub async fn run(&self, label: &str, load: Load<'_>) -> anyhow::Result<Outcome> {
        let n = self.runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let name = format!("wrk-{n:03}-{}", label.replace([' ', '/'], "_"));
        let file = self.dir.join(format!("{name}.requests"));
        let mut text = String::new();
        for r in load.requests {
            text.push_str(&r.line()?);
            text.push('\n');
        }
        std::fs::write(&file, text)?;
        let done_dir = self.dir.join(format!("{name}.done"));
        std::fs::create_dir_all(&done_dir)?;
        let threads = load.connections.clamp(1, 2);
        let (duration, count) = match load.amount {
            Amount::For(d) => (d, 0),
            // Bounded however slow the server: the harness stops it when all is sent.
            Amount::Count(c) => (Duration::from_secs(900), c),
        };
        let mut cmd = Command::new("wrk");
        cmd.arg(format!("-t{threads}"))
            .arg(format!("-c{}", load.connections))
            .arg(format!("-d{}s", duration.as_secs().max(1)))
            .arg("--timeout")
            .arg("60s")
            .arg("-s")
            .arg(self.dir.join("requests.lua"))
            .arg(load.base)
            .arg("--")
            .arg(&file)
            .arg(count.to_string())
            .arg(load.keys.max(1).to_string())
            .arg(threads.to_string())
            .arg(&done_dir)
            .arg(
                self.next_n
                    .load(std::sync::atomic::Ordering::Relaxed)
                    .to_string(),
            );
        let mut wrk = Proc::spawn(&name, cmd, &self.dir)?;
        if count > 0 {
            loop {
                let done = std::fs::read_dir(&done_dir)?.count() as u32;
                if done >= threads {
                    wrk.signal(rustix::process::Signal::INT);
                    break;
                }
                if wrk.check_alive().is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let status = wrk.wait().await?;
        let out = std::fs::read_to_string(&wrk.log)?;
        let line = out
            .lines()
            .find_map(|l| l.strip_prefix("BENCH "))
            .ok_or_else(|| wrk.failure(&format!("printed no result ({status})")))?;
        let outcome: Outcome = serde_json::from_str(line)?;
        // Requests in flight when wrk stopped were sent but not counted.
        self.next_n.fetch_add(
            outcome.requests + count + 4 * u64::from(load.connections),
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok(outcome)
    }
}

/// `wrk -v`'s first line, for the table's heading.
pub async fn version() -> String {
    match Command::new("wrk").arg("-v").output().await {
        Ok(out) => String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .and_then(|l| l.split(" [").next())
            .unwrap_or("wrk")
            .trim()
            .to_owned(),
        Err(e) => format!("wrk ({e})"),
    }
}
