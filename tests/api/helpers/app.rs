//! Assent under test: a fresh database, the app on a free port, and its background
//! work (webhook processing, dispatch, forwarding) stepped inline by the test
//! through `assent::startup::step`, so a test never waits on a worker's poll.
//! Tests about the workers themselves (timing, rate limits, graceful shutdown,
//! concurrent workers) start them with `spawn_with_workers`.

use super::{SANDBOX_ID, capture_logs};
use assent::config::Settings;
use assent::db::Db;
use assent::services::{DispatchSettings, ForwardSettings, Services};
use assent::startup::Application;
use std::time::{Duration, Instant};

/// How long `settle`, `drain` and `wait_until` wait before they fail the test.
const PATIENCE: Duration = Duration::from_secs(20);
/// The nap between two looks when nothing is due yet (a retry scheduled a few
/// milliseconds ahead, or a worker that has not picked something up yet).
const NAP: Duration = Duration::from_millis(10);

pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(base) if !base.is_empty() => {
                let name = format!("assent_test_{}", uuid::Uuid::new_v4().simple());
                sqlx::any::install_default_drivers();
                let admin = sqlx::AnyPool::connect(&base)
                    .await
                    .expect("TEST_DATABASE_URL must reach PostgreSQL");
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let (prefix, _) = base
                    .rsplit_once('/')
                    .expect("TEST_DATABASE_URL ends in /DBNAME");
                Self {
                    url: format!("{prefix}/{name}"),
                    _dir: None,
                }
            }
            _ => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("assent.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                }
            }
        }
    }

    /// The same database again, for a second instance on it (the first keeps
    /// the file alive).
    pub fn same_as(other: &TestDb) -> Self {
        Self {
            url: other.url.clone(),
            _dir: None,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }
}

/// The test settings: short retries and polls, the public URL
/// https://assent.example, and no background workers (tests step the work).
pub fn settings(db_url: &str) -> Settings {
    Settings {
        database_url: db_url.to_owned(),
        bind: "127.0.0.1:0".into(),
        public_url: Some("https://assent.example".into()),
        secret_key: Some("test-secret-key-that-is-long-enough-0123456789".into()),
        dispatch: DispatchSettings {
            workers: 2,
            max_attempts: 5,
            retry_base: Duration::from_millis(40),
            retry_max: Duration::from_millis(400),
            lease: Duration::from_secs(30),
            poll: Duration::from_millis(25),
        },
        forward: ForwardSettings {
            retry_base: Duration::from_millis(50),
            retry_max: Duration::from_millis(400),
            give_up_after: Duration::from_secs(7 * 24 * 60 * 60),
            timeout: Duration::from_secs(10),
            poll: Duration::from_millis(25),
            // The stand-in business endpoints listen on 127.0.0.1.
            to_internal: true,
        },
        opt_in: Default::default(),
        provider_timeout: Duration::from_secs(5),
        jurisdiction: None,
        background: false,
    }
}

/// The test settings with the background workers on: `workers` dispatchers, one
/// webhook processor and one forwarder.
pub fn settings_with_workers(db_url: &str, workers: usize) -> Settings {
    let mut settings = settings(db_url);
    settings.dispatch.workers = workers;
    settings.background = true;
    settings
}

pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub services: Services,
    pub api_key: String,
    /// Keeps cookies and does not follow redirects: what a browser would see.
    pub client: reqwest::Client,
    /// Whether the app runs its own workers (then `step` does nothing).
    pub background: bool,
    /// The last error of an inline step, shown when a wait times out.
    step_error: std::sync::Mutex<Option<String>>,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

/// The client a test talks to Assent with.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl TestApp {
    /// Assent on a fresh database, on the sandbox number; background work is
    /// stepped by `settle`, `drain` and `wait_until`.
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDb::new().await).await
    }

    /// Like `spawn`, on an existing database (a restart).
    pub async fn spawn_on(db: TestDb) -> Self {
        let settings = settings(&db.url);
        Self::spawn_with(db, settings).await
    }

    /// Assent with its background workers running (two dispatchers): for tests
    /// about the workers themselves.
    pub async fn spawn_with_workers() -> Self {
        Self::spawn_with_workers_on(TestDb::new().await, 2).await
    }

    /// Assent with `workers` dispatchers (and the other workers) on an existing
    /// database.
    pub async fn spawn_with_workers_on(db: TestDb, workers: usize) -> Self {
        let settings = settings_with_workers(&db.url, workers);
        Self::spawn_with(db, settings).await
    }

    /// Assent on an existing database with the given settings.
    pub async fn spawn_with(db: TestDb, settings: Settings) -> Self {
        capture_logs();
        let app = Application::build(&settings).await.expect("app builds");
        let address = format!("http://127.0.0.1:{}", app.port());
        let services = app.services().clone();
        let handle = app.handle();
        let task = tokio::spawn(app.run_until_stopped());
        let mut conn = services.db.pool.acquire().await.unwrap();
        let sandbox = assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
            .await
            .unwrap()
            .unwrap();
        let api_key = assent::api_keys::create(&services.db, &sandbox.id, "tests")
            .await
            .unwrap()
            .key;
        drop(conn);
        Self {
            address,
            db,
            services,
            api_key,
            client: client(),
            background: settings.background,
            step_error: std::sync::Mutex::new(None),
            handle,
            task,
        }
    }

    /// Stops the server and lets the workers finish; returns the database.
    pub async fn stop(self) -> TestDb {
        self.handle.stop(true).await;
        self.task.await.unwrap().unwrap();
        self.db
    }

    pub fn raw_db(&self) -> &Db {
        &self.services.db
    }

    /// One step of each background worker, inline; true when any found work. An app
    /// with its own workers is left to them (false). A step that fails is treated as
    /// the workers treat it: logged, and tried again later.
    pub async fn step(&self) -> bool {
        if self.background {
            return false;
        }
        match assent::startup::step(&self.services).await {
            Ok(found) => found,
            Err(e) => {
                let e = format!("{e:#}");
                tracing::error!(error = %e, "background step failed (test)");
                *self.step_error.lock().unwrap() = Some(e);
                false
            }
        }
    }

    /// Steps (or, with workers, waits) until `done` holds; fails after 20 s.
    pub async fn wait_until(&self, what: &str, done: impl AsyncFn() -> bool) {
        let deadline = Instant::now() + PATIENCE;
        while !done().await {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what} (last failed step: {:?})",
                self.step_error.lock().unwrap()
            );
            if !self.step().await {
                tokio::time::sleep(NAP).await;
            }
        }
    }

    /// Until every accepted message was handed to its provider (retries included).
    pub async fn drain(&self) {
        self.wait_until("the queue to drain", async || {
            assent::sending::outbox::depth(self.raw_db()).await.unwrap() == 0
        })
        .await;
    }

    /// Until no webhook payload is pending and the outbox is empty. Forwards that
    /// are due go out on the way; ones waiting for a retry are not waited for.
    pub async fn settle(&self) {
        self.wait_until("webhooks to settle", async || {
            // Whatever is due now is done first, so a settled app has nothing due.
            while self.step().await {}
            let (pending,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'pending'")
                    .fetch_one(&self.raw_db().pool)
                    .await
                    .unwrap();
            pending == 0 && assent::sending::outbox::depth(self.raw_db()).await.unwrap() == 0
        })
        .await;
    }
}
