//! `assent serve` and `assent` as a process (SPEC §11): starts on a fresh database,
//! serves the API with a key the CLI made, stops cleanly on SIGTERM, fails clearly
//! on a busy port, and logs no phone number or message body, nor colour codes
//! into a file.

use crate::helpers::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// Kills the server if the test ends early.
struct Server {
    child: std::process::Child,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn start(args: &[&str], db_url: &str, port: u16) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_assent"))
        .args(args)
        // A scratch working directory: nothing lands in the repository.
        .current_dir(dir.path())
        .env("ASSENT_DATABASE_URL", db_url)
        .env("ASSENT_BIND", format!("127.0.0.1:{port}"))
        .env("ASSENT_LOG", "info")
        // As from a colour terminal's shell: only stderr not being a terminal may
        // turn colour off.
        .env("TERM", "xterm-256color")
        .env_remove("NO_COLOR")
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(dir.path().join("stdout.log")).unwrap())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    Server {
        child,
        log,
        _dir: dir,
    }
}

async fn wait_healthy(server: &mut Server, port: u16) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            panic!("assent exited early ({exit}):\n{}", server.log());
        }
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/healthz"))
            .send()
            .await
            && r.status() == 200
        {
            assert_eq!(r.text().await.unwrap(), "ok");
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no healthy answer in 15 s:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `assent serve` on a fresh database, and an API key made by the CLI before the
/// server existed (which also migrates the database).
async fn serve_with_cli_key() -> (Server, u16, String, TestDb) {
    let db = TestDb::new().await;
    let created = cli_ok(
        &db.url,
        &["apikey", "create", "--phone-number-id", SANDBOX_ID],
        None,
    );
    let key = created.stdout.lines().last().unwrap().to_owned();
    let port = free_port();
    let mut server = start(&["serve"], &db.url, port);
    wait_healthy(&mut server, port).await;
    (server, port, key, db)
}

#[tokio::test]
async fn assent_serve_starts_serves_the_api_and_stops_cleanly_on_sigterm() {
    let (mut server, port, key, _db) = serve_with_cli_key().await;

    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let r = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{base}/api/v1/templates"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the served API takes the CLI's key");
    drop(client);

    let term = std::process::Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "assent did not stop within 15 s of SIGTERM:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        exit.success(),
        "SIGTERM is a clean stop: {exit}\n{}",
        server.log()
    );
}

#[tokio::test]
async fn assent_without_a_command_serves_too() {
    let db = TestDb::new().await;
    let port = free_port();
    let mut server = start(&[], &db.url, port);
    wait_healthy(&mut server, port).await;
    let r = reqwest::get(format!("http://127.0.0.1:{port}/readyz"))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Migrations ran at start: the sandbox number exists.
    let list = cli_ok(&db.url, &["number", "list"], None).stdout;
    assert!(list.contains(SANDBOX_ID), "{list}");
}

#[tokio::test]
async fn assent_serve_on_a_fresh_sqlite_file_creates_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sub/x.db").display());
    let port = free_port();
    let mut server = start(&["serve"], &url, port);
    wait_healthy(&mut server, port).await;
    assert!(dir.path().join("sub/x.db").exists());
}

#[tokio::test]
async fn assent_serve_on_a_busy_port_fails_with_a_clear_message() {
    let db = TestDb::new().await;
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let mut server = start(&["serve"], &db.url, port);
    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(exit) = server.child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "assent kept running on a busy port"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(!exit.success());
    assert!(server.log().contains("ASSENT_BIND"), "{}", server.log());
    drop(busy);
}

