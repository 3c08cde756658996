//! What a run measures and for how long: flags of `assent-bench run`, each also an
//! environment variable so that `bash bench/run` passes them through.

use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub struct RunArgs {
    /// Scenarios to run, in any order (they run in the table's order); none: all.
    /// dispatch, fairness, consent_write, gated_send, refused_send, consent_read,
    /// webhooks, memory.
    pub scenarios: Vec<String>,
    /// The release binary of Assent.
    #[arg(long, env = "BENCH_ASSENT_BIN")]
    pub assent_bin: PathBuf,
    /// This harness's own binary, started again as the stand-in and the ceilings.
    #[arg(long, env = "BENCH_SELF_BIN")]
    pub self_bin: PathBuf,
    /// Where databases, logs and wrk's request files go.
    #[arg(long, env = "BENCH_RUN_DIR")]
    pub run_dir: PathBuf,
    /// A throw-away PostgreSQL (a URL to its `postgres` database; the harness creates
    /// one database per Assent it starts). Without it, only SQLite.
    #[arg(long, env = "BENCH_POSTGRES_URL")]
    pub postgres_url: Option<String>,
    /// Backends, comma-separated: sqlite, postgres.
    #[arg(
        long,
        env = "BENCH_BACKENDS",
        default_value = "sqlite,postgres",
        value_delimiter = ','
    )]
    pub backends: Vec<String>,
    /// Seconds of each load-generator run (and of each fairness probe series).
    #[arg(long, env = "BENCH_SECONDS", default_value_t = 10)]
    pub seconds: u64,
    /// Seconds of the dispatch window measured with the deep queue.
    #[arg(long, env = "BENCH_DISPATCH_SECONDS", default_value_t = 60)]
    pub dispatch_seconds: u64,
    /// The shallow queue of the dispatch scenario; also number A's queue in fairness.
    #[arg(long, env = "BENCH_SHALLOW", default_value_t = 10_000)]
    pub shallow: u64,
    /// The deep queue of the dispatch scenario.
    #[arg(long, env = "BENCH_DEEP", default_value_t = 100_000)]
    pub deep: u64,
    /// Messages stored before the second refused-send run (the first has 10 000).
    #[arg(long, env = "BENCH_STORED", default_value_t = 1_000_000)]
    pub stored: u64,
    /// Messages dispatched before the webhook scenario; each gets three statuses.
    #[arg(long, env = "BENCH_WEBHOOK_MESSAGES", default_value_t = 2_000)]
    pub webhook_messages: u64,
    /// Updates (statuses or messages) per webhook POST.
    #[arg(long, env = "BENCH_WEBHOOK_BATCH", default_value_t = 1)]
    pub webhook_batch: u64,
    /// Short windows and small queues: a smoke run of the whole harness in a few minutes.
    #[arg(long, env = "BENCH_QUICK", value_parser = clap::builder::BoolishValueParser::new())]
    pub quick: bool,
}

/// The scenarios, in the order they run and appear in the table.
pub const SCENARIOS: [&str; 9] = [
    "dispatch",
    "fairness",
    "consent_write",
    "gated_send",
    "refused_send",
    "consent_read",
    "ledger_search",
    "webhooks",
    "memory",
];

/// The knobs of one run, after `--quick` and checks.
#[derive(Debug, Clone)]
pub struct Knobs {
    pub load: Duration,
    pub warmup: Duration,
    pub dispatch_window: Duration,
    pub shallow: u64,
    pub deep: u64,
    pub stored_small: u64,
    pub stored_large: u64,
    pub webhook_messages: u64,
    pub webhook_batch: u64,
    /// Recipients with consent that sends cycle through.
    pub recipients: u64,
}

impl RunArgs {
    pub fn knobs(&self) -> Knobs {
        if self.quick {
            return Knobs {
                load: Duration::from_secs(3),
                warmup: Duration::from_millis(500),
                dispatch_window: Duration::from_secs(10),
                shallow: 5_000,
                deep: 10_000,
                stored_small: 10_000,
                stored_large: 100_000,
                webhook_messages: 500,
                webhook_batch: self.webhook_batch.max(1),
                recipients: 1_000,
            };
        }
        Knobs {
            load: Duration::from_secs(self.seconds.max(1)),
            warmup: Duration::from_secs(1),
            dispatch_window: Duration::from_secs(self.dispatch_seconds.max(3)),
            shallow: self.shallow.max(100),
            deep: self.deep.max(100),
            stored_small: 10_000,
            stored_large: self.stored.max(10_000),
            webhook_messages: self.webhook_messages.max(10),
            webhook_batch: self.webhook_batch.max(1),
            recipients: 1_000,
        }
    }

    /// The scenarios asked for, in table order; an unknown name is an error.
    pub fn selected(&self) -> anyhow::Result<Vec<&'static str>> {
        for s in &self.scenarios {
            anyhow::ensure!(
                SCENARIOS.contains(&s.as_str()),
                "unknown scenario {s:?}; the scenarios are {}",
                SCENARIOS.join(", ")
            );
        }
        Ok(SCENARIOS
            .iter()
            .copied()
            .filter(|s| self.scenarios.is_empty() || self.scenarios.iter().any(|a| a == s))
            .collect())
    }
}
