#![allow(dead_code)]
//! Test harness: a fresh database per test (a temp SQLite file, or a new PostgreSQL
//! database when TEST_DATABASE_URL names a server), Assent on a free port, and
//! helpers per route.

use assent::config::Settings;
use assent::db::Db;
use assent::services::{DispatchSettings, ForwardSettings, Services};
use assent::startup::Application;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

pub const SANDBOX_ID: &str = "100000000000001";

/// A valid, unallocated-looking Spanish mobile number for tests.
pub const ALICE: &str = "+34612345678";
pub const BOB: &str = "+34612345679";

/// Everything logged so far by every app in this test binary (one global
/// subscriber, so other tests' lines are in it too), at the production default
/// level and Assent's own most verbose one. TEST_LOG=1 also prints it.
pub fn logs() -> String {
    String::from_utf8_lossy(&LOGS.lock().unwrap()).into_owned()
}

static LOGS: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());

struct LogSink;

impl std::io::Write for LogSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(buf);
        if std::env::var_os("TEST_LOG").is_some() {
            eprint!("{}", String::from_utf8_lossy(buf));
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn capture_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("info,sqlx=warn,assent=trace")
            .with_ansi(false)
            .with_writer(|| LogSink)
            .try_init();
    });
}

/// Checks the captured log: `seen` (e.g. a masked number) proves the capture saw
/// this test's activity, and no line holds any of `needles`.
pub fn assert_not_logged(seen: &str, needles: &[&str]) {
    let logged = logs();
    assert!(
        logged.contains(seen),
        "{seen} never logged: is the capture on?"
    );
    let leaks: Vec<&str> = logged
        .lines()
        .filter(|line| needles.iter().any(|n| line.contains(n)))
        .collect();
    assert!(
        leaks.is_empty(),
        "log lines with a number or a text: {leaks:#?}"
    );
}

/// How Assent shows a number in logs and reports: first two, last three digits.
pub fn masked_digits(wa_id: &str) -> String {
    let n = wa_id.len();
    format!("+{}{}{}", &wa_id[..2], "•".repeat(n - 5), &wa_id[n - 3..])
}

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

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }
}

