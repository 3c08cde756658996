//! Forwarding to the business's own systems (SPEC §8): the webhook configuration API,
//! then what a stand-in business endpoint receives — Meta-format messages and
//! statuses, consent events — signed with the per-number secret, retried while the
//! endpoint fails, and given up on after the delivery window.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

const ALICE_WA: &str = "34612345678";
const BOB_WA: &str = "34612345679";

// --- a stand-in business endpoint ------------------------------------------------

/// Answers 500 while `down` is set, 200 otherwise.
struct Switch(Arc<AtomicBool>);

impl Respond for Switch {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.0.load(Ordering::SeqCst) {
            ResponseTemplate::new(500).set_body_string("down for maintenance")
        } else {
            ResponseTemplate::new(200).set_body_string("ok")
        }
    }
}

/// The business's own webhook endpoint: records every request it gets.
struct Business {
    server: MockServer,
    down: Arc<AtomicBool>,
}

impl Business {
    async fn start() -> Self {
        let server = MockServer::start().await;
        let down = Arc::new(AtomicBool::new(false));
        Mock::given(any())
            .respond_with(Switch(down.clone()))
            .mount(&server)
            .await;
        Self { server, down }
    }

    fn url(&self) -> String {
        format!("{}/hooks/whatsapp", self.server.uri())
    }

    fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Polls (15 s at most) until what the endpoint received satisfies `done`.
    async fn wait_for(&self, what: &str, done: impl Fn(&[Request]) -> bool) -> Vec<Request> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.requests().await;
            if done(&got) {
                return got;
            }
            if Instant::now() > deadline {
                let bodies: Vec<String> = got
                    .iter()
                    .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                    .collect();
                panic!("the business endpoint never got {what}; it got {bodies:#?}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| {
        panic!(
            "forward is not JSON ({e}): {}",
            String::from_utf8_lossy(&r.body)
        )
    })
}

fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request is signed as Meta signs its webhooks, with the forwarding secret.
fn assert_signed(r: &Request, secret: &str) {
    let sig = header(r, "x-hub-signature-256").expect("forward carries X-Hub-Signature-256");
    assert!(
        assent::signature::verify(secret, &r.body, sig),
        "signature {sig} does not verify with the config secret over {}",
        String::from_utf8_lossy(&r.body)
    );
}

/// Meta-format inbound messages forwarded (each `value.messages[0]`).
fn messages(rs: &[Request]) -> Vec<(Value, Request)> {
    rs.iter()
        .filter_map(|r| {
            let b = body(r);
            let m = b["entry"][0]["changes"][0]["value"]["messages"][0].clone();
            (b["object"] == "whatsapp_business_account" && m.is_object()).then(|| (m, r.clone()))
        })
        .collect()
}

/// Meta-format statuses forwarded (each `value.statuses[0]`).
fn statuses(rs: &[Request]) -> Vec<Value> {
    rs.iter()
        .map(body)
        .filter(|b| b["object"] == "whatsapp_business_account")
        .filter_map(|b| {
            let st = b["entry"][0]["changes"][0]["value"]["statuses"][0].clone();
            st.is_object().then_some(st)
        })
        .collect()
}

/// Consent events forwarded.
fn consent_events(rs: &[Request]) -> Vec<(Value, Request)> {
    rs.iter()
        .filter_map(|r| {
            let b = body(r);
            (b["object"] == "assent").then(|| (b, r.clone()))
        })
        .collect()
}

// --- the configuration API ---------------------------------------------------------

