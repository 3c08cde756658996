//! Assent as a new user runs it: the release binary, set up through its command line
//! (`assent migrate`, `assent number add`, `assent apikey create`) and its HTTP API,
//! served with `assent serve` and its environment variables.

use crate::databases::Database;
use crate::meta;
use crate::procs::{self, Proc};
use anyhow::Context;
use futures_util::{StreamExt, stream};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::process::Command;

/// The access token of every number of the run; the stand-in checks it.
pub const TOKEN: &str = "bench-graph-token";
/// The app secret webhooks of every number of the run are signed with.
pub const APP_SECRET: &str = "bench-app-secret";
const SECRET_KEY: &str = "bench-secret-key-that-is-long-enough-0123456789";

/// A business number on the stand-in Graph API.
#[derive(Clone, Copy)]
pub struct Number {
    pub phone_number_id: &'static str,
    pub display: &'static str,
    pub rate_per_second: f64,
    pub burst: f64,
}

/// The number whose traffic every scenario measures (Meta's top rate).
pub const A: Number = Number {
    phone_number_id: "200000000000002",
    display: "+12025550101",
    rate_per_second: 1000.0,
    // A twentieth of a second: every second of the drain is held to the rate.
    burst: 50.0,
};

/// The second number of the fairness scenario.
pub const B: Number = Number {
    phone_number_id: "200000000000003",
    display: "+12025550102",
    rate_per_second: 1000.0,
    burst: 50.0,
};

pub struct Assent {
    bin: PathBuf,
    log_dir: PathBuf,
}

pub struct Running {
    pub proc: Proc,
    pub base: String,
    /// From process start to the first healthy `/healthz`.
    pub startup: Duration,
    http: reqwest::Client,
}

impl Assent {
    pub fn new(bin: PathBuf, log_dir: &Path) -> anyhow::Result<Self> {
        anyhow::ensure!(
            bin.is_file(),
            "no Assent binary at {} (bash bench/run builds it)",
            bin.display()
        );
        Ok(Self {
            bin,
            log_dir: log_dir.to_owned(),
        })
    }

    fn command(&self, db: &Database) -> Command {
        let mut cmd = Command::new(&self.bin);
        cmd.env("ASSENT_DATABASE_URL", &db.url)
            .env("ASSENT_SECRET_KEY", SECRET_KEY)
            .env_remove("ASSENT_NUMBER_ACCESS_TOKEN")
            .env_remove("ASSENT_NUMBER_APP_SECRET");
        cmd
    }