pub fn settings(db_url: &str, workers: usize) -> Settings {
    Settings {
        database_url: db_url.to_owned(),
        bind: "127.0.0.1:0".into(),
        public_url: Some("https://assent.example".into()),
        secret_key: Some("test-secret-key-that-is-long-enough-0123456789".into()),
        dispatch: DispatchSettings {
            workers,
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
        provider_timeout: Duration::from_secs(5),
        background: true,
    }
}

pub struct TestApp {
    pub address: String,
    pub db: TestDb,
    pub services: Services,
    pub api_key: String,
    pub client: reqwest::Client,
    handle: actix_web::dev::ServerHandle,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl TestApp {
    /// Assent with dispatcher workers running, on the sandbox number.
    pub async fn spawn() -> Self {
        Self::spawn_on(TestDb::new().await, 2).await
    }

    /// Assent on an existing database; `workers: 0` accepts but never dispatches.
    pub async fn spawn_on(db: TestDb, workers: usize) -> Self {
        let settings = settings(&db.url, workers);
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
            client: reqwest::Client::new(),
            handle,
            task,
        }
    }

    /// Erases the person at `phone` (E.164) on the sandbox number, as staff would.
    pub async fn erase(&self, phone: &str) {
        let mut conn = self.raw_db().pool.acquire().await.unwrap();
        let number = assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
            .await
            .unwrap()
            .unwrap();
        let who =
            assent::domain::Recipient::Phone(assent::domain::PhoneNumber::parse(phone).unwrap());
        let contact = assent::contacts::find(&mut conn, &number.id, &who)
            .await
            .unwrap()
            .expect("the contact exists before erasure");
        drop(conn);
        assent::privacy::erase(
            self.raw_db(),
            &self.services.secret,
            &contact,
            assent::domain::Actor::Staff("test".into()),
        )
        .await
        .unwrap();
    }

    /// Stops the server and lets the dispatcher finish; returns the database.
    pub async fn stop(self) -> TestDb {
        self.handle.stop(true).await;
        self.task.await.unwrap().unwrap();
        self.db
    }

    pub fn raw_db(&self) -> &Db {
        &self.services.db
    }

    pub async fn post_json(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.address))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Meta-compatible send through the sandbox number.
    pub async fn send(&self, body: &Value) -> (StatusCode, Value) {
        self.post_json(
            &format!("/v23.0/{SANDBOX_ID}/messages"),
            &self.api_key,
            body,
        )
        .await
    }

    pub async fn register_template(
        &self,
        name: &str,
        category: &str,
        consent_category: &str,
    ) -> (StatusCode, Value) {
        let body = json!({"name": name, "language": "en", "category": category, "consent_category": consent_category});
        self.post_json("/api/v1/templates", &self.api_key, &body)
            .await
    }

    pub async fn consent(&self, phone: &str, category: &str, action: &str) -> (StatusCode, Value) {
        let body = json!({"phone": phone, "category": category, "action": action,
            "evidence": {"notice_version": "v1", "notice_text": "You agree to receive offers from Acme.", "ip": "203.0.113.7", "user_agent": "test"}});
        self.post_json("/api/v1/consents", &self.api_key, &body)
            .await
    }

    pub async fn consents(&self, phone: &str) -> Value {
        let r = self
            .client
            .get(format!("{}/api/v1/consents", self.address))
            .query(&[("phone", phone)])
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    /// Marks that the person wrote to the sandbox number `ago` before now (opens the
    /// 24 h window).
    pub async fn inbound_from(&self, phone: &str, ago: Duration) {
        self.inbound_on(SANDBOX_ID, phone, ago).await;
    }

    /// Marks that the person wrote to the number `phone_number_id` `ago` before now.
    pub async fn inbound_on(&self, phone_number_id: &str, phone: &str, ago: Duration) {
        let mut conn = self.raw_db().pool.acquire().await.unwrap();
        let number = assent::numbers::by_phone_number_id(&mut conn, phone_number_id)
            .await
            .unwrap()
            .unwrap();
        let who =
            assent::domain::Recipient::Phone(assent::domain::PhoneNumber::parse(phone).unwrap());
        let contact = assent::contacts::get_or_create(&mut conn, &number.id, &who)
            .await
            .unwrap();
        let at = assent::db::now_ms() - ago.as_millis() as i64;
        assent::contacts::touch_inbound(&mut conn, &contact.id, at)
            .await
            .unwrap();
    }

    /// Waits until every accepted message was handed to its provider.
    pub async fn drain(&self) {
        for _ in 0..800 {
            if assent::sending::outbox::depth(self.raw_db()).await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("queue did not drain in 20 s");
    }

    pub async fn message_status(&self, id: &str) -> (String, Option<i64>) {
        sqlx::query_as("SELECT status, error_code FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&self.raw_db().pool)
            .await
            .unwrap()
    }

    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.raw_db().pool)
                .await
                .unwrap();
        n
    }

    /// Runs the `assent` binary against this app's database.
    pub fn cli(&self, args: &[&str]) -> std::process::Output {
        cli(&self.db.url, args, None)
    }
}

pub fn cli(db_url: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_assent"))
        .args(args)
        .env("ASSENT_DATABASE_URL", db_url)
        .env("ASSENT_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    // A command that refuses its arguments may exit before reading its input.
    if let Err(e) = input.write_all(stdin.unwrap_or("").as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn template_body(to: &str, name: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "template",
           "template": {"name": name, "language": {"code": "en"}}})
}

pub fn text_body(to: &str, text: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": text}})
}

/// Meta's envelope around one inbound message from `wa_id` to the sandbox number.
pub fn inbound_message(wa_id: &str, id: &str, message: Value) -> Value {
    let mut m = message;
    m["from"] = json!(wa_id);
    m["id"] = json!(id);
    m["timestamp"] = json!(format!("{}", assent::db::now_ms() / 1000));
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "12025550100", "phone_number_id": SANDBOX_ID},
                  "contacts": [{"profile": {"name": "Test Person"}, "wa_id": wa_id}],
                  "messages": [m]}}]}]})
}

