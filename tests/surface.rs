//! Black-box tests of Assent's surface: the `assent` command, bad input over HTTP,
//! API-key authentication, the templates API and the ops endpoints (SPEC §3, §11, §13).
//! A fresh database per test: SQLite by default, PostgreSQL when TEST_DATABASE_URL is set.

#[path = "api/helpers.rs"]
mod helpers;
use helpers::*;

use assent::domain::PhoneNumber;
use assent::numbers::{self, NewNumber, ProviderKind};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The Meta-compatible send endpoint of the sandbox number.
const MESSAGES: &str = "/v23.0/100000000000001/messages";

// ---------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------

/// What a request may have stored: messages, ledger events, blocked sends, templates.
async fn stored(app: &TestApp) -> [i64; 4] {
    [
        app.count("messages").await,
        app.count("ledger_events").await,
        app.count("blocked_sends").await,
        app.count("templates").await,
    ]
}

/// Asserts Meta's error shape, the HTTP status, the error code and, when given, that
/// `error.error_data.details` names `field` (Assent writes it as `field: problem`).
fn assert_meta_error(
    label: &str,
    status: StatusCode,
    body: &Value,
    want_status: u16,
    want_code: i64,
    field: Option<&str>,
) {
    assert_eq!(status.as_u16(), want_status, "{label}: status; body {body}");
    let error = &body["error"];
    assert!(error.is_object(), "{label}: not a Meta error: {body}");
    assert_eq!(error["code"].as_i64(), Some(want_code), "{label}: {body}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("(#{want_code}) ")),
        "{label}: message {message:?}"
    );
    assert!(
        error["type"].as_str().is_some_and(|t| !t.is_empty()),
        "{label}: type: {body}"
    );
    assert!(
        error["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()),
        "{label}: fbtrace_id: {body}"
    );
    let details = error["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("{label}: no error_data.details: {body}"));
    if let Some(field) = field {
        assert!(
            details.starts_with(&format!("{field}: ")),
            "{label}: details should name {field:?}: {details:?}"
        );
    }
}

fn details(body: &Value) -> &str {
    body["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_default()
}

/// A raw POST: any bytes, any content type, any headers.
async fn post_raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/json")
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> (StatusCode, String) {
    let mut request = app.client.get(format!("{}{path}", app.address));
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    let r = request.send().await.unwrap();
    let status = r.status();
    (status, r.text().await.unwrap())
}

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn show(o: &std::process::Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}--- stderr\n{}",
        o.status.code(),
        out(o),
        err(o)
    )
}

/// Runs `assent` on `db` and expects exit 0.
fn cli_ok(db: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let o = cli(db, args, stdin);
    assert!(o.status.success(), "assent {args:?} failed: {}", show(&o));
    o
}

/// Runs `assent` on `db`, expects a non-zero exit and an error that mentions each of
/// `needles` (case-insensitive), on standard error.
fn cli_fails(db: &str, args: &[&str], stdin: Option<&str>, needles: &[&str]) {
    let o = cli(db, args, stdin);
    assert!(
        !o.status.success(),
        "assent {args:?} should fail: {}",
        show(&o)
    );
    let stderr = err(&o).to_lowercase();
    for needle in needles {
        assert!(
            stderr.contains(&needle.to_lowercase()),
            "assent {args:?}: the error should mention {needle:?}: {}",
            show(&o)
        );
    }
}

async fn raw_db(url: &str) -> assent::db::Db {
    assent::db::Db::connect(url).await.unwrap()
}

async fn scalar_strings(url: &str, sql: &str) -> Vec<String> {
    let db = raw_db(url).await;
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    rows.into_iter().map(|(s,)| s).collect()
}

/// A second business number (sandbox provider) and an API key for it.
async fn second_number(app: &TestApp) -> String {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let number = numbers::add(
        &app.services.db,
        NewNumber {
            phone_number_id: "100000000000002".into(),
            display_number: PhoneNumber::parse("+34911234567").unwrap(),
            provider: ProviderKind::Sandbox,
            api_base_url: None,
            api_version: "v23.0".into(),
            access_token: None,
            api_key_header: None,
            app_secret: None,
            verify_token: None,
            rate_per_second: None,
            rate_burst: None,
            messaging_limit: Some(250),
        },
        assent::numbers::ChatSettings::parse(None, &[]).unwrap(),
    )
    .await
    .unwrap();
    assent::api_keys::create(&app.services.db, &number.id, "second")
        .await
        .unwrap()
        .key
}

/// A contact who wrote a minute ago: free-form messages to them pass the gate.
async fn in_window(app: &TestApp, phone: &str) {
    app.inbound_from(phone, Duration::from_secs(60)).await;
}

// ---------------------------------------------------------------------------------
// 1. The `assent` command
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn cli_help_works_for_every_command() {
    let db = TestDb::new().await;
    let cases: &[(&[&str], &[&str])] = &[
        (
            &["--help"],
            &[
                "Usage: assent",
                "serve",
                "migrate",
                "user",
                "number",
                "apikey",
                "ledger",
                "--database-url",
            ],
        ),
        (
            &["serve", "--help"],
            &["Usage: assent serve", "--bind", "--public-url", "--workers"],
        ),
        (&["migrate", "--help"], &["Usage: assent migrate"]),
        (
            &["user", "add", "--help"],
            &[
                "Usage: assent user add",
                "--email",
                "--role",
                "admin",
                "compliance",
                "marketer",
            ],
        ),
        (
            &["number", "add", "--help"],
            &[
                "Usage: assent number add",
                "--phone-number-id",
                "--display-number",
                "--provider",
                "sandbox",
                "cloud",
                "onprem",
                "--api-base-url",
                "--access-token",
                "--app-secret",
                "--verify-token",
            ],
        ),
        (
            &["apikey", "create", "--help"],
            &["Usage: assent apikey create", "--phone-number-id", "--name"],
        ),
        (
            &["ledger", "verify", "--help"],
            &["Usage: assent ledger verify"],
        ),
        (
            &["ledger", "export", "--help"],
            &[
                "Usage: assent ledger export",
                "--format",
                "csv",
                "json",
                "--output",
            ],
        ),
    ];
    for (args, needles) in cases {
        let o = cli_ok(&db.url, args, None);
        let text = out(&o);
        for needle in *needles {
            assert!(
                text.contains(needle),
                "assent {args:?}: help should mention {needle:?}:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn cli_migrate_is_idempotent_and_a_fresh_install_has_the_sandbox_number() {
    let db = TestDb::new().await;
    let first = cli_ok(&db.url, &["migrate"], None);
    assert!(
        out(&first).contains("migrations applied"),
        "{}",
        show(&first)
    );
    cli_ok(&db.url, &["migrate"], None);
    let list = out(&cli_ok(&db.url, &["number", "list"], None));
    assert_eq!(
        list.lines().collect::<Vec<_>>(),
        ["100000000000001\t+12025550100\tsandbox"],
        "a fresh install holds exactly the embedded sandbox number"
    );
}

#[tokio::test]
async fn cli_number_add_registers_once_and_rejects_bad_input_with_a_clear_message() {
    let db = TestDb::new().await;
    let token = "EAAG-cli-secret-token";
    let add = [
        "number",
        "add",
        "--phone-number-id",
        "555000111",
        "--display-number",
        "+34 911 234 569",
        "--provider",
        "cloud",
        "--access-token",
        token,
    ];
    let o = cli_ok(&db.url, &add, None);
    assert!(out(&o).contains("555000111"), "{}", show(&o));

    let list = out(&cli_ok(&db.url, &["number", "list"], None));
    let line = list
        .lines()
        .find(|l| l.starts_with("555000111"))
        .unwrap_or_else(|| panic!("number list should show 555000111:\n{list}"));
    assert_eq!(line, "555000111\t+34911234569\tcloud");
    assert!(
        !list.contains(token),
        "number list must not print the access token"
    );

    cli_fails(&db.url, &add, None, &["555000111", "already registered"]);

    let mut bad_display = add;
    bad_display[3] = "555000112";
    bad_display[5] = "12";
    cli_fails(
        &db.url,
        &bad_display,
        None,
        &["--display-number", "not a valid phone number"],
    );

    cli_fails(
        &db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            "555000113",
            "--display-number",
            "+34911234570",
            "--provider",
            "onprem",
            "--access-token",
            token,
        ],
        None,
        &["--api-base-url"],
    );

    cli_fails(
        &db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            "not-digits",
            "--display-number",
            "+34911234570",
            "--provider",
            "sandbox",
        ],
        None,
        &["phone_number_id", "digits"],
    );

    assert_eq!(
        out(&cli_ok(&db.url, &["number", "list"], None)),
        list,
        "the refused commands changed nothing"
    );
}

#[tokio::test]
async fn cli_number_add_rejects_nonsense_rates_limits_and_urls() {
    let db = TestDb::new().await;
    cli_ok(&db.url, &["migrate"], None);
    let before = out(&cli_ok(&db.url, &["number", "list"], None));
    let base = |id: &'static str| {
        vec![
            "number",
            "add",
            "--phone-number-id",
            id,
            "--display-number",
            "+34911234570",
            "--provider",
            "onprem",
            "--api-base-url",
            "https://bsp.example",
            "--access-token",
            "k",
        ]
    };
    for (id, extra, needle) in [
        ("555000121", "--rate-per-second=-5", "--rate-per-second"),
        ("555000122", "--rate-per-second=0", "--rate-per-second"),
        ("555000123", "--rate-burst=-1", "--rate-burst"),
        ("555000124", "--messaging-limit=-1", "--messaging-limit"),
    ] {
        let mut args = base(id);
        args.push(extra);
        cli_fails(&db.url, &args, None, &[needle]);
    }
    let mut args = base("555000125");
    args[9] = "not a url";
    cli_fails(&db.url, &args, None, &["--api-base-url"]);
    assert_eq!(out(&cli_ok(&db.url, &["number", "list"], None)), before);
}

#[tokio::test]
async fn cli_apikey_create_prints_a_working_key_on_the_last_line_and_stores_only_its_hash() {
    let db = TestDb::new().await;
    let o = cli_ok(
        &db.url,
        &["apikey", "create", "--phone-number-id", SANDBOX_ID],
        None,
    );
    let stdout = out(&o);
    let key = stdout.lines().last().expect("some output").to_owned();
    assert!(
        !key.is_empty() && !key.contains(char::is_whitespace),
        "the last line is the key alone: {stdout:?}"
    );
    assert!(key.len() >= 32, "a key long enough to be secret: {key:?}");

    let stored_keys = scalar_strings(&db.url, "SELECT key_sha256 FROM api_keys").await;
    assert_eq!(stored_keys.len(), 1);
    assert!(
        stored_keys.iter().all(|k| !k.contains(&key)),
        "the key is not stored in clear"
    );
    cli_fails(
        &db.url,
        &["apikey", "create", "--phone-number-id", "999999999"],
        None,
        &["999999999", "number list"],
    );
    assert_eq!(
        scalar_strings(&db.url, "SELECT key_sha256 FROM api_keys")
            .await
            .len(),
        1,
        "the refused command created no key"
    );

    let app = TestApp::spawn_on(db, 1).await;
    let (status, body) = get(&app, "/api/v1/templates", Some(&key)).await;
    assert_eq!(status, 200, "the CLI's key authenticates: {body}");
    let (status, _) = get(&app, "/api/v1/templates", Some(&format!("{key}x"))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn cli_user_add_hashes_with_argon2id_and_rejects_bad_input() {
    let db = TestDb::new().await;
    let add = [
        "user",
        "add",
        "--email",
        "a@example.com",
        "--role",
        "compliance",
    ];
    let password = "correct horse battery staple";
    let o = cli_ok(&db.url, &add, Some(&format!("{password}\n")));
    assert!(out(&o).contains("compliance"), "{}", show(&o));

    let hashes = scalar_strings(&db.url, "SELECT password_hash FROM users").await;
    assert_eq!(hashes.len(), 1);
    assert!(hashes[0].starts_with("$argon2id$"), "{}", hashes[0]);
    assert!(!hashes[0].contains(password));
    assert_eq!(
        scalar_strings(&db.url, "SELECT role FROM users").await,
        ["compliance"]
    );

    cli_fails(
        &db.url,
        &["user", "add", "--email", "b@example.com", "--role", "admin"],
        Some("short\n"),
        &["password", "12"],
    );
    cli_fails(
        &db.url,
        &["user", "add", "--email", "not-an-email", "--role", "admin"],
        Some("correct horse battery staple\n"),
        &["not an email"],
    );
    cli_fails(
        &db.url,
        &add,
        Some("another long password 123\n"),
        &["already exists"],
    );
    cli_fails(
        &db.url,
        &["user", "add", "--email", "A@Example.COM", "--role", "admin"],
        Some("another long password 123\n"),
        &["already exists"],
    );
    cli_fails(
        &db.url,
        &["user", "add", "--email", "c@example.com", "--role", "owner"],
        Some("correct horse battery staple\n"),
        &["owner"],
    );
    assert_eq!(
        scalar_strings(&db.url, "SELECT email FROM users").await,
        ["a@example.com"],
        "the refused commands added no user"
    );
}

#[tokio::test]
async fn cli_ledger_verify_and_export_work_on_a_fresh_install() {
    let db = TestDb::new().await;
    let o = cli_ok(&db.url, &["ledger", "verify"], None);
    assert!(out(&o).contains("ledger intact: 0 events"), "{}", show(&o));
    let o = cli_ok(&db.url, &["ledger", "export", "--format", "json"], None);
    assert!(err(&o).contains("0 events exported"), "{}", show(&o));
    cli_ok(&db.url, &["ledger", "export", "--format", "csv"], None);
    cli_fails(
        &db.url,
        &[
            "ledger",
            "export",
            "--format",
            "json",
            "--since",
            "yesterday",
        ],
        None,
        &["yesterday", "RFC 3339"],
    );
    cli_fails(
        &db.url,
        &["ledger", "export", "--format", "xml"],
        None,
        &["xml"],
    );
}

// ---------------------------------------------------------------------------------
// 2. Authentication
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn requests_without_a_valid_key_get_401_code_190_and_store_nothing() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let before = stored(&app).await;
    let body = text_body(ALICE, "hello");

    let (status, answer) = post_raw(&app, MESSAGES, &[], body.to_string()).await;
    assert_meta_error("no key", status, &answer, 401, 190, None);
    assert!(details(&answer).contains("Bearer"), "{answer}");

    for (label, headers) in [
        (
            "wrong bearer key",
            [("authorization", "Bearer assent_wrong")],
        ),
        (
            "not a bearer scheme",
            [("authorization", "Basic dXNlcjpwYXNz")],
        ),
        ("wrong WA-API-KEY", [("wa-api-key", "assent_wrong")]),
        ("empty bearer", [("authorization", "Bearer ")]),
    ] {
        let (status, answer) = post_raw(&app, MESSAGES, &headers, body.to_string()).await;
        assert_meta_error(label, status, &answer, 401, 190, None);
        let (status, answer) = post_raw(&app, "/v1/messages", &headers, body.to_string()).await;
        assert_meta_error(label, status, &answer, 401, 190, None);
    }
    let (status, text) = get(&app, "/api/v1/templates", None).await;
    assert_eq!(status, 401, "{text}");
    let (status, text) = get(&app, "/api/v1/consents?phone=%2B34612345678", None).await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn onprem_style_key_headers_are_accepted_on_v1_messages() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let body = json!({"to": ALICE, "type": "text", "text": {"body": "hi"}});
    for header in ["WA-API-KEY", "D360-API-KEY"] {
        let before = app.count("messages").await;
        let (status, answer) = post_raw(
            &app,
            "/v1/messages",
            &[(header, app.api_key.as_str())],
            body.to_string(),
        )
        .await;
        assert_eq!(status, 202, "{header}: {answer}");
        assert!(
            answer["messages"][0]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("wamid.")),
            "{header}: {answer}"
        );
        assert_eq!(answer["contacts"][0]["wa_id"], "34612345678");
        assert_eq!(app.count("messages").await, before + 1);
    }
    let (status, answer) = app.post_json("/v1/messages", &app.api_key, &body).await;
    assert_eq!(status, 202, "Bearer works on /v1/messages too: {answer}");
}

#[tokio::test]
async fn a_key_of_another_number_cannot_send_for_this_one() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let other = second_number(&app).await;
    let before = stored(&app).await;
    let (status, answer) = app
        .post_json(MESSAGES, &other, &text_body(ALICE, "hello"))
        .await;
    assert_meta_error("other number's key", status, &answer, 403, 10, None);
    assert!(details(&answer).contains("100000000000002"), "{answer}");
    assert_eq!(stored(&app).await, before, "nothing stored");

    // Its templates are its own.
    assert_eq!(
        app.register_template("mine", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    let (status, list) = get(&app, "/api/v1/templates", Some(&other)).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list["data"],
        json!([]),
        "another number's templates stay hidden"
    );
}

// ---------------------------------------------------------------------------------
// 3. Bad input on the send endpoint
// ---------------------------------------------------------------------------------

fn msg(extra: Value) -> Value {
    let mut body = json!({"messaging_product": "whatsapp", "to": ALICE});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn buttons(n: usize, title: &str) -> Value {
    let buttons: Vec<Value> = (0..n)
        .map(|i| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": format!("{title}{i}")}}))
        .collect();
    json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick one"},
        "action": {"buttons": buttons}}})
}

#[tokio::test]
async fn invalid_messages_get_400_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    // In the window, so a 400 below can only come from validation, not the gate.
    in_window(&app, ALICE).await;
    let rows: Vec<Value> = (0..11)
        .map(|i| json!({"id": format!("r{i}"), "title": format!("Row {i}")}))
        .collect();
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            "to as a number",
            json!({"messaging_product": "whatsapp", "to": 34612345678_u64, "type": "text", "text": {"body": "hi"}}),
            100,
            "to",
        ),
        (
            "phone with letters",
            text_body("+34 612 ABC 678", "hi"),
            100,
            "to",
        ),
        (
            "phone of 16 digits",
            text_body("+3461234567812345", "hi"),
            100,
            "to",
        ),
        (
            "phone with leading zeros",
            text_body("0034612345678", "hi"),
            100,
            "to",
        ),
        (
            "phone without country code",
            text_body("612345678", "hi"),
            100,
            "to",
        ),
        ("empty phone", text_body("", "hi"), 100, "to"),
        (
            "SQL as a phone",
            text_body("+34612345678'; DROP TABLE messages; --", "hi"),
            100,
            "to",
        ),
        (
            "text.body of 4097 characters",
            text_body(ALICE, &"a".repeat(4097)),
            100,
            "text.body",
        ),
        ("empty text.body", text_body(ALICE, ""), 100, "text.body"),
        (
            "text.body as a number",
            msg(json!({"type": "text", "text": {"body": 42}})),
            100,
            "text.body",
        ),
        (
            "preview_url without a URL",
            msg(json!({"type": "text", "text": {"body": "no link here", "preview_url": true}})),
            100,
            "text.preview_url",
        ),
        (
            "4 reply buttons",
            msg(buttons(4, "Choice ")),
            100,
            "interactive.action.buttons",
        ),
        (
            "button title of 21 characters",
            msg(buttons(1, &"t".repeat(20))),
            100,
            "interactive.action.buttons[0].reply.title",
        ),
        (
            "list with 11 rows",
            msg(
                json!({"type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick"},
                "action": {"button": "Choose", "sections": [{"title": "All", "rows": rows}]}}}),
            ),
            100,
            "interactive.action.sections[0].rows",
        ),
        (
            "template name with uppercase",
            template_body(ALICE, "Order_Shipped"),
            100,
            "template.name",
        ),
        (
            "image with neither link nor id",
            msg(json!({"type": "image", "image": {"caption": "look"}})),
            131008,
            "image.link",
        ),
        (
            "image link that is not a web URL",
            msg(json!({"type": "image", "image": {"link": "javascript:alert(1)"}})),
            100,
            "image.link",
        ),
        (
            "unknown type",
            msg(json!({"type": "fax", "fax": {}})),
            100,
            "type",
        ),
        (
            "latitude out of range",
            msg(json!({"type": "location", "location": {"latitude": 91.0, "longitude": 0.0}})),
            100,
            "location.latitude",
        ),
        (
            "group recipient",
            msg(json!({"recipient_type": "group", "type": "text", "text": {"body": "hi"}})),
            100,
            "recipient_type",
        ),
        (
            "missing messaging_product",
            json!({"to": ALICE, "type": "text", "text": {"body": "hi"}}),
            131008,
            "messaging_product",
        ),
        (
            "wrong messaging_product",
            json!({"messaging_product": "sms", "to": ALICE, "type": "text", "text": {"body": "hi"}}),
            100,
            "messaging_product",
        ),
        (
            "missing to",
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}),
            131008,
            "to",
        ),
        ("body is a JSON array", json!([1, 2, 3]), 100, "(body)"),
        ("body is a JSON string", json!("hello"), 100, "(body)"),
        (
            "verify_contact not a boolean",
            msg(json!({"type": "text", "text": {"body": "hi"}, "verify_contact": "yes"})),
            100,
            "verify_contact",
        ),
    ];
    let before = stored(&app).await;
    for (label, body, want_code, field) in &cases {
        let (status, answer) = app.send(body).await;
        assert_meta_error(label, status, &answer, 400, *want_code, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }
    // The phone errors say what is wrong, not just "invalid".
    let (_, answer) = app.send(&text_body("0034612345678", "hi")).await;
    assert!(details(&answer).contains("country code"), "{answer}");
    let (_, answer) = app.send(&text_body("+3461234567812345", "hi")).await;
    assert!(details(&answer).contains("15 digits"), "{answer}");
}