    /// Runs one command of the CLI; its standard output.
    pub async fn cli(&self, db: &Database, args: &[&str]) -> anyhow::Result<String> {
        let out = self
            .command(db)
            .args(args)
            .output()
            .await
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        anyhow::ensure!(
            out.status.success(),
            "assent {} failed ({}): {}",
            args.first().copied().unwrap_or(""),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs one command of the CLI with `input` on its standard input (a password).
    pub async fn cli_with_input(
        &self,
        db: &Database,
        args: &[&str],
        input: &str,
    ) -> anyhow::Result<String> {
        use tokio::io::AsyncWriteExt;
        let mut child = self
            .command(db)
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot run {}", self.bin.display()))?;
        let mut stdin = child.stdin.take().expect("piped");
        stdin.write_all(input.as_bytes()).await?;
        drop(stdin);
        let out = child.wait_with_output().await?;
        anyhow::ensure!(
            out.status.success(),
            "assent {} failed ({}): {}",
            args.first().copied().unwrap_or(""),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Migrates a fresh database and registers `numbers` on the stand-in; returns
    /// an API key per number.
    pub async fn prepare(
        &self,
        db: &Database,
        graph: &str,
        numbers: &[Number],
    ) -> anyhow::Result<Vec<String>> {
        self.cli(db, &["migrate"]).await?;
        let mut keys = vec![];
        for n in numbers {
            let (rate, burst) = (n.rate_per_second.to_string(), n.burst.to_string());
            self.cli(
                db,
                &[
                    "number",
                    "add",
                    "--phone-number-id",
                    n.phone_number_id,
                    "--display-number",
                    n.display,
                    "--provider",
                    "cloud",
                    "--api-base-url",
                    graph,
                    "--access-token",
                    TOKEN,
                    "--app-secret",
                    APP_SECRET,
                    "--rate-per-second",
                    &rate,
                    "--rate-burst",
                    &burst,
                    // Meta's messaging limit is not what these scenarios measure.
                    "--messaging-limit",
                    "1000000000",
                ],
            )
            .await?;
            let out = self
                .cli(
                    db,
                    &["apikey", "create", "--phone-number-id", n.phone_number_id],
                )
                .await?;
            let key = out
                .lines()
                .last()
                .filter(|k| !k.trim().is_empty())
                .ok_or_else(|| anyhow::anyhow!("assent apikey create printed no key"))?;
            keys.push(key.trim().to_owned());
        }
        Ok(keys)
    }

    /// `assent serve` with `workers` dispatcher workers (None: Assent's default),
    /// once `/healthz` answers.
    pub async fn serve(
        &self,
        db: &Database,
        workers: Option<usize>,
        label: &str,
    ) -> anyhow::Result<Running> {
        let port = procs::free_port()?;
        let mut cmd = self.command(db);
        cmd.arg("serve")
            .env("ASSENT_BIND", format!("127.0.0.1:{port}"))
            // The business's webhook is the stand-in, on loopback.
            .env("ASSENT_FORWARD_TO_INTERNAL", "true");
        match workers {
            Some(n) => cmd.env("ASSENT_WORKERS", n.to_string()),
            None => cmd.env_remove("ASSENT_WORKERS"),
        };
        let mut proc = Proc::spawn(&format!("assent-{label}"), cmd, &self.log_dir)?;
        let base = format!("http://127.0.0.1:{port}");
        let startup = proc.wait_healthy(&base, Duration::from_secs(60)).await?;
        Ok(Running {
            proc,
            base,
            startup,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()?,
        })
    }
}

impl Running {
    pub async fn stop(self) -> anyhow::Result<()> {
        // Assent's graceful stop lets provider calls in flight finish (or time out).
        self.proc.stop(Duration::from_secs(30)).await
    }

    async fn post(&self, key: &str, path: &str, body: String) -> anyhow::Result<reqwest::Response> {
        Ok(self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await?)
    }

    async fn expect(r: reqwest::Response, what: &str) -> anyhow::Result<String> {
        let status = r.status();
        let text = r.text().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "{what}: {status} {text}");
        Ok(text)
    }

    /// Registers the template every send uses, mapped to its consent category.
    pub async fn register_template(&self, key: &str) -> anyhow::Result<()> {
        let body = serde_json::json!({"name": meta::TEMPLATE, "language": "en",
            "category": "UTILITY", "consent_category": meta::CATEGORY});
        let r = self
            .post(key, "/api/v1/templates", body.to_string())
            .await?;
        Self::expect(r, "registering the template").await?;
        Ok(())
    }

    /// Records consent for each phone, 16 at a time.
    pub async fn grant_all(&self, key: &str, phones: Vec<String>) -> anyhow::Result<()> {
        let results: Vec<anyhow::Result<()>> = stream::iter(phones)
            .map(|phone| async move {
                let r = self
                    .post(key, "/api/v1/consents", meta::consent_grant(&phone))
                    .await?;
                Self::expect(r, "recording consent").await.map(|_| ())
            })
            .buffer_unordered(16)
            .collect()
            .await;
        results.into_iter().collect()
    }

    /// Records one consent change (grant or withdraw).
    pub async fn consent(&self, key: &str, phone: &str, action: &str) -> anyhow::Result<()> {
        let r = self
            .post(key, "/api/v1/consents", meta::consent(phone, action))
            .await?;
        Self::expect(r, "recording consent").await.map(|_| ())
    }

    /// One template send through the Meta-compatible endpoint; Assent's answer.
    pub async fn send(&self, key: &str, number: &Number, to: &str) -> anyhow::Result<String> {
        let path = format!("/v23.0/{}/messages", number.phone_number_id);
        let r = self.post(key, &path, meta::template_send(to)).await?;
        Self::expect(r, "a send").await
    }

    /// A request expected to be refused: the Meta error code of Assent's answer.
    pub async fn refused_code(&self, key: &str, path: &str, body: String) -> anyhow::Result<i64> {
        let r = self.post(key, path, body).await?;
        let status = r.status();
        let body: serde_json::Value = r.json().await.unwrap_or_default();
        anyhow::ensure!(
            status.is_client_error(),
            "expected a refusal, got {status} {body}"
        );
        body["error"]["code"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("a refusal without a Meta error code: {body}"))
    }

    /// Forwards the number's messages and statuses to `url`.
    pub async fn forward_to(&self, key: &str, url: &str) -> anyhow::Result<()> {
        let body = serde_json::json!({ "url": url });
        let r = self
            .post(key, "/v1/configs/webhook", body.to_string())
            .await?;
        Self::expect(r, "configuring the business's webhook").await?;
        Ok(())
    }

    /// `GET path` answered 200 (a check before a read load).
    pub async fn get_ok(&self, key: &str, path: &str) -> anyhow::Result<String> {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(key)
            .send()
            .await?;
        Self::expect(r, path).await
    }
}
