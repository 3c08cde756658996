//! Black-box tests of the consent ledger (SPEC §4): recording and reading consent,
//! `assent ledger verify` on an intact and on a tampered chain, erasure, export, and
//! concurrent appends. Each test gets its own database: SQLite by default, PostgreSQL
//! when TEST_DATABASE_URL names a server.

#[path = "api/helpers.rs"]
mod helpers;
use helpers::*;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The notice text `TestApp::consent` sends as evidence.
const NOTICE: &str = "You agree to receive offers from Acme.";
/// The evidence IP `TestApp::consent` sends.
const ALICE_IP: &str = "203.0.113.7";
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
const CATEGORIES: [&str; 3] = ["order_updates", "offers", "product_news"];

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// The outcome of one run of the `assent` binary.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.code == Some(0)
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

fn run(app: &TestApp, args: &[&str]) -> Run {
    let out = app.cli(args);
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn verify(app: &TestApp) -> Run {
    run(app, &["ledger", "verify"])
}

/// `verify` must fail and name `seq` as the first broken event, after `checked`
/// events that did verify.
fn assert_broken_at(app: &TestApp, seq: i64, checked: u64) -> Run {
    let r = verify(app);
    assert!(
        !r.ok() && r.code.is_some(),
        "verify must exit non-zero: {r}"
    );
    assert!(
        r.stdout.contains(&format!("ledger BROKEN at event {seq} ")),
        "verify must name event {seq}: {r}"
    );
    assert!(
        r.stdout
            .contains(&format!("{checked} events before it verified")),
        "{checked} events should verify before it: {r}"
    );
    r
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&app.raw_db().pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn event_id(app: &TestApp, seq: i64) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM ledger_events WHERE seq = $1")
        .bind(seq)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

async fn consent_body(app: &TestApp, body: Value) -> (u16, Value) {
    let (status, answer) = app.post_json("/api/v1/consents", &app.api_key, &body).await;
    (status.as_u16(), answer)
}

/// A grant whose evidence carries its own IP, so it can be told apart from ALICE's.
async fn grant_with_ip(app: &TestApp, phone: &str, category: &str, ip: &str) {
    let (status, body) = consent_body(
        app,
        json!({"phone": phone, "category": category, "action": "grant",
               "evidence": {"notice_version": "v1", "notice_text": NOTICE, "ip": ip, "user_agent": "other"}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

async fn ok_consent(app: &TestApp, phone: &str, category: &str, action: &str) -> Value {
    let (status, body) = app.consent(phone, category, action).await;
    assert_eq!(status, 201, "{action} {category} for {phone}: {body}");
    body
}

/// Four events with evidence: ALICE grants offers and order_updates, BOB grants
/// offers, ALICE withdraws offers. The ledger verifies before any tampering.
async fn four_events(app: &TestApp) {
    ok_consent(app, ALICE, "offers", "grant").await;
    ok_consent(app, ALICE, "order_updates", "grant").await;
    ok_consent(app, BOB, "offers", "grant").await;
    ok_consent(app, ALICE, "offers", "withdraw").await;
    let r = verify(app);
    assert!(
        r.ok() && r.stdout.contains("4 events"),
        "intact before tampering: {r}"
    );
}

// ---------------------------------------------------------------------------
// 1. Recording and reading
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_grant_is_recorded_with_its_evidence_and_a_withdrawal_chains_onto_it() {
    let app = TestApp::spawn().await;

    let body = ok_consent(&app, ALICE, "offers", "grant").await;
    let first = &body["event"];
    assert_eq!(first["category"], "offers");
    assert_eq!(first["action"], "granted");
    assert_eq!(first["source"], "api");
    assert_eq!(first["notice_version"], "v1");
    assert_eq!(first["notice_sha256"], sha256_hex(NOTICE).as_str());
    assert!(
        first["actor"].as_str().unwrap().starts_with("api_key:"),
        "{first}"
    );
    assert_eq!(first["seq"], 1);
    assert_eq!(
        first["prev_hash"], GENESIS,
        "the first event follows genesis"
    );
    assert!(is_hex64(first["hash"].as_str().unwrap()), "{first}");
    assert!(
        time::OffsetDateTime::parse(
            first["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok(),
        "created_at is an RFC 3339 UTC time: {first}"
    );
    assert_eq!(body["state"]["state"], "granted");

    // The IP and user agent are kept as evidence of this event, outside the chain,
    // and the chain holds the SHA-256 of exactly that evidence.
    let (evidence, evidence_sha): (String, Option<String>) = sqlx::query_as(
        "SELECT ev.body, e.evidence_sha256 FROM ledger_evidence ev JOIN ledger_events e ON e.id = ev.event_id WHERE e.id = $1",
    )
    .bind(first["id"].as_str().unwrap())
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    let evidence_json: Value = serde_json::from_str(&evidence).unwrap();
    assert_eq!(evidence_json["evidence"]["ip"], ALICE_IP);
    assert_eq!(evidence_json["evidence"]["user_agent"], "test");
    assert_eq!(
        evidence_sha.as_deref(),
        Some(sha256_hex(&evidence).as_str())
    );

    let read = app.consents(ALICE).await;
    assert_eq!(read["phone"], ALICE);
    let categories = read["categories"].as_object().unwrap();
    let mut names: Vec<&str> = categories.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut expected = CATEGORIES.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "every known category is shown: {read}");
    assert_eq!(categories["offers"]["state"], "granted");
    assert_eq!(categories["order_updates"]["state"], "none");
    assert_eq!(categories["product_news"]["state"], "none");
    assert_eq!(read["events"].as_array().unwrap().len(), 1);

    let body = ok_consent(&app, ALICE, "offers", "withdraw").await;
    assert_eq!(body["event"]["action"], "withdrawn");
    assert_eq!(body["state"]["state"], "withdrawn");

    let read = app.consents(ALICE).await;
    assert_eq!(read["categories"]["offers"]["state"], "withdrawn");
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{read}");
    assert_eq!(
        (events[0]["seq"].as_i64(), events[1]["seq"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(events[0]["action"], "granted");
    assert_eq!(events[1]["action"], "withdrawn");
    assert_eq!(
        events[1]["prev_hash"], events[0]["hash"],
        "the withdrawal chains onto the grant"
    );
    assert_ne!(events[1]["hash"], events[0]["hash"]);
    assert_eq!(app.count("ledger_events").await, 2);
}

#[tokio::test]
async fn a_double_opt_in_is_pending_until_confirmed_and_only_a_pending_one_can_be_confirmed() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .register_template("confirm_offers", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");

    let (status, body) = consent_body(
        &app,
        json!({"phone": ALICE, "category": "offers", "action": "grant",
               "confirmation_template": "confirm_offers",
               "evidence": {"notice_version": "v1", "notice_text": NOTICE}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["event"]["action"], "granted");
    assert_eq!(body["event"]["confirmation_template"], "confirm_offers");
    assert_eq!(body["state"]["state"], "pending");
    assert_eq!(
        app.consents(ALICE).await["categories"]["offers"]["state"],
        "pending"
    );

    let body = ok_consent(&app, ALICE, "offers", "confirm").await;
    assert_eq!(body["event"]["action"], "confirmed");
    assert_eq!(body["state"]["state"], "granted");
    assert_eq!(
        app.consents(ALICE).await["categories"]["offers"]["state"],
        "granted"
    );
    assert_eq!(app.count("ledger_events").await, 2);

    // Nothing is pending any more, nor was anything ever pending for product_news.
    for category in ["offers", "product_news"] {
        let (status, body) = app.consent(ALICE, category, "confirm").await;
        assert_eq!(status, 400, "confirm {category}: {body}");
        let details = body["error"]["error_data"]["details"].as_str().unwrap();
        assert!(details.starts_with("action:"), "{details}");
    }
    assert_eq!(
        app.count("ledger_events").await,
        2,
        "a refused confirmation appends nothing"
    );
}

// ---------------------------------------------------------------------------
// 2. Verify on an intact ledger
// ---------------------------------------------------------------------------

#[tokio::test]
async fn verify_passes_an_intact_ledger_and_reports_its_size_and_head() {
    let app = TestApp::spawn().await;
    let r = verify(&app);
    assert!(r.ok(), "an empty ledger is intact: {r}");
    assert!(r.stdout.contains("ledger intact: 0 events"), "{r}");

    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, BOB, "order_updates", "grant").await;
    let last = ok_consent(&app, ALICE, "offers", "withdraw").await;

    let r = verify(&app);
    assert!(r.ok(), "{r}");
    assert!(r.stdout.contains("ledger intact: 3 events"), "{r}");
    let head = last["event"]["hash"].as_str().unwrap();
    assert!(
        r.stdout.contains(head),
        "the head is the last event's hash {head}: {r}"
    );
}

// ---------------------------------------------------------------------------
// 3. Tampering is detected and the first broken event named
// ---------------------------------------------------------------------------

#[tokio::test]
async fn verify_detects_an_altered_event() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let altered = event_id(&app, 2).await;
    exec(
        &app,
        "UPDATE ledger_events SET category = 'product_news' WHERE seq = 2",
    )
    .await;
    let r = assert_broken_at(&app, 2, 1);
    assert!(r.stdout.contains(&altered), "names the event id: {r}");
}

/// A tamperer who also recomputes the altered event's own hash is still caught: the
/// next event no longer follows it.
#[tokio::test]
async fn verify_detects_an_altered_event_whose_own_hash_was_recomputed() {
    let app = TestApp::spawn().await;
    four_events(&app).await;

    type Row = (
        i64,
        String,
        String,
        String,
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Row = sqlx::query_as(
        "SELECT seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, action, source, \
         source_ref, notice_version, notice_sha256, language, actor, evidence_sha256 FROM ledger_events WHERE seq = 2",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    let confirmation_template: Option<String> = None;
    let rehash = |category: &str| {
        sha256_hex(
            &json!([
                row.0,
                row.1,
                row.2,
                row.4,
                row.5,
                row.6,
                category,
                row.8,
                row.9,
                row.10,
                row.11,
                row.12,
                row.13,
                row.14,
                confirmation_template,
                row.15
            ])
            .to_string(),
        )
    };
    assert_eq!(
        rehash(&row.7),
        row.3,
        "the test's copy of the hash recipe matches the stored hash"
    );
    exec(
        &app,
        &format!(
            "UPDATE ledger_events SET category = 'product_news', hash = '{}' WHERE seq = 2",
            rehash("product_news")
        ),
    )
    .await;
    let r = assert_broken_at(&app, 3, 2);
    assert!(r.stdout.contains(&event_id(&app, 3).await), "{r}");
}

#[tokio::test]
async fn verify_detects_an_event_deleted_from_the_middle() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let after_gap = event_id(&app, 3).await;
    exec(&app, "DELETE FROM ledger_events WHERE seq = 2").await;
    let r = assert_broken_at(&app, 3, 1);
    assert!(r.stdout.contains(&after_gap), "{r}");
    assert!(
        r.stdout.contains("2..2 were removed"),
        "says which event is missing: {r}"
    );
}

#[tokio::test]
async fn verify_detects_reordered_events() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let third = event_id(&app, 3).await;
    exec(&app, "UPDATE ledger_events SET seq = -1 WHERE seq = 2").await;
    exec(&app, "UPDATE ledger_events SET seq = 2 WHERE seq = 3").await;
    exec(&app, "UPDATE ledger_events SET seq = 3 WHERE seq = -1").await;
    let r = assert_broken_at(&app, 2, 1);
    assert!(
        r.stdout.contains(&third),
        "names the event now in position 2: {r}"
    );
}

#[tokio::test]
async fn verify_detects_events_removed_from_the_end() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    exec(&app, "DELETE FROM ledger_events WHERE seq = 4").await;
    let r = assert_broken_at(&app, 4, 3);
    assert!(r.stdout.contains("removed"), "{r}");
}

#[tokio::test]
async fn verify_detects_altered_evidence() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let target = event_id(&app, 3).await;
    sqlx::query("UPDATE ledger_evidence SET body = $1 WHERE event_id = $2")
        .bind(r#"{"nonce":"00","evidence":{"ip":"198.51.100.1","user_agent":"forged"}}"#)
        .bind(&target)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let r = assert_broken_at(&app, 3, 2);
    assert!(r.stdout.contains(&target), "{r}");
    assert!(r.stdout.contains("evidence"), "{r}");
}

/// Evidence may only disappear through erasure (which appends an `erased` event for
/// the person). Deleting one event's evidence outside an erasure destroys the proof
/// of that consent and must not pass verification.
#[tokio::test]

async fn verify_detects_evidence_deleted_without_an_erasure() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let target = event_id(&app, 3).await;
    sqlx::query("DELETE FROM ledger_evidence WHERE event_id = $1")
        .bind(&target)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let r = assert_broken_at(&app, 3, 2);
    assert!(r.stdout.contains(&target), "{r}");
}

// ---------------------------------------------------------------------------
// 4. Erasure
// ---------------------------------------------------------------------------

#[tokio::test]
async fn erasure_removes_every_trace_of_the_person_keeps_the_chain_and_suppresses_her() {
    let app = TestApp::spawn().await;
    let alice_needles = ["34612345678", "612345678", ALICE_IP];
    let bob_ip = "198.51.100.9";

    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    grant_with_ip(&app, BOB, "offers", bob_ip).await;

    let (status, body) = app
        .register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{body}");
    app.drain().await;

    let (status, body) = app
        .register_template("spring_sale", "MARKETING", "product_news")
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!(status, 400, "no consent for product_news: {body}");
    assert_eq!(app.count("blocked_sends").await, 1);

    // The scan sees the person's data before erasure (so an empty result after it
    // means something).
    let before = find_everywhere(&app, &alice_needles).await;
    for place in [
        "contacts.wa_id: 34612345678",
        "messages.payload: 612345678",
        &format!("ledger_evidence.body: {ALICE_IP}"),
    ] {
        assert!(
            before.iter().any(|h| h.starts_with(place)),
            "{place} not found before erasure: {before:#?}"
        );
    }
    let events_before = app.count("ledger_events").await;
    assert_eq!(events_before, 3);
    let contacts_before = app.count("contacts").await;
    assert_eq!(contacts_before, 2);

    app.erase(ALICE).await;

    // The key compliance check: nothing in any table names her any more.
    let after = find_everywhere(&app, &alice_needles).await;
    assert!(
        after.is_empty(),
        "the erased person is still in the database: {after:#?}"
    );
    // ... while everyone else is untouched.
    let bob = find_everywhere(&app, &["34612345679", bob_ip]).await;
    assert!(
        bob.iter()
            .any(|h| h.starts_with("contacts.wa_id: 34612345679")),
        "{bob:#?}"
    );
    assert!(
        bob.iter()
            .any(|h| h.starts_with(&format!("ledger_evidence.body: {bob_ip}"))),
        "{bob:#?}"
    );
    assert_eq!(app.count("contacts").await, contacts_before - 1);

    // The chain still verifies, with every event kept plus the erasure.
    let r = verify(&app);
    assert!(r.ok(), "erasure must not break the chain: {r}");
    assert!(
        r.stdout
            .contains(&format!("ledger intact: {} events", events_before + 1)),
        "{r}"
    );
    assert_eq!(app.count("ledger_events").await, events_before + 1);
    let (category, action, source, actor): (String, String, String, Option<String>) =
        sqlx::query_as(
            "SELECT category, action, source, actor FROM ledger_events ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(
        (category.as_str(), action.as_str(), source.as_str()),
        ("*", "erased", "staff")
    );
    assert_eq!(actor.as_deref(), Some("staff:test"));

    // Reading her consent back finds nobody.
    let read = app.consents(ALICE).await;
    assert_eq!(read["events"].as_array().unwrap().len(), 0, "{read}");
    for c in CATEGORIES {
        assert_eq!(read["categories"][c]["state"], "none", "{read}");
    }

    // She is never messaged again, and refusing her stores no contact and no number.
    let blocked_before = app.count("blocked_sends").await;
    let messages_before = app.count("messages").await;
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), 470101, "suppressed: {body}");
    assert_eq!(
        app.count("contacts").await,
        contacts_before - 1,
        "no contact row for her again"
    );
    assert_eq!(app.count("messages").await, messages_before);
    assert_eq!(app.count("blocked_sends").await, blocked_before + 1);
    let (masked, hash, reason, refused_code): (Option<String>, Option<String>, String, i64) =
        sqlx::query_as(
            "SELECT recipient_masked, recipient_hash, reason, code FROM blocked_sends ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!((reason.as_str(), refused_code), ("suppressed", 470101));
    assert_eq!(
        masked, None,
        "for an erased person not even a masked number is kept"
    );
    let hash = hash.expect("the refusal is keyed by hash");
    assert!(
        is_hex64(&hash) && !hash.contains("612345678"),
        "hash: {hash}"
    );
    let after_refusal = find_everywhere(&app, &alice_needles).await;
    assert!(
        after_refusal.is_empty(),
        "the refusal brought her back: {after_refusal:#?}"
    );
}

// ---------------------------------------------------------------------------
// 5. Export
// ---------------------------------------------------------------------------

const CSV_HEADER: &str = "seq,id,created_at,phone_number_id,subject_id,phone,user_id,category,action,source,\
source_ref,notice_version,notice_sha256,language,actor,ip,user_agent,inbound_message_id,prev_hash,hash";

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<&str> = reader.headers().unwrap().iter().collect();
    assert_eq!(header.join(","), CSV_HEADER);
    reader.records().map(Result::unwrap).collect()
}

fn export(app: &TestApp, extra: &[&str]) -> Run {
    let mut args = vec!["ledger", "export"];
    args.extend_from_slice(extra);
    let r = run(app, &args);
    assert!(r.ok(), "export {extra:?}: {r}");
    r
}

#[tokio::test]
async fn an_empty_ledger_exports_only_the_csv_header() {
    let app = TestApp::spawn().await;
    let r = export(&app, &["--format", "csv"]);
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        vec![CSV_HEADER],
        "{r}"
    );
    let r = export(&app, &["--format", "json"]);
    let parsed: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    assert_eq!(parsed, json!([]));
}

#[tokio::test]
async fn the_cli_exports_the_ledger_as_csv_and_json_with_filters() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    grant_with_ip(&app, BOB, "offers", "198.51.100.9").await;
    ok_consent(&app, ALICE, "offers", "withdraw").await;
    let n = 4;

    // CSV: a header and one line per event, in chain order, with the person's phone
    // and evidence joined in.
    let csv_out = export(&app, &["--format", "csv"]);
    assert_eq!(csv_out.stdout.lines().count(), n + 1, "{csv_out}");
    assert!(csv_out.stdout.starts_with(&format!("{CSV_HEADER}\n")));
    let rows = csv_rows(&csv_out.stdout);
    assert_eq!(rows.len(), n);
    let col = |name: &str| CSV_HEADER.split(',').position(|c| c == name).unwrap();
    let seqs: Vec<&str> = rows.iter().map(|r| &r[col("seq")]).collect();
    assert_eq!(seqs, ["1", "2", "3", "4"]);
    let phones: Vec<&str> = rows.iter().map(|r| &r[col("phone")]).collect();
    assert_eq!(phones, [ALICE, ALICE, BOB, ALICE]);
    assert_eq!(&rows[0][col("phone_number_id")], SANDBOX_ID);
    assert_eq!(&rows[0][col("action")], "granted");
    assert_eq!(&rows[3][col("action")], "withdrawn");
    assert_eq!(&rows[0][col("ip")], ALICE_IP);
    assert_eq!(&rows[0][col("notice_sha256")], sha256_hex(NOTICE));
    assert_eq!(&rows[0][col("prev_hash")], GENESIS);
    for pair in rows.windows(2) {
        assert_eq!(pair[1][col("prev_hash")], pair[0][col("hash")]);
    }
    assert!(csv_out.stderr.contains("4 events exported"), "{csv_out}");

    // JSON: an array of the same events, with their hashes.
    let json_out = export(&app, &["--format", "json"]);
    let parsed: Value =
        serde_json::from_str(&json_out.stdout).unwrap_or_else(|e| panic!("{e}: {json_out}"));
    let events = parsed.as_array().expect("a JSON array");
    assert_eq!(events.len(), n);
    for (event, row) in events.iter().zip(&rows) {
        assert!(is_hex64(event["hash"].as_str().unwrap()), "{event}");
        assert!(is_hex64(event["prev_hash"].as_str().unwrap()), "{event}");
        assert_eq!(event["hash"], &row[col("hash")]);
        assert_eq!(event["id"], &row[col("id")]);
    }
    assert_eq!(events[1]["prev_hash"], events[0]["hash"]);

    // --category filters.
    let offers = csv_rows(&export(&app, &["--format", "csv", "--category", "offers"]).stdout);
    assert_eq!(offers.len(), 3);
    assert!(offers.iter().all(|r| &r[col("category")] == "offers"));
    let none = csv_rows(&export(&app, &["--format", "csv", "--category", "product_news"]).stdout);
    assert!(none.is_empty());

    // --phone-number-id filters by business number.
    let ours = export(&app, &["--format", "csv", "--phone-number-id", SANDBOX_ID]);
    assert_eq!(csv_rows(&ours.stdout).len(), n);
    let other = export(
        &app,
        &["--format", "csv", "--phone-number-id", "100000000000999"],
    );
    assert_eq!(csv_rows(&other.stdout).len(), 0);

    // --since / --until filter by time.
    let since = export(
        &app,
        &["--format", "csv", "--since", "2000-01-01T00:00:00Z"],
    );
    assert_eq!(csv_rows(&since.stdout).len(), n);
    let until = export(
        &app,
        &["--format", "csv", "--until", "2000-01-01T00:00:00Z"],
    );
    assert_eq!(csv_rows(&until.stdout).len(), 0);
    let future = export(
        &app,
        &["--format", "csv", "--since", "2999-01-01T00:00:00Z"],
    );
    assert_eq!(csv_rows(&future.stdout).len(), 0);

    // A bad time is refused, naming the format it should have.
    let bad = run(
        &app,
        &[
            "ledger",
            "export",
            "--format",
            "csv",
            "--since",
            "yesterday",
        ],
    );
    assert!(!bad.ok() && bad.code.is_some(), "{bad}");
    assert!(bad.stderr.contains("RFC 3339"), "{bad}");

    // --output writes the file instead of standard output.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ledger.csv");
    let to_file = export(
        &app,
        &["--format", "csv", "--output", file.to_str().unwrap()],
    );
    assert!(to_file.stdout.is_empty(), "{to_file}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv_out.stdout);

    // After erasure the export keeps every event but no longer names her.
    app.erase(ALICE).await;
    let erased = export(&app, &["--format", "csv"]);
    let rows = csv_rows(&erased.stdout);
    assert_eq!(rows.len(), n + 1);
    let phones: Vec<&str> = rows.iter().map(|r| &r[col("phone")]).collect();
    assert_eq!(phones, ["", "", BOB, "", ""]);
    assert!(!erased.stdout.contains("612345678"), "{erased}");
    assert!(!erased.stdout.contains(ALICE_IP), "{erased}");
    assert_eq!(&rows[n][col("action")], "erased");
}

// ---------------------------------------------------------------------------
// 6. Concurrency
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_consents_form_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let phones: Vec<String> = (0..40).map(|i| format!("+3461234{i:04}")).collect();
    let answers = futures_util::future::join_all(
        phones
            .iter()
            .map(|phone| app.consent(phone, "offers", "grant")),
    )
    .await;
    let mut seqs = Vec::new();
    for (phone, (status, body)) in phones.iter().zip(&answers) {
        assert_eq!(*status, 201, "{phone}: {body}");
        seqs.push(body["event"]["seq"].as_i64().unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=40).collect::<Vec<i64>>(),
        "each append got its own seq"
    );

    let r = verify(&app);
    assert!(r.ok(), "{r}");
    assert!(r.stdout.contains("ledger intact: 40 events"), "{r}");
    let stored: Vec<(i64,)> = sqlx::query_as("SELECT seq FROM ledger_events ORDER BY seq")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(
        stored.into_iter().map(|(s,)| s).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<i64>>()
    );
    assert_eq!(app.count("contacts").await, 40);
}

// ---------------------------------------------------------------------------
// 7. Validation
// ---------------------------------------------------------------------------

fn details(body: &Value) -> &str {
    body["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("no error details: {body}"))
}

#[tokio::test]
async fn invalid_consent_requests_are_refused_naming_the_field_and_append_nothing() {
    let app = TestApp::spawn().await;
    let valid = json!({"phone": ALICE, "category": "offers", "action": "grant",
        "evidence": {"notice_version": "v1", "notice_text": NOTICE, "notice_sha256": sha256_hex(NOTICE),
                     "ip": ALICE_IP, "user_agent": "test"}});
    let (status, body) = consent_body(&app, valid.clone()).await;
    assert_eq!(status, 201, "the valid request the others alter: {body}");
    let events = app.count("ledger_events").await;
    let contacts = app.count("contacts").await;

    let with = |path: &[&str], value: Value| {
        let mut body = valid.clone();
        let mut at = &mut body;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        body
    };
    let cases = [
        (
            "unknown category",
            with(&["category"], json!("newsletter")),
            "category",
        ),
        (
            "letters in phone",
            with(&["phone"], json!("+34 abc")),
            "phone",
        ),
        (
            "category of the wrong type",
            with(&["category"], json!(5)),
            "category",
        ),
        (
            "unknown evidence field",
            with(&["evidence", "colour"], json!("red")),
            "evidence",
        ),
        (
            "bad evidence.ip",
            with(&["evidence", "ip"], json!("203.0.113.999")),
            "evidence.ip",
        ),
        (
            "notice_sha256 not of notice_text",
            with(
                &["evidence", "notice_sha256"],
                json!(sha256_hex("Another notice.")),
            ),
            "evidence.notice_sha256",
        ),
    ];
    for (what, body, field) in cases {
        // A new person each time, so a wrongly accepted request would also show as a
        // new contact.
        let body = if field == "phone" {
            body
        } else {
            let mut b = body;
            b["phone"] = json!(BOB);
            b
        };
        let (status, answer) = consent_body(&app, body).await;
        assert_eq!(status, 400, "{what}: {answer}");
        let details = details(&answer);
        assert!(
            details.starts_with(field),
            "{what}: details should name {field}: {details}"
        );
        match what {
            "unknown category" => {
                for known in CATEGORIES {
                    assert!(details.contains(known), "lists {known}: {details}");
                }
            }
            "unknown evidence field" => assert!(details.contains("colour"), "{details}"),
            _ => {}
        }
    }
    assert_eq!(app.count("ledger_events").await, events, "nothing appended");
    assert_eq!(app.count("contacts").await, contacts, "nobody stored");
}

/// Someone with write access replaces the whole history with a new, internally valid
/// chain. Only a head kept outside the database shows it.
#[tokio::test]
async fn an_anchor_kept_outside_the_database_reveals_a_rewritten_history() {
    let app = TestApp::spawn().await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    assert_eq!(app.consent(ALICE, "offers", "withdraw").await.0, 201);
    let verified = app.cli(&["ledger", "verify"]);
    assert!(verified.status.success());
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    let anchor = stdout.trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(anchor.len(), 64, "{stdout}");
    let anchored = app.cli(&["ledger", "verify", "--anchor", &anchor]);
    assert!(
        anchored.status.success(),
        "{}",
        String::from_utf8_lossy(&anchored.stdout)
    );
    assert!(String::from_utf8_lossy(&anchored.stdout).contains("is event 2"));

    // The rewrite: the withdrawal is gone, and the chain is rebuilt from scratch.
    exec(&app, "DELETE FROM ledger_evidence").await;
    exec(&app, "DELETE FROM ledger_events").await;
    exec(&app, "UPDATE ledger_head SET seq = 0, hash = '0000000000000000000000000000000000000000000000000000000000000000'").await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);

    assert!(
        app.cli(&["ledger", "verify"]).status.success(),
        "the new chain is internally valid"
    );
    let caught = app.cli(&["ledger", "verify", "--anchor", &anchor]);
    assert!(!caught.status.success());
    assert!(String::from_utf8_lossy(&caught.stdout).contains("REWRITTEN"));
}

/// Appends that land while verify walks the chain are past the head it read first:
/// a busy ledger verifies as intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_passes_while_consents_are_being_recorded() {
    let app = TestApp::spawn().await;
    for i in 0..30 {
        ok_consent(&app, &format!("+3461234{i:04}"), "offers", "grant").await;
    }
    let writer = {
        let (address, key) = (app.address.clone(), app.api_key.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 30..90 {
                let body = json!({"phone": format!("+3461234{i:04}"), "category": "offers", "action": "grant"});
                let r = client
                    .post(format!("{address}/api/v1/consents"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
    };
    for _ in 0..5 {
        let report = assent::consent::verify(app.raw_db()).await.unwrap();
        assert_eq!(
            report.broken, None,
            "after {} events",
            report.events_checked
        );
    }
    writer.await.unwrap();
    let report = assent::consent::verify(app.raw_db()).await.unwrap();
    assert_eq!((report.broken, report.events_checked), (None, 90));
}