#[tokio::test]
async fn the_server_log_holds_no_phone_number_and_no_message_body() {
    let (server, port, key, _db) = serve_with_cli_key().await;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let grant = json!({"phone": ALICE, "category": "order_updates", "action": "grant"});
    let r = client
        .post(format!("{base}/api/v1/consents"))
        .bearer_auth(&key)
        .json(&grant)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = client
        .get(format!("{base}/api/v1/consents?phone=%2B34612345678"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let template = json!({"name": "order_shipped", "language": "en", "category": "UTILITY", "consent_category": "order_updates"});
    client
        .post(format!("{base}/api/v1/templates"))
        .bearer_auth(&key)
        .json(&template)
        .send()
        .await
        .unwrap();
    let send = format!("{base}/v23.0/{SANDBOX_ID}/messages");
    let r = client
        .post(&send)
        .bearer_auth(&key)
        .json(&template_body(ALICE, "order_shipped"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "an accepted send is logged");
    let r = client
        .post(&send)
        .bearer_auth(&key)
        .json(&text_body(ALICE, "my secret parcel code 4711"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a blocked send is logged");
    tokio::time::sleep(Duration::from_millis(300)).await;

    let log = server.log();
    assert!(
        log.contains("send accepted") && log.contains("send blocked"),
        "the sends were logged:\n{log}"
    );
    assert!(
        log.contains("+34••••••678"),
        "numbers appear masked:\n{log}"
    );
    for secret in ["612345678", "secret parcel code"] {
        assert!(!log.contains(secret), "{secret:?} in the log:\n{log}");
    }
}

#[tokio::test]
async fn a_log_written_to_a_file_has_no_colour_codes() {
    let (server, port, key, _db) = serve_with_cli_key().await;
    let r = reqwest::Client::new()
        .post(format!(
            "http://127.0.0.1:{port}/v23.0/{SANDBOX_ID}/messages"
        ))
        .bearer_auth(&key)
        .json(&text_body(ALICE, "hello"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        400,
        "outside the window: a blocked send is logged"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    let log = server.log();
    assert!(
        log.contains("send blocked"),
        "the request was logged:\n{log}"
    );
    assert!(
        !log.contains("\x1b["),
        "ANSI colour codes in a log that is not a terminal:\n{}",
        log.escape_debug()
    );
}

#[tokio::test]
async fn a_first_run_prints_a_one_time_link_that_creates_the_first_admin() {
    let db = TestDb::new().await;
    let port = free_port();
    let mut server = start(&["serve"], &db.url, port);
    wait_healthy(&mut server, port).await;
    let base = format!("http://127.0.0.1:{port}");
    let log = server.log();
    let at = log
        .find(&format!("{base}/setup/"))
        .unwrap_or_else(|| panic!("a setup link in the log:\n{log}"));
    let link: String = log[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();

    let browser = client();
    let landing = browser
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(landing.contains("one-time setup link"), "{landing}");

    let form = browser.get(&link).send().await.unwrap();
    assert_eq!(form.status(), 200);
    let token = csrf_token(&form.text().await.unwrap());
    let post = |token: String, email: &'static str, password: &'static str| {
        let (browser, link, base) = (&browser, &link, base.clone());
        async move {
            browser
                .post(link)
                .header("origin", base)
                .form(&[
                    ("csrf_token", token.as_str()),
                    ("email", email),
                    ("password", password),
                    ("repeat", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(token.clone(), "ops@acme.example", "short").await;
    assert_eq!(r.status(), 422, "the password policy holds here too");
    let r = post(token, "ops@acme.example", "the first admin password").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/admin");
    let home = browser.get(format!("{base}/admin")).send().await.unwrap();
    assert_eq!(home.status(), 200, "signed in as the new admin");
    let home = home.text().await.unwrap();
    assert!(home.contains("ops@acme.example (admin)"));

    // Used once: the link is gone, for anyone.
    let again = client().get(&link).send().await.unwrap();
    assert_eq!(again.status(), 410);
    let r = post(
        csrf_token(&home),
        "eve@acme.example",
        "another admin password",
    )
    .await;
    assert_eq!(r.status(), 410);
    let landing = client()
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!landing.contains("one-time setup link"));
    let (actor, action): (String, String) =
        sqlx::query_as("SELECT actor, action FROM audit_log WHERE action = 'user.created'")
            .fetch_one(&assent::db::Db::connect(&db.url).await.unwrap().pool)
            .await
            .unwrap();
    assert_eq!(
        (actor.as_str(), action.as_str()),
        ("system:setup", "user.created")
    );
}

#[tokio::test]
async fn once_an_account_exists_no_setup_link_is_printed() {
    let db = TestDb::new().await;
    cli_ok(
        &db.url,
        &[
            "user",
            "add",
            "--email",
            "ops@acme.example",
            "--role",
            "admin",
        ],
        Some("the first admin password\n"),
    );
    let port = free_port();
    let mut server = start(&["serve"], &db.url, port);
    wait_healthy(&mut server, port).await;
    assert!(!server.log().contains("/setup/"), "{}", server.log());
}

/// Killed (SIGKILL, no chance to finish anything) while many consent writes are in
/// flight: every write it answered 201 is in the ledger after a restart, and the
/// ledger verifies; the unanswered ones may or may not be there, never half.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_mid_batch_keeps_every_write_it_acknowledged() {
    let (mut server, port, key, db) = serve_with_cli_key().await;
    let base = format!("http://127.0.0.1:{port}");
    let acknowledged = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let writers: Vec<_> = (0..32)
        .map(|w| {
            let (base, key, acknowledged) = (base.clone(), key.clone(), acknowledged.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                for i in 0..10_000 {
                    let body = json!({"phone": format!("+346{w:02}{i:06}"), "category": "offers",
                        "action": "grant", "evidence": {"notice_version": "v1",
                        "notice_text": "You agree to receive offers from Acme.", "ip": "203.0.113.7"}});
                    let Ok(r) = client
                        .post(format!("{base}/api/v1/consents"))
                        .bearer_auth(&key)
                        .json(&body)
                        .send()
                        .await
                    else {
                        return;
                    };
                    if r.status() != 201 {
                        return;
                    }
                    let Ok(answer) = r.json::<serde_json::Value>().await else {
                        return;
                    };
                    let id = answer["event"]["id"].as_str().unwrap().to_owned();
                    acknowledged.lock().unwrap().push(id);
                }
            })
        })
        .collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(
            Instant::now() < deadline,
            "too few answers:\n{}",
            server.log()
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();

    let run = cli_ok(&db.url, &["ledger", "verify"], None);
    assert!(run.stdout.contains("ledger intact"), "{}", run.stdout);
    let check = assent::db::Db::connect(&db.url).await.unwrap();
    for id in &acknowledged {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_events WHERE id = $1")
            .bind(id)
            .fetch_one(&check.pool)
            .await
            .unwrap();
        assert_eq!(n, 1, "acknowledged event {id} was lost");
    }
}