pub fn inbound_text(wa_id: &str, id: &str, text: &str) -> Value {
    inbound_message(wa_id, id, json!({"type": "text", "text": {"body": text}}))
}

pub fn inbound_button_reply(wa_id: &str, id: &str, button_id: &str) -> Value {
    inbound_message(
        wa_id,
        id,
        json!({"type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": "x"}}}),
    )
}

pub const SANDBOX_APP_SECRET: &str = "sandbox-app-secret";

impl TestApp {
    /// POSTs a webhook payload signed with `secret` (None: no signature header).
    pub async fn webhook_signed(&self, body: &[u8], secret: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(format!("{}/webhooks/whatsapp", self.address))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(secret) = secret {
            req = req.header("X-Hub-Signature-256", assent::signature::sign(secret, body));
        }
        req.send().await.unwrap()
    }

    /// POSTs a payload as Meta would for the sandbox number, expects 200, and waits
    /// until every stored payload was processed and every reply dispatched.
    pub async fn webhook(&self, payload: &Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let r = self.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
        assert_eq!(
            r.status(),
            200,
            "webhook refused: {}",
            r.text().await.unwrap_or_default()
        );
        self.settle().await;
    }

    /// Waits until no webhook payload is pending and the outbox is empty.
    pub async fn settle(&self) {
        for _ in 0..800 {
            let (pending,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'pending'")
                    .fetch_one(&self.raw_db().pool)
                    .await
                    .unwrap();
            if pending == 0 && assent::sending::outbox::depth(self.raw_db()).await.unwrap() == 0 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("webhooks did not settle in 20 s");
    }

    /// Payloads of the messages sent to `wa_id` (newest last).
    pub async fn sent_to(&self, wa_id: &str) -> Vec<Value> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT m.payload FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1 ORDER BY m.created_at, m.id",
        )
        .bind(wa_id)
        .fetch_all(&self.raw_db().pool)
        .await
        .unwrap();
        rows.into_iter()
            .map(|(p,)| serde_json::from_str(&p).unwrap())
            .collect()
    }
}

/// Every (table, column) of the database.
pub async fn all_columns(app: &TestApp) -> Vec<(String, String)> {
    let pool = &app.raw_db().pool;
    if app.db.is_postgres() {
        sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    } else {
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(pool)
                .await
                .unwrap();
        let mut all = Vec::new();
        for (table,) in tables {
            let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
            all.extend(columns.into_iter().map(|(c,)| (table.clone(), c)));
        }
        all
    }
}

/// Where in the whole database any of `needles` occurs, as `table.column: needle`.
pub async fn find_everywhere(app: &TestApp, needles: &[&str]) -> Vec<String> {
    let columns = all_columns(app).await;
    assert!(
        columns.len() > 50,
        "the scan must see the whole schema, saw {columns:?}"
    );
    let tables: std::collections::BTreeSet<&str> =
        columns.iter().map(|(t, _)| t.as_str()).collect();
    for must in [
        "contacts",
        "messages",
        "inbound_messages",
        "webhook_payloads",
        "ledger_evidence",
        "entry_points",
    ] {
        assert!(
            tables.contains(must),
            "the scan must see {must}: {tables:?}"
        );
    }
    let mut hits = Vec::new();
    for (table, column) in &columns {
        for needle in needles {
            let sql = format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE $1"
            );
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(format!("%{needle}%"))
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
            if n > 0 {
                hits.push(format!("{table}.{column}: {needle} ({n} rows)"));
            }
        }
    }
    hits
}

/// The Meta error code of an error answer.
pub fn code(body: &Value) -> i64 {
    body["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not a Meta error: {body}"))
}