async fn get_config(app: &TestApp, key: &str) -> (StatusCode, Value) {
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .bearer_auth(key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// Points the sandbox number's forwards at `url` (header X-Api-Token: abc); returns
/// the signing secret.
async fn configure(app: &TestApp, url: &str) -> String {
    let (status, answer) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": url, "headers": {"X-Api-Token": "abc"}}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
    answer["secret"].as_str().unwrap().to_owned()
}

fn details(answer: &Value) -> &str {
    answer["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("not an error answer: {answer}"))
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

#[tokio::test]
async fn webhook_config_is_set_read_back_and_keeps_its_secret() {
    let app = TestApp::spawn().await;

    let (status, answer) = get_config(&app, &app.api_key).await;
    assert_eq!(status, 404, "no config yet: {answer}");

    let (status, set) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": "https://crm.example.com/whatsapp", "headers": {"X-Api-Token": "abc"}}),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["url"], "https://crm.example.com/whatsapp");
    assert_eq!(set["headers"], json!({"X-Api-Token": "abc"}));
    let secret = set["secret"].as_str().expect("a secret").to_owned();
    assert!(is_hex64(&secret), "secret is 64 hex digits: {secret}");

    let (status, got) = get_config(&app, &app.api_key).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got, set, "GET returns what POST set");

    let (status, moved) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": "http://other.example.net:8080/hook", "headers": {}}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["url"], "http://other.example.net:8080/hook");
    assert_eq!(moved["headers"], json!({}));
    assert_eq!(moved["secret"], secret, "the secret survives a URL change");
    let (_, got) = get_config(&app, &app.api_key).await;
    assert_eq!(got["url"], "http://other.example.net:8080/hook");
    assert_eq!(got["secret"], secret);
}

#[tokio::test]
async fn webhook_config_rejects_bad_urls_and_reserved_headers() {
    let app = TestApp::spawn().await;
    for url in ["ftp://x", "not a url", "", "mailto:ops@example.com"] {
        let (status, answer) = app
            .post_json("/v1/configs/webhook", &app.api_key, &json!({"url": url}))
            .await;
        assert_eq!(status, 400, "url {url:?}: {answer}");
        assert!(
            details(&answer).starts_with("url"),
            "url {url:?}: the error names url: {answer}"
        );
    }
    for name in [
        "Content-Type",
        "X-Hub-Signature-256",
        "x-hub-signature-256",
        "Host",
    ] {
        let (status, answer) = app
            .post_json(
                "/v1/configs/webhook",
                &app.api_key,
                &json!({"url": "https://crm.example.com/hook", "headers": {name: "x"}}),
            )
            .await;
        assert_eq!(status, 400, "header {name}: {answer}");
        assert!(
            details(&answer).starts_with("headers"),
            "header {name}: the error names headers: {answer}"
        );
    }
    // Nothing was stored by the refused requests.
    assert_eq!(get_config(&app, &app.api_key).await.0, 404);
    assert_eq!(app.count("webhook_configs").await, 0);
}

#[tokio::test]
async fn webhook_config_needs_an_api_key_and_takes_the_on_premises_header() {
    let app = TestApp::spawn().await;
    let config = json!({"url": "https://crm.example.com/hook"});

    let r = app
        .client
        .post(format!("{}/v1/configs/webhook", app.address))
        .json(&config)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, _) = app
        .post_json("/v1/configs/webhook", "not-a-key", &config)
        .await;
    assert_eq!(status, 401);
    assert_eq!(app.count("webhook_configs").await, 0);

    let r = app
        .client
        .post(format!("{}/v1/configs/webhook", app.address))
        .header("D360-API-KEY", &app.api_key)
        .json(&config)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set: Value = r.json().await.unwrap();
    assert_eq!(set["url"], "https://crm.example.com/hook");
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .header("D360-API-KEY", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got, set);
}

// --- what the business receives -------------------------------------------------

#[tokio::test]
async fn an_accepted_contacts_message_reaches_the_business_in_meta_format_signed() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // Consent recorded before the config exists: its event is not queued.
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let secret = configure(&app, &business.url()).await;

    let payload = inbound_text(ALICE_WA, "wamid.fwd.text1", "Is my order on its way?");
    app.webhook(&payload).await;

    let got = business
        .wait_for("the message", |rs| !messages(rs).is_empty())
        .await;
    assert_eq!(got.len(), 1, "only the message was forwarded");
    let r = &got[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), "/hooks/whatsapp");
    let b = body(r);
    assert_eq!(b["object"], "whatsapp_business_account");
    let change = &b["entry"][0]["changes"][0];
    assert_eq!(change["field"], "messages");
    assert_eq!(change["value"]["messaging_product"], "whatsapp");
    assert_eq!(change["value"]["metadata"]["phone_number_id"], SANDBOX_ID);
    assert_eq!(
        change["value"]["metadata"]["display_phone_number"],
        "12025550100"
    );
    assert_eq!(change["value"]["messages"][0]["id"], "wamid.fwd.text1");
    assert_eq!(change["value"]["messages"][0]["from"], ALICE_WA);
    assert_eq!(change["value"]["messages"][0]["type"], "text");
    assert_eq!(
        change["value"]["messages"][0]["text"]["body"],
        "Is my order on its way?"
    );
    assert_eq!(change["value"]["contacts"][0]["wa_id"], ALICE_WA);
    assert_eq!(
        b, payload,
        "the business gets the message exactly as Meta sent it, in Meta's envelope"
    );
    assert_signed(r, &secret);
    assert_eq!(header(r, "x-api-token"), Some("abc"));
    assert!(
        header(r, "content-type").is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    // Delivered: nothing is owed any more.
    wait_db("the forward row to go", async || {
        app.count("forwards").await == 0
    })
    .await;

    // Meta delivers the same message again (another payload, same wamid): the
    // business does not get it twice.
    app.webhook(&inbound_text(
        ALICE_WA,
        "wamid.fwd.text1",
        "Is my order on its way? (redelivered)",
    ))
    .await;
    wait_db("nothing owed", async || app.count("forwards").await == 0).await;
    assert_eq!(
        business.requests().await.len(),
        1,
        "a redelivered message is forwarded once"
    );
}

#[tokio::test]
async fn forwards_follow_each_numbers_own_config() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    configure(&app, &business.url()).await;

    // A second number, with its own key and no webhook.
    let out = app.cli(&[
        "number",
        "add",
        "--phone-number-id",
        "100000000000002",
        "--display-number",
        "+12025550111",
        "--provider",
        "sandbox",
        "--app-secret",
        SANDBOX_APP_SECRET,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = app.cli(&["apikey", "create", "--phone-number-id", "100000000000002"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other_key = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned();
    assert_eq!(
        get_config(&app, &other_key).await.0,
        404,
        "the other number has no webhook"
    );

    // Alice accepted on the other number and writes to it.
    let (status, answer) = app
        .post_json(
            "/api/v1/consents",
            &other_key,
            &json!({"phone": ALICE, "category": "offers", "action": "grant",
                    "evidence": {"notice_version": "v1", "notice_text": "Offers from Beta."}}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let mut payload = inbound_text(ALICE_WA, "wamid.fwd.other1", "Hello other number");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "12025550111", "phone_number_id": "100000000000002"});
    app.webhook(&payload).await;
    let handled: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM inbound_messages WHERE id = 'wamid.fwd.other1' AND state = 'released'",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        handled.0, 1,
        "the message was processed for the other number"
    );
    assert_eq!(
        app.count("forwards").await,
        0,
        "nothing queued for a number without a webhook"
    );
    assert!(
        business.requests().await.is_empty(),
        "the sandbox number's endpoint got the other number's traffic"
    );

    // The sandbox number's own traffic still reaches it.
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let got = business
        .wait_for("the sandbox number's consent event", |rs| !rs.is_empty())
        .await;
    assert_eq!(body(&got[0])["phone_number_id"], SANDBOX_ID);
}

#[tokio::test]
async fn consent_events_from_the_api_and_a_stop_keyword_reach_the_business() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    let secret = configure(&app, &business.url()).await;

    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let got = business
        .wait_for("consent.granted", |rs| !consent_events(rs).is_empty())
        .await;
    let events = consent_events(&got);
    assert_eq!(events.len(), 1, "{events:?}");
    let (granted, r) = &events[0];
    assert_signed(r, &secret);
    assert_eq!(header(r, "x-api-token"), Some("abc"));
    assert_eq!(granted["type"], "consent.granted");
    assert_eq!(granted["phone_number_id"], SANDBOX_ID);
    assert_eq!(granted["contact"]["wa_id"], ALICE_WA);
    assert!(granted["contact"]["id"].is_string(), "{granted}");
    assert_eq!(granted["category"], "offers");
    assert_eq!(granted["source"], "api");
    assert_eq!(granted["notice"]["version"], "v1");
    assert!(
        granted["notice"]["sha256"].as_str().is_some_and(is_hex64),
        "{granted}"
    );
    assert!(
        granted["id"].is_string() && granted["hash"].is_string(),
        "{granted}"
    );
    assert!(
        granted["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("api_key:")),
        "{granted}"
    );
    // The ledger holds the same event.
    let ledger = app.consents(ALICE).await;
    assert_eq!(ledger["events"][0]["source"], granted["source"]);
    assert_eq!(ledger["events"][0]["category"], granted["category"]);

    app.webhook(&inbound_text(ALICE_WA, "wamid.fwd.stop1", "STOP"))
        .await;
    let got = business
        .wait_for("consent.withdrawn for offers", |rs| {
            consent_events(rs)
                .iter()
                .any(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        })
        .await;
    let events = consent_events(&got);
    let (withdrawn, r) = events
        .iter()
        .find(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        .unwrap();
    assert_signed(r, &secret);
    assert_eq!(withdrawn["contact"]["wa_id"], ALICE_WA);
    assert_eq!(withdrawn["contact"]["id"], granted["contact"]["id"]);
    assert_eq!(withdrawn["source"], "keyword");
    // A reference to the STOP message, never Meta's id (which encodes the number).
    assert!(
        withdrawn["source_ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("stop:") && !r.contains("wamid")),
        "{withdrawn}"
    );
    assert_eq!(withdrawn["notice"], Value::Null);
    assert!(
        withdrawn["seq"].as_i64() > granted["seq"].as_i64(),
        "{granted} then {withdrawn}"
    );
    // Every event was delivered once: ids are unique.
    let mut ids: Vec<&str> = events
        .iter()
        .map(|(e, _)| e["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "no event delivered twice");
    // The keyword is handled by Assent, not passed on as a message.
    assert!(
        messages(&got).is_empty(),
        "the STOP message itself was forwarded: {:?}",
        messages(&got)
    );
}

/// Polls a database condition for up to 15 s.
async fn wait_db(what: &str, done: impl AsyncFn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn statuses_of_business_sends_are_forwarded_but_not_those_of_bot_replies() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    assert_eq!(
        app.register_template("order_shipped", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(ALICE, "order_updates", "grant").await.0, 201);
    let secret = configure(&app, &business.url()).await;

    // Bob writes first: the bot answers with the terms (a message of Assent's own).
    app.webhook(&inbound_text(BOB_WA, "wamid.fwd.bob1", "Hi"))
        .await;
    let terms: (String, String) = sqlx::query_as(
        "SELECT m.id, m.status FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1",
    )
    .bind(BOB_WA)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(terms.1, "delivered", "the sandbox delivered the terms");

    let (status, answer) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    app.drain().await;

    let got = business
        .wait_for("sent and delivered for the template", |rs| {
            let sts = statuses(rs);
            ["sent", "delivered"].iter().all(|s| {
                sts.iter()
                    .any(|st| st["id"] == id.as_str() && st["status"] == *s)
            })
        })
        .await;
    for r in &got {
        assert_signed(r, &secret);
    }
    let sts = statuses(&got);
    let mine: Vec<&Value> = sts.iter().filter(|st| st["id"] == id.as_str()).collect();
    assert_eq!(mine.len(), 2, "one forward per status: {sts:?}");
    for st in &mine {
        assert_eq!(st["recipient_id"], ALICE_WA);
        assert!(st["timestamp"].is_string(), "{st}");
    }
    let envelope = got
        .iter()
        .map(body)
        .find(|b| b["entry"][0]["changes"][0]["value"]["statuses"].is_array())
        .unwrap();
    assert_eq!(envelope["object"], "whatsapp_business_account");
    assert_eq!(envelope["entry"][0]["changes"][0]["field"], "messages");
    assert_eq!(
        envelope["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"],
        SANDBOX_ID
    );
    // The terms went out before the template; their statuses were never queued.
    assert!(
        sts.iter().all(|st| st["id"] == id.as_str()),
        "statuses of the bot's own reply {} were forwarded: {sts:?}",
        terms.0
    );
    // Bob has not accepted: his message is held, not forwarded.
    assert!(messages(&got).is_empty(), "{:?}", messages(&got));
    wait_db("every forward delivered", async || {
        app.count("forwards").await == 0
    })
    .await;
    let late = statuses(&business.requests().await);
    assert!(
        late.iter().all(|st| st["id"] == id.as_str()),
        "statuses of the bot's reply were forwarded: {late:?}"
    );
}

#[tokio::test]
async fn a_failed_status_is_forwarded_with_its_error_and_the_meta_signal() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // The sandbox fails every send to this number with 131050 (the person stopped
    // marketing messages inside WhatsApp).
    const STOPPED: &str = "+12025550150";
    assert_eq!(
        app.register_template("spring_sale", "MARKETING", "offers")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(STOPPED, "offers", "grant").await.0, 201);
    let secret = configure(&app, &business.url()).await;

    let (status, answer) = app.send(&template_body(STOPPED, "spring_sale")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    app.drain().await;

    let got = business
        .wait_for("the failed status and the withdrawal", |rs| {
            statuses(rs)
                .iter()
                .any(|st| st["id"] == id.as_str() && st["status"] == "failed")
                && consent_events(rs)
                    .iter()
                    .any(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        })
        .await;
    for r in &got {
        assert_signed(r, &secret);
    }
    let sts = statuses(&got);
    let failed = sts
        .iter()
        .find(|st| st["id"] == id.as_str() && st["status"] == "failed")
        .unwrap();
    assert_eq!(failed["recipient_id"], "12025550150");
    assert_eq!(failed["errors"][0]["code"], 131050, "{failed}");
    let events = consent_events(&got);
    let (withdrawn, _) = events
        .iter()
        .find(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        .unwrap();
    assert_eq!(withdrawn["source"], "meta_signal");
    assert_eq!(withdrawn["contact"]["wa_id"], "12025550150");
}

#[tokio::test]
async fn held_messages_reach_the_business_in_order_once_the_terms_are_accepted() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    let secret = configure(&app, &business.url()).await;

    let first = inbound_text(BOB_WA, "wamid.fwd.held1", "Do you ship to Madrid?");
    let second = inbound_text(BOB_WA, "wamid.fwd.held2", "And to Lisbon?");
    app.webhook(&first).await;
    app.webhook(&second).await;
    let held: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, state FROM inbound_messages WHERE id IN ('wamid.fwd.held1', 'wamid.fwd.held2') ORDER BY id",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        held,
        vec![
            ("wamid.fwd.held1".to_owned(), "held".to_owned()),
            ("wamid.fwd.held2".to_owned(), "held".to_owned())
        ]
    );
    assert_eq!(app.count("forwards").await, 0, "nothing is owed while held");
    assert!(
        business.requests().await.is_empty(),
        "the business got something before the person accepted"
    );

    app.webhook(&inbound_button_reply(
        BOB_WA,
        "wamid.fwd.accept",
        "assent_terms_accept",
    ))
    .await;
    let got = business
        .wait_for("both held messages", |rs| messages(rs).len() >= 2)
        .await;
    let forwarded = messages(&got);
    assert_eq!(forwarded.len(), 2, "{forwarded:?}");
    let ids: Vec<&str> = forwarded
        .iter()
        .map(|(m, _)| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["wamid.fwd.held1", "wamid.fwd.held2"],
        "held messages are released in the order they were written"
    );
    assert_eq!(body(&forwarded[0].1), first);
    assert_eq!(body(&forwarded[1].1), second);
    for (_, r) in &forwarded {
        assert_signed(r, &secret);
    }
    // The accept button itself is Assent's, not the business's.
    assert!(
        !got.iter().any(
            |r| String::from_utf8_lossy(&r.body).contains("wamid.fwd.accept\"")
                && body(r)["object"] == "whatsapp_business_account"
        ),
        "the accept button reply was forwarded"
    );
    // The chat grant is reported as consent events.
    let granted = business
        .wait_for("consent.granted from the chat", |rs| {
            consent_events(rs)
                .iter()
                .any(|(e, _)| e["type"] == "consent.granted" && e["source"] == "chat")
        })
        .await;
    let events = consent_events(&granted);
    let (e, r) = events.iter().find(|(e, _)| e["source"] == "chat").unwrap();
    assert_signed(r, &secret);
    assert_eq!(e["contact"]["wa_id"], BOB_WA);
    assert_eq!(e["notice"]["version"], "chat-1");
}

async fn forward_rows(app: &TestApp) -> Vec<(String, i64, Option<String>, String)> {
    sqlx::query_as("SELECT state, attempts, last_error, body FROM forwards ORDER BY created_at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_failing_endpoint_gets_the_forward_again_until_it_takes_it() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    business.set_down(true);
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let secret = configure(&app, &business.url()).await;

    let payload = inbound_text(ALICE_WA, "wamid.fwd.retry1", "Hello?");
    app.webhook(&payload).await;

    // While the endpoint answers 500 the row stays owed, with the error.
    let deadline = Instant::now() + Duration::from_secs(15);
    let stored = loop {
        let rows = forward_rows(&app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let (state, attempts, last_error, body) = rows.into_iter().next().unwrap();
        // attempts counts claims, so the second request may still be on its
        // way when the counter reads 2: wait until the endpoint has seen it.
        if attempts >= 2 && last_error.is_some() && business.requests().await.len() >= 2 {
            assert_eq!(state, "pending");
            assert!(
                last_error.as_deref().unwrap().contains("500"),
                "last_error names the answer: {last_error:?}"
            );
            break body;
        }
        assert!(Instant::now() < deadline, "no second attempt in 15 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    business.set_down(false);
    wait_db("the forward to be delivered", async || {
        app.count("forwards").await == 0
    })
    .await;
    let got = business.requests().await;
    assert!(got.len() >= 3, "two failures, then success: {}", got.len());
    for r in &got {
        assert_eq!(
            r.body,
            stored.as_bytes(),
            "every attempt carries the same bytes"
        );
        assert_signed(r, &secret);
        assert_eq!(header(r, "x-api-token"), Some("abc"));
    }
    assert_eq!(body(got.last().unwrap()), payload);
}

#[tokio::test]
async fn an_unreachable_endpoint_then_a_new_url_delivers_what_was_owed() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // A port held (bound, so no other test's server can take it) but not
    // listening: connections to it are refused.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = held.local_addr().unwrap().port();
    let secret = configure(&app, &format!("http://127.0.0.1:{closed}/hook")).await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);

    let deadline = Instant::now() + Duration::from_secs(15);
    let stored = loop {
        let rows = forward_rows(&app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let (state, attempts, last_error, body) = rows.into_iter().next().unwrap();
        if attempts >= 1 && last_error.is_some() {
            assert_eq!(state, "pending");
            break body;
        }
        assert!(Instant::now() < deadline, "no attempt in 15 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    assert_eq!(
        configure(&app, &business.url()).await,
        secret,
        "same secret"
    );
    let got = business
        .wait_for("the owed consent event", |rs| !rs.is_empty())
        .await;
    assert_eq!(got[0].body, stored.as_bytes());
    assert_signed(&got[0], &secret);
    assert_eq!(body(&got[0])["type"], "consent.granted");
    wait_db("the forward to be delivered", async || {
        app.count("forwards").await == 0
    })
    .await;
}

#[tokio::test]
async fn a_forward_older_than_the_window_is_given_up_and_not_retried() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    business.set_down(true);
    configure(&app, &business.url()).await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    business
        .wait_for("a first attempt", |rs| !rs.is_empty())
        .await;

    let eight_days_ago = assent::db::now_ms() - 8 * 24 * 60 * 60 * 1000;
    sqlx::query("UPDATE forwards SET created_at = $1")
        .bind(eight_days_ago)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(15);
    let attempts = loop {
        let rows = forward_rows(&app).await;
        assert_eq!(rows.len(), 1, "a given-up forward is kept: {rows:?}");
        let (state, attempts, last_error, _) = &rows[0];
        if state == "failed" {
            assert!(last_error.is_some(), "{rows:?}");
            break *attempts;
        }
        assert_eq!(state, "pending");
        assert!(Instant::now() < deadline, "never given up: {rows:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let requests = business.requests().await.len();
    // Longer than the largest backoff (400 ms) twice over: no further attempt.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let rows = forward_rows(&app).await;
    assert_eq!(rows[0].0, "failed");
    assert_eq!(rows[0].1, attempts, "a failed forward is not retried");
    assert_eq!(business.requests().await.len(), requests);
    // Even an endpoint that comes back does not get it.
    business.set_down(false);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(business.requests().await.len(), requests);
    assert_eq!(forward_rows(&app).await[0].0, "failed");
}

/// Assent as shipped: forwards only to public addresses.
async fn spawn_refusing_internal(db: TestDb) -> TestApp {
    let mut settings = settings(&db.url, 2);
    settings.forward.to_internal = false;
    TestApp::spawn_with(db, settings).await
}

#[tokio::test]
async fn internal_addresses_are_refused_as_webhook_urls_by_default() {
    assert!(
        !assent::services::ForwardSettings::default().to_internal,
        "refusing internal targets is the default"
    );
    let app = spawn_refusing_internal(TestDb::new().await).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hook",
        "http://[::ffff:172.16.0.1]/hook",
        "http://0.0.0.0:8080/hook",
    ] {
        let (status, answer) = app
            .post_json("/v1/configs/webhook", &app.api_key, &json!({ "url": url }))
            .await;
        assert_eq!(status, 400, "{url} was accepted: {answer}");
        let why = details(&answer);
        assert!(
            why.contains("internal address") && why.contains("operator of this server"),
            "{url}: {why}"
        );
    }
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .bearer_auth(&app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nothing was saved");
    // A public address is fine.
    let (status, answer) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": "https://93.184.216.34/hook"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_url_saved_while_internal_targets_were_allowed_is_not_reached_once_refused() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // By name, so the check at connect time is the resolver's.
    let by_name = business.url().replace("127.0.0.1", "localhost");
    configure(&app, &by_name).await;
    let app = spawn_refusing_internal(app.stop().await).await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);

    // Waits for an attempt that failed with `expected` (an attempt begun before a
    // change below may still report the reason before it).
    let failed_with = async |app: &TestApp, expected: &str| {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let rows = forward_rows(app).await;
            assert_eq!(rows.len(), 1, "{rows:?}");
            let (state, _, last_error, _) = &rows[0];
            if last_error.as_deref().is_some_and(|e| e.contains(expected)) {
                assert_eq!(state, "pending", "kept for when the rule is lifted");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no attempt failed with {expected:?} in 15 s: {last_error:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    failed_with(
        &app,
        "localhost resolves only to internal addresses; set ASSENT_FORWARD_TO_INTERNAL=true",
    )
    .await;

    // An address literal never reaches a resolver: it is checked before the request.
    sqlx::query("UPDATE webhook_configs SET url = $1")
        .bind(business.url())
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    failed_with(
        &app,
        "127.0.0.1 is an internal address; set ASSENT_FORWARD_TO_INTERNAL=true",
    )
    .await;
    assert!(
        business.requests().await.is_empty(),
        "the internal endpoint was reached"
    );
}