#[tokio::test]
async fn media_without_link_or_id_says_that_either_will_do() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let (status, answer) = app
        .send(&msg(json!({"type": "image", "image": {"caption": "look"}})))
        .await;
    assert_meta_error("image", status, &answer, 400, 131008, Some("image.link"));
    assert!(
        details(&answer).contains(" id"),
        "the error should say a media id works too: {answer}"
    );
}

#[tokio::test]
async fn a_bad_idempotency_key_gets_400_naming_it() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    let body = text_body(ALICE, "hi").to_string();
    let long = "k".repeat(256);
    for (label, key) in [("256 characters", long.as_str()), ("blank", "   ")] {
        let (status, answer) = post_raw(
            &app,
            MESSAGES,
            &[("authorization", auth.as_str()), ("idempotency-key", key)],
            body.clone(),
        )
        .await;
        assert_meta_error(label, status, &answer, 400, 100, Some("Idempotency-Key"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn bad_consent_requests_get_400_naming_the_field_and_change_no_ledger() {
    let app = TestApp::spawn().await;
    let before = stored(&app).await;
    let consent = |phone: &str, category: &str, action: &str, ip: &str| {
        json!({"phone": phone, "category": category, "action": action,
               "evidence": {"notice_version": "v1", "notice_text": "You agree.", "ip": ip}})
    };
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            "unknown category",
            consent(ALICE, "vip_offers", "grant", "203.0.113.7"),
            100,
            "category",
        ),
        (
            "SQL as a category",
            consent(
                ALICE,
                "offers'; DROP TABLE ledger_events; --",
                "grant",
                "203.0.113.7",
            ),
            100,
            "category",
        ),
        (
            "phone with leading zeros",
            consent("0034612345678", "offers", "grant", "203.0.113.7"),
            100,
            "phone",
        ),
        (
            "unknown action",
            consent(ALICE, "offers", "maybe", "203.0.113.7"),
            100,
            "action",
        ),
        (
            "bad evidence ip",
            consent(ALICE, "offers", "grant", "<script>"),
            100,
            "evidence.ip",
        ),
        (
            "no phone or user_id",
            json!({"category": "offers", "action": "grant"}),
            131008,
            "phone",
        ),
        (
            "confirm without a pending opt-in",
            consent(ALICE, "offers", "confirm", "203.0.113.7"),
            100,
            "action",
        ),
    ];
    for (label, body, want_code, field) in &cases {
        let (status, answer) = app.post_json("/api/v1/consents", &app.api_key, body).await;
        assert_meta_error(label, status, &answer, 400, *want_code, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }
    let r = app
        .client
        .get(format!("{}/api/v1/consents", app.address))
        .query(&[("phone", "+1 800 FLOWERS")])
        .bearer_auth(&app.api_key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap_or(Value::Null);
    assert_meta_error(
        "GET with a bad phone",
        status,
        &answer,
        400,
        100,
        Some("phone"),
    );
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn text_of_exactly_4096_characters_is_accepted() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let (status, answer) = app.send(&text_body(ALICE, &"a".repeat(4096))).await;
    assert_eq!(status, 200, "{answer}");
    // Characters, not bytes: 4096 two-byte characters fit too.
    let (status, answer) = app.send(&text_body(ALICE, &"é".repeat(4096))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn malformed_json_gets_400_code_100_and_stores_nothing() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    for path in [MESSAGES, "/v1/messages"] {
        for (label, raw) in [
            ("truncated", r#"{"to":"#),
            ("empty body", ""),
            ("not JSON at all", "to=+34612345678&text=hi"),
            ("single quotes", "{'to': '+34612345678'}"),
        ] {
            let (status, answer) = post_raw(
                &app,
                path,
                &[("authorization", auth.as_str())],
                raw.to_owned(),
            )
            .await;
            let label = format!("{path} {label}");
            assert_meta_error(&label, status, &answer, 400, 100, Some("(body)"));
            assert!(details(&answer).contains("JSON"), "{label}: {answer}");
        }
        let (status, answer) = post_raw(
            &app,
            path,
            &[("authorization", auth.as_str())],
            "[1,2,3]".to_owned(),
        )
        .await;
        assert_meta_error(path, status, &answer, 400, 100, Some("(body)"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn json_followed_by_trailing_garbage_is_rejected() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    let one = text_body(ALICE, "first").to_string();
    let two = text_body(BOB, "second").to_string();
    for (label, raw) in [
        ("two objects", format!("{one}{two}")),
        ("trailing garbage", format!("{one} garbage")),
        ("trailing bracket", format!("{one}}}")),
    ] {
        let (status, answer) =
            post_raw(&app, MESSAGES, &[("authorization", auth.as_str())], raw).await;
        assert_meta_error(label, status, &answer, 400, 100, Some("(body)"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn an_oversized_body_gets_413_and_stores_nothing() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    let body = text_body(ALICE, &"x".repeat(70_000)).to_string();
    assert!(body.len() > 70_000);
    for path in [
        MESSAGES,
        "/v1/messages",
        "/api/v1/templates",
        "/api/v1/consents",
    ] {
        let (status, answer) = post_raw(
            &app,
            path,
            &[("authorization", auth.as_str())],
            body.clone(),
        )
        .await;
        assert_meta_error(path, status, &answer, 413, 100, Some("(body)"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn sql_and_html_in_a_message_are_stored_verbatim_and_harmlessly() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let evil = "'); DROP TABLE messages; -- <script>alert(1)</script> \" \\ %00 \u{0}";
    let (status, answer) = app.send(&text_body(ALICE, evil)).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.count("messages").await,
        1,
        "the messages table still works"
    );
    let (payload,): (String,) = sqlx::query_as("SELECT payload FROM messages WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["text"]["body"], evil, "stored exactly as sent");
    app.drain().await;
    assert_eq!(app.message_status(&id).await.0, "delivered");
    // Another send still works afterwards.
    let (status, answer) = app.send(&text_body(ALICE, "still here")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn unknown_paths_and_graph_versions_get_a_meta_shaped_404() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let before = stored(&app).await;
    let (status, text) = get(&app, "/no/such/thing", None).await;
    let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_meta_error("GET unknown path", status, &body, 404, 100, None);

    let (status, body) = app
        .post_json(
            "/v23.0/100000000000001/nothing",
            &app.api_key,
            &text_body(ALICE, "hi"),
        )
        .await;
    assert_meta_error("POST unknown path", status, &body, 404, 100, None);

    for version in ["latest", "23.0", "v", "v23.", "vX"] {
        let (status, body) = app
            .post_json(
                &format!("/{version}/{SANDBOX_ID}/messages"),
                &app.api_key,
                &text_body(ALICE, "hi"),
            )
            .await;
        assert_meta_error(version, status, &body, 404, 100, None);
        assert!(details(&body).contains("Graph API version"), "{body}");
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_gets_a_meta_shaped_error() {
    let app = TestApp::spawn().await;
    let before = stored(&app).await;
    for (method, path) in [
        (reqwest::Method::GET, MESSAGES),
        (reqwest::Method::DELETE, "/api/v1/templates"),
        (reqwest::Method::POST, "/healthz"),
    ] {
        let r = app
            .client
            .request(method.clone(), format!("{}{path}", app.address))
            .bearer_auth(&app.api_key)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let body: Value = r.json().await.unwrap_or(Value::Null);
        let label = format!("{method} {path}");
        assert!(status == 404 || status == 405, "{label}: {status}");
        assert_meta_error(&label, status, &body, status.as_u16(), 100, None);
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

// ---------------------------------------------------------------------------------
// 4. Templates API
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn templates_are_registered_once_listed_and_validated() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "order_shipped", "language": "en_US", "category": "UTILITY", "consent_category": "order_updates"});
    let (status, created) = app
        .post_json("/api/v1/templates", &app.api_key, &body)
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "order_shipped");
    assert_eq!(created["language"], "en_US");
    assert_eq!(created["category"], "UTILITY");
    assert_eq!(created["consent_category"], "order_updates");
    assert_eq!(app.count("templates").await, 1);

    let before = stored(&app).await;
    let (status, answer) = app
        .post_json("/api/v1/templates", &app.api_key, &body)
        .await;
    assert_meta_error("duplicate", status, &answer, 409, 100, None);
    assert!(details(&answer).contains("order_shipped"), "{answer}");
    assert_eq!(stored(&app).await, before, "duplicate: nothing stored");

    let (status, text) = get(&app, "/api/v1/templates", Some(&app.api_key)).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&text).unwrap();
    let data = list["data"].as_array().expect("templates under data");
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(data[0]["name"], "order_shipped");
    assert_eq!(data[0]["consent_category"], "order_updates");

    let template = |name: &str, category: &str, consent: &str| json!({"name": name, "language": "en", "category": category, "consent_category": consent});
    let mut unknown_field = template("spring_sale", "MARKETING", "offers");
    unknown_field["colour"] = json!("red");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown consent_category",
            template("spring_sale", "MARKETING", "vip_offers"),
            "consent_category",
        ),
        (
            "MARKETING template on a utility category",
            template("spring_sale", "MARKETING", "order_updates"),
            "consent_category",
        ),
        (
            "consent_category not a category name",
            template(
                "spring_sale",
                "MARKETING",
                "Offers'; DROP TABLE templates; --",
            ),
            "consent_category",
        ),
        (
            "category PROMO",
            template("spring_sale", "PROMO", "offers"),
            "category",
        ),
        (
            "template name with uppercase",
            template("Spring_Sale", "MARKETING", "offers"),
            "name",
        ),
        (
            "HTML in the name",
            template("<b>sale</b>", "MARKETING", "offers"),
            "name",
        ),
        (
            "bad language",
            json!({"name": "spring_sale", "language": "english!", "category": "MARKETING", "consent_category": "offers"}),
            "language",
        ),
        (
            "name of the wrong type",
            json!({"name": 7, "language": "en", "category": "MARKETING", "consent_category": "offers"}),
            "name",
        ),
    ];
    for (label, body, field) in &cases {
        let (status, answer) = app.post_json("/api/v1/templates", &app.api_key, body).await;
        assert_meta_error(label, status, &answer, 400, 100, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }
    let (status, answer) = app
        .post_json("/api/v1/templates", &app.api_key, &unknown_field)
        .await;
    assert_meta_error("unknown field", status, &answer, 400, 100, None);
    eprintln!("PROBE unknown field: {}", details(&answer));
    assert!(details(&answer).contains("colour"), "{answer}");
    let (status, answer) = app
        .post_json(
            "/api/v1/templates",
            &app.api_key,
            &json!({"name": "spring_sale", "language": "en", "category": "MARKETING"}),
        )
        .await;
    assert_meta_error("missing consent_category", status, &answer, 400, 100, None);
    assert!(details(&answer).contains("consent_category"), "{answer}");
    assert_eq!(stored(&app).await, before, "nothing stored");
}

// ---------------------------------------------------------------------------------
// 5. Ops endpoints
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let (status, text) = get(&app, "/healthz", None).await;
    assert_eq!((status.as_u16(), text.as_str()), (200, "ok"));
    let (status, text) = get(&app, "/readyz", None).await;
    assert_eq!(status, 200, "{text}");
}

fn metric_line<'a>(metrics: &'a str, name: &str) -> Option<&'a str> {
    metrics.lines().find(|l| l.starts_with(name))
}

#[tokio::test]
async fn metrics_count_accepted_and_blocked_sends() {
    let app = TestApp::spawn_on(TestDb::new().await, 0).await;
    let r = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain")
            || content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = r.text().await.unwrap();
    assert!(text.contains("assent_sends_accepted_total"), "{text}");
    assert_eq!(
        metric_line(&text, "assent_sends_accepted_total "),
        Some("assent_sends_accepted_total 0")
    );

    // A blocked send: a marketing template with no consent.
    assert_eq!(
        app.register_template("spring_sale", "MARKETING", "offers")
            .await
            .0,
        201
    );
    let before = stored(&app).await;
    let (status, answer) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_meta_error("no consent", status, &answer, 400, 470102, None);
    let after = stored(&app).await;
    assert_eq!(after[0], before[0], "no message stored");
    assert_eq!(after[2], before[2] + 1, "the refusal is recorded");

    // And an accepted one, which waits in the queue (no workers).
    in_window(&app, ALICE).await;
    assert_eq!(app.send(&text_body(ALICE, "hi")).await.0, 200);

    let (status, text) = get(&app, "/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        text.lines()
            .any(|l| l == r#"assent_sends_blocked_total{reason="no_consent"} 1"#),
        "{text}"
    );
    assert_eq!(
        metric_line(&text, "assent_sends_accepted_total "),
        Some("assent_sends_accepted_total 1"),
        "{text}"
    );
    assert_eq!(
        metric_line(&text, "assent_queue_depth "),
        Some("assent_queue_depth 1"),
        "{text}"
    );
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let app = TestApp::spawn().await;
    let (status, text) = get(&app, "/api/openapi.json", None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&text).expect("openapi.json is JSON");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for route in [
        "/{version}/{phone_number_id}/messages",
        "/v1/messages",
        "/v1/contacts",
        "/api/v1/templates",
        "/api/v1/consents",
        "/healthz",
        "/readyz",
        "/metrics",
        "/webhooks/whatsapp",
        "/api/v1/entry-points",
        "/api/v1/entry-points/{code}",
        "/api/v1/keywords",
        "/v1/configs/webhook",
    ] {
        assert!(paths.contains_key(route), "openapi.json lacks {route}");
    }
}

// ---------------------------------------------------------------------------------
// 6. `assent serve` and `assent`
// ---------------------------------------------------------------------------------

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

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
    let key = out(&created).lines().last().unwrap().to_owned();
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
    let list = out(&cli_ok(&db.url, &["number", "list"], None));
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
async fn control_characters_in_chained_consent_fields_are_refused() {
    let app = TestApp::spawn().await;
    let before = app.count("ledger_events").await;
    for field in ["source_ref", "notice_version", "language"] {
        let mut evidence = json!({"notice_version": "v1", "notice_text": "Yes"});
        evidence[field] = json!("a\u{0}b");
        let body =
            json!({"phone": ALICE, "category": "offers", "action": "grant", "evidence": evidence});
        let (status, answer) = app.post_json("/api/v1/consents", &app.api_key, &body).await;
        assert_eq!(status, 400, "{field}: {answer}");
        let details = answer["error"]["error_data"]["details"].as_str().unwrap();
        assert!(
            details.starts_with(&format!("evidence.{field}")),
            "{details}"
        );
    }
    assert_eq!(app.count("ledger_events").await, before);
}

#[tokio::test]
async fn a_proxys_basic_authorization_does_not_hide_the_onprem_key_header() {
    let app = TestApp::spawn().await;
    app.inbound_from(ALICE, Duration::from_secs(60)).await;
    let r = app
        .client
        .post(format!("{}/v1/messages", app.address))
        .header("Authorization", "Basic cHJveHk6cGFzcw==")
        .header("D360-API-KEY", &app.api_key)
        .json(&json!({"to": ALICE, "type": "text", "text": {"body": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
}
