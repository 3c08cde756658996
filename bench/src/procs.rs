//! The processes a run starts (Assent, the ceilings, the stand-in, wrk): each writes
//! its output to a log file of the run, is stopped gracefully (SIGTERM) when its part
//! is done, and is killed if the harness dies first. Their CPU time and memory are
//! read from /proc.

use anyhow::Context;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

pub struct Proc {
    pub name: String,
    child: Child,
    pub log: PathBuf,
    pub started: Instant,
}

impl Proc {
    /// Starts `cmd` with standard output and error in `{log_dir}/{name}.log`.
    pub fn spawn(name: &str, mut cmd: Command, log_dir: &Path) -> anyhow::Result<Self> {
        let log = log_dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log)
            .with_context(|| format!("cannot create {}", log.display()))?;
        cmd.stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .kill_on_drop(true);
        let started = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("cannot start {name}"))?;
        Ok(Self {
            name: name.to_owned(),
            child,
            log,
            started,
        })
    }

    pub fn pid(&self) -> i32 {
        self.child.id().map_or(0, |p| p as i32)
    }

    pub fn signal(&self, signal: rustix::process::Signal) {
        if let Some(pid) = rustix::process::Pid::from_raw(self.pid()) {
            let _ = rustix::process::kill_process(pid, signal);
        }
    }

    /// An error naming the process, with the end of its log.
    pub fn failure(&self, what: &str) -> anyhow::Error {
        anyhow::anyhow!(
            "{} {what}; the end of {}:\n{}",
            self.name,
            self.log.display(),
            tail(&self.log, 30)
        )
    }

    /// Fails when the process has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        if let Some(status) = self.child.try_wait()? {
            return Err(self.failure(&format!("exited ({status})")));
        }
        Ok(())
    }

    /// Waits until `GET {base}/healthz` answers 200; returns the time since the
    /// process was started.
    pub async fn wait_healthy(&mut self, base: &str, limit: Duration) -> anyhow::Result<Duration> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()?;
        let url = format!("{base}/healthz");
        loop {
            if let Ok(r) = http.get(&url).send().await
                && r.status().is_success()
            {
                return Ok(self.started.elapsed());
            }
            self.check_alive()?;
            if self.started.elapsed() > limit {
                return Err(self.failure(&format!("did not answer {url} within {limit:?}")));
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`.
    pub async fn stop(mut self, grace: Duration) -> anyhow::Result<()> {
        if self.child.try_wait()?.is_some() {
            return Ok(());
        }
        self.signal(rustix::process::Signal::TERM);
        if tokio::time::timeout(grace, self.child.wait())
            .await
            .is_err()
        {
            eprintln!("   {} did not stop within {grace:?}; killed", self.name);
            self.child.kill().await?;
        }
        Ok(())
    }

    pub async fn wait(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        Ok(self.child.wait().await?)
    }

    pub fn usage(&self) -> anyhow::Result<Usage> {
        Usage::of(self.pid())
    }
}

/// CPU time and memory of a process, as /proc has them now.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub cpu_seconds: f64,
    pub rss_bytes: u64,
    /// The highest resident set size since the process started (VmHWM).
    pub peak_rss_bytes: u64,
}

impl Usage {
    pub fn of(pid: i32) -> anyhow::Result<Self> {
        let p = procfs::process::Process::new(pid)
            .with_context(|| format!("no process {pid} in /proc"))?;
        let stat = p.stat()?;
        let status = p.status()?;
        let kib = |v: Option<u64>| v.unwrap_or(0) * 1024;
        Ok(Self {
            cpu_seconds: (stat.utime + stat.stime) as f64 / procfs::ticks_per_second() as f64,
            rss_bytes: kib(status.vmrss),
            peak_rss_bytes: kib(status.vmhwm),
        })
    }
}

/// A loopback port nobody listens on now. Between this and the bind, another process
/// may take it; the caller then fails with the port named.
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

/// The last `n` lines of a file (or why there are none).
pub fn tail(path: &Path, n: usize) -> String {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(n)..].join("\n")
        }
        Err(e) => format!("({e})"),
    }
}
