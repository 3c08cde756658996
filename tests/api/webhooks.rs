//! The webhook receiver and Meta's signals, black-box: the GET handshake, signatures
//! (missing, forged, replayed), payloads for numbers, fields and types Assent does not
//! know, deduplication by message id, the 24 h window, statuses (read, failed 131050),
//! user_preferences stop/resume/signup, user_id-only contacts, user_changed_number,
//! and processing that survives a restart.

use crate::helpers::*;
use serde_json::{Value, json};
use std::time::Duration;

const SANDBOX_VERIFY_TOKEN: &str = "sandbox-verify-token";

/// A BSUID as Meta sends it in 2026 payloads that carry no phone number.
const USER_ID: &str = "US.13491208655302741918";

fn now_secs() -> i64 {
    assent::db::now_ms() / 1000
}

/// Meta's envelope around one change for the sandbox number.
fn envelope(field: &str, value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] =
        json!({"display_phone_number": "12025550100", "phone_number_id": SANDBOX_ID});
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398", "changes": [{"field": field, "value": value}]}]})
}

/// A `statuses[]` webhook for a message Assent sent.
fn status_payload(
    provider_id: &str,
    status: &str,
    recipient: &str,
    ts: i64,
    errors: Option<Value>,
) -> Value {
    let mut st = json!({"id": provider_id, "status": status, "timestamp": ts.to_string(),
                        "recipient_id": recipient});
    if status != "failed" {
        st["conversation"] = json!({"id": "b1f2a3c4d5e6f7a8b9c0d1e2f3a4b5c6",
                                    "origin": {"type": "marketing"}});
        st["pricing"] = json!({"billable": true, "pricing_model": "PMP", "category": "marketing",
                               "type": "regular"});
    }
    if let Some(errors) = errors {
        st["errors"] = errors;
    }
    envelope("messages", json!({"statuses": [st]}))
}

/// A `user_preferences` webhook (marketing stop / resume / signup inside WhatsApp).
fn preference_payload(wa_id: &str, value: &str, ts: i64) -> Value {
    let detail = match value {
        "stop" => "User requested to stop marketing messages",
        "resume" => "User requested to resume marketing messages",
        _ => "User signed up via signup link",
    };
    let mut pref = json!({"wa_id": wa_id, "detail": detail, "category": "marketing_messages",
                          "value": value, "timestamp": ts});
    if value == "signup" {
        pref["signup_id"] = json!("13176843987434774");
    }
    envelope(
        "user_preferences",
        json!({"contacts": [{"profile": {"name": "Test Person"}, "wa_id": wa_id}],
               "user_preferences": [pref]}),
    )
}

/// Sets the `timestamp` of the single message of a payload built by `inbound_*`.
fn with_timestamp(mut payload: Value, ts: i64) -> Value {
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(ts.to_string());
    payload
}

fn bytes(payload: &Value) -> Vec<u8> {
    serde_json::to_vec(payload).unwrap()
}

/// POSTs raw bytes with the given X-Hub-Signature-256 header value (if any).
async fn post_raw(app: &TestApp, body: &[u8], signature: Option<String>) -> (u16, String) {
    let mut req = app
        .client
        .post(format!("{}/webhooks/whatsapp", app.address))
        .header("content-type", "application/json")
        .body(body.to_vec());
    if let Some(signature) = signature {
        req = req.header("X-Hub-Signature-256", signature);
    }
    let r = req.send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn handshake(app: &TestApp, query: &[(&str, &str)]) -> (u16, String) {
    let r = app
        .client
        .get(format!("{}/webhooks/whatsapp", app.address))
        .query(query)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap_or_default())
}

async fn inbound_ids(app: &TestApp) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM inbound_messages ORDER BY id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

async fn inbound_state(app: &TestApp, id: &str) -> Option<(String, String)> {
    sqlx::query_as("SELECT kind, state FROM inbound_messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.raw_db().pool)
        .await
        .unwrap()
}

async fn pending_payloads(app: &TestApp) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'pending'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    n
}

/// (wa_id, user_id) of every contact.
async fn contacts(app: &TestApp) -> Vec<(Option<String>, Option<String>)> {
    sqlx::query_as("SELECT wa_id, user_id FROM contacts ORDER BY created_at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

fn state_of(consents: &Value, category: &str) -> String {
    consents["categories"][category]["state"]
        .as_str()
        .unwrap_or("none")
        .to_owned()
}

fn events_by_source<'a>(consents: &'a Value, source: &str) -> Vec<&'a Value> {
    consents["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == source)
        .collect()
}

fn is_terms(message: &Value) -> bool {
    message["type"] == "interactive"
        && message["interactive"]["action"]["buttons"][0]["reply"]["id"] == "assent_terms_accept"
}

/// Sends a template through the API and returns (API message id, Meta's message id)
/// once the sandbox has taken it.
async fn send_template(app: &TestApp, phone: &str, template: &str) -> (String, String) {
    let (status, answer) = app.send(&template_body(phone, template)).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    app.drain().await;
    let (provider_id,): (Option<String>,) =
        sqlx::query_as("SELECT provider_message_id FROM messages WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    let provider_id = provider_id.expect("the sandbox gave the message an id");
    assert!(provider_id.starts_with("wamid."), "{provider_id}");
    (id, provider_id)
}

async fn status_rows(app: &TestApp, message_id: &str, status: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM message_statuses WHERE message_id = $1 AND status = $2",
    )
    .bind(message_id)
    .bind(status)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    n
}

// ---------------------------------------------------------------------------
// 1. GET handshake

#[tokio::test]
async fn handshake_answers_the_challenge_only_for_a_known_verify_token() {
    let app = TestApp::spawn().await;
    let (status, body) = handshake(
        &app,
        &[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ],
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "1158201444"));

    let (status, body) = handshake(
        &app,
        &[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", "not-the-token"),
        ],
    )
    .await;
    assert_eq!(status, 403, "wrong token: {body}");
    assert!(!body.contains("1158201444"), "no challenge echoed: {body}");

    let (status, body) = handshake(
        &app,
        &[
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ],
    )
    .await;
    assert_eq!(status, 403, "missing mode: {body}");

    let (status, _) = handshake(
        &app,
        &[
            ("hub.mode", "unsubscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ],
    )
    .await;
    assert_eq!(status, 403, "a mode other than subscribe");

    let (status, _) = handshake(
        &app,
        &[("hub.mode", "subscribe"), ("hub.challenge", "1158201444")],
    )
    .await;
    assert_eq!(status, 403, "missing token");
}

// ---------------------------------------------------------------------------
// 2. POST signatures

#[tokio::test]
async fn a_webhook_without_signature_is_refused_with_401_and_not_stored() {
    let app = TestApp::spawn().await;
    let wa = "34612345610";
    let body = bytes(&inbound_text(
        wa,
        "wamid.HBgLMzQ2MTIzNDU2MTAVAgASGBQ1",
        "Hola",
    ));
    let (status, answer) = post_raw(&app, &body, None).await;
    assert_eq!(status, 401, "{answer}");
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
    assert_eq!(app.count("contacts").await, 0);
    assert!(app.sent_to(wa).await.is_empty());

    // The same bytes, signed, are taken: the refusal was about the signature.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "EVENT_RECEIVED");
    app.settle().await;
    assert_eq!(
        inbound_ids(&app).await,
        ["wamid.HBgLMzQ2MTIzNDU2MTAVAgASGBQ1"]
    );
}

#[tokio::test]
async fn a_forged_signature_is_refused_with_403_and_nothing_is_stored_or_processed() {
    let app = TestApp::spawn().await;
    let wa = "34612345611";
    let body = bytes(&inbound_text(wa, "wamid.forged1", "STOP"));

    // Signed with a secret that is not the number's.
    let r = app
        .webhook_signed(&body, Some("some-other-app-secret"))
        .await;
    assert_eq!(r.status(), 403);

    // Signed correctly, then altered in transit (another person, another text).
    let signature = assent::signature::sign(SANDBOX_APP_SECRET, &body);
    let altered = bytes(&inbound_text("34612345612", "wamid.forged2", "STOP"));
    let (status, _) = post_raw(&app, &altered, Some(signature.clone())).await;
    assert_eq!(status, 403);
    // One byte changed (trailing whitespace is still valid JSON).
    let mut padded = body.clone();
    padded.push(b' ');
    let (status, _) = post_raw(&app, &padded, Some(signature.clone())).await;
    assert_eq!(status, 403);

    // Not a well-formed signature at all.
    let (status, _) = post_raw(&app, &body, Some("sha256=zzzz".into())).await;
    assert_eq!(status, 403);
    let (status, _) = post_raw(
        &app,
        &body,
        Some(signature.trim_start_matches("sha256=").into()),
    )
    .await;
    assert_ne!(
        status, 200,
        "a bare hex digest without sha256= is not Meta's format"
    );

    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
    assert_eq!(app.count("contacts").await, 0);
    assert_eq!(app.count("messages").await, 0);

    // The untouched original with its signature goes through.
    let (status, _) = post_raw(&app, &body, Some(signature)).await;
    assert_eq!(status, 200);
    app.settle().await;
    assert_eq!(inbound_ids(&app).await, ["wamid.forged1"]);
    assert_eq!(contacts(&app).await, [(Some(wa.to_owned()), None)]);
}

#[tokio::test]
async fn a_replay_of_the_exact_signed_bytes_is_acknowledged_but_has_one_effect() {
    let app = TestApp::spawn().await;
    let wa = "34612345613";
    let body = bytes(&inbound_text(wa, "wamid.replay1", "Hi, I saw your ad"));
    for _ in 0..3 {
        let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
        assert_eq!(r.status(), 200, "Meta's retries must be acknowledged");
    }
    app.settle().await;
    // And once more after the first was processed.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    app.settle().await;

    assert_eq!(inbound_ids(&app).await, ["wamid.replay1"]);
    assert_eq!(app.count("contacts").await, 1);
    assert!(app.count("webhook_payloads").await <= 1);
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "one terms message: {sent:?}");
    assert!(is_terms(&sent[0]), "{}", sent[0]);
}

#[tokio::test]
async fn a_signed_body_that_is_not_json_is_refused_with_400() {
    let app = TestApp::spawn().await;
    for body in [
        &b"this is not json"[..],
        b"{\"object\":\"whatsapp_business_account\",",
        b"",
    ] {
        let r = app.webhook_signed(body, Some(SANDBOX_APP_SECRET)).await;
        assert_eq!(r.status(), 400, "body {:?}", String::from_utf8_lossy(body));
    }
    assert_eq!(app.count("webhook_payloads").await, 0);
}

const SECOND_ID: &str = "400000000000004";
const SECOND_SECRET: &str = "second-number-app-secret";
const SECOND_VERIFY_TOKEN: &str = "second-number-verify-token";

/// A second number with its own Meta app (own app secret and verify token).
async fn second_number(app: &TestApp) {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    assent::numbers::add(
        &app.services.db,
        assent::numbers::NewNumber {
            phone_number_id: SECOND_ID.into(),
            display_number: assent::domain::PhoneNumber::parse("+34911234568").unwrap(),
            provider: assent::numbers::ProviderKind::Sandbox,
            api_base_url: None,
            api_version: "v23.0".into(),
            access_token: None,
            api_key_header: None,
            app_secret: Some(SECOND_SECRET.into()),
            verify_token: Some(SECOND_VERIFY_TOKEN.into()),
            rate_per_second: None,
            rate_burst: None,
            messaging_limit: None,
        },
        assent::numbers::ChatSettings::parse(None, &[]).unwrap(),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_payload_must_be_signed_with_the_secret_of_the_number_it_names() {
    let app = TestApp::spawn().await;
    second_number(&app).await;
    let wa = "34612345630";
    let mut payload = inbound_text(wa, "wamid.second1", "Hola");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "34911234568", "phone_number_id": SECOND_ID});
    let body = bytes(&payload);

    // Another of our numbers' secret is not this number's.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("contacts").await, 0);

    let r = app.webhook_signed(&body, Some(SECOND_SECRET)).await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    let (number,): (String,) = sqlx::query_as(
        "SELECT b.phone_number_id FROM inbound_messages i JOIN business_numbers b ON b.id = i.business_number_id WHERE i.id = $1",
    )
    .bind("wamid.second1")
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(number, SECOND_ID, "routed by metadata.phone_number_id");

    // Each number's verify token passes the handshake.
    let (status, body) = handshake(
        &app,
        &[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "777"),
            ("hub.verify_token", SECOND_VERIFY_TOKEN),
        ],
    )
    .await;
    assert_eq!((status, body.as_str()), (200, "777"));
}

#[tokio::test]
async fn a_number_without_an_app_secret_does_not_accept_another_numbers_signature() {
    // The sandbox's app secret is public (README, source). A production number added
    // without --app-secret must not take payloads signed with it: that would let anyone
    // forge a STOP, a user_preferences stop or a user_changed_number for its people.
    let app = TestApp::spawn().await;
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    assent::numbers::add(
        &app.services.db,
        assent::numbers::NewNumber {
            phone_number_id: SECOND_ID.into(),
            display_number: assent::domain::PhoneNumber::parse("+34911234568").unwrap(),
            provider: assent::numbers::ProviderKind::Sandbox,
            api_base_url: None,
            api_version: "v23.0".into(),
            access_token: None,
            api_key_header: None,
            app_secret: None,
            verify_token: None,
            rate_per_second: None,
            rate_burst: None,
            messaging_limit: None,
        },
        assent::numbers::ChatSettings::parse(None, &[]).unwrap(),
    )
    .await
    .unwrap();
    drop(conn);
    let mut payload = inbound_text("34612345633", "wamid.nosecret1", "STOP");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "34911234568", "phone_number_id": SECOND_ID});
    let r = app
        .webhook_signed(&bytes(&payload), Some(SANDBOX_APP_SECRET))
        .await;
    let status = r.status().as_u16();
    app.settle().await;
    assert_eq!(
        app.count("inbound_messages").await,
        0,
        "a forged message was processed"
    );
    assert_eq!(
        status, 403,
        "signed with another number's (public) app secret"
    );
}

#[tokio::test]
async fn a_payload_naming_no_number_of_ours_needs_a_valid_signature_too() {
    let app = TestApp::spawn().await;
    let mut payload = inbound_text("34612345631", "wamid.nobody1", "Hello");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "15550783881", "phone_number_id": "106540352242922"});
    let r = app
        .webhook_signed(&bytes(&payload), Some("an-attackers-secret"))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("webhook_payloads").await, 0);
}

#[tokio::test]
async fn a_body_up_to_3_mib_is_taken_and_a_larger_one_refused() {
    let app = TestApp::spawn().await;
    let update = |padding: usize| {
        let mut p = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
            "time": now_secs(), "changes": [{"field": "message_template_quality_update", "value": {
                "previous_quality_score": "GREEN", "new_quality_score": "YELLOW",
                "message_template_id": 1234567890, "message_template_name": "spring_sale",
                "message_template_language": "en_US"}}]}]});
        let len = bytes(&p).len() + r#","padding":"""#.len();
        p["padding"] = json!("x".repeat(padding - len));
        bytes(&p)
    };
    let limit = 3 * 1024 * 1024;
    let fits = update(limit);
    assert_eq!(fits.len(), limit);
    let r = app.webhook_signed(&fits, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 1);

    let too_big = update(limit + 1);
    let status = app
        .client
        .post(format!("{}/webhooks/whatsapp", app.address))
        .header("content-type", "application/json")
        .header(
            "X-Hub-Signature-256",
            assent::signature::sign(SANDBOX_APP_SECRET, &too_big),
        )
        .body(too_big)
        .send()
        .await
        .map(|r| r.status().as_u16());
    assert!(
        matches!(status, Ok(413) | Err(_)),
        "over 3 MiB is refused: {status:?}"
    );
    assert_eq!(app.count("webhook_payloads").await, 1);
}

// ---------------------------------------------------------------------------
// 3. Unknown numbers, fields and types

#[tokio::test]
async fn a_payload_for_an_unknown_number_is_acknowledged_and_not_processed() {
    let app = TestApp::spawn().await;
    let wa = "34612345614";
    let mut payload = inbound_text(wa, "wamid.unknownnumber1", "Hello");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "15550783881", "phone_number_id": "106540352242922"});
    let r = app
        .webhook_signed(&bytes(&payload), Some(SANDBOX_APP_SECRET))
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(pending_payloads(&app).await, 0, "not left pending");
    assert_eq!(app.count("contacts").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
    assert_eq!(app.count("messages").await, 0, "nobody is answered");
    assert_eq!(
        app.count("webhook_payloads").await,
        0,
        "personal data we cannot attribute to a contact is not kept"
    );
}

#[tokio::test]
async fn unknown_fields_and_message_types_are_acknowledged_without_error() {
    let app = TestApp::spawn().await;
    let wa = "34612345615";

    let unknown_field = envelope(
        "something_new",
        json!({"something_new": [{"wa_id": wa, "flavour": "strawberry", "timestamp": now_secs()}]}),
    );
    let r = app
        .webhook_signed(&bytes(&unknown_field), Some(SANDBOX_APP_SECRET))
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(pending_payloads(&app).await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);

    // An impersonal field Assent does not act on (template status) is kept as 'done'.
    let template_update = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "time": now_secs(), "changes": [{"field": "message_template_status_update", "value": {
            "event": "APPROVED", "message_template_id": 1234567890, "message_template_name": "spring_sale",
            "message_template_language": "en_US", "reason": "NONE"}}]}]});
    app.webhook(&template_update).await;
    let (done,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'done'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(done, 1);

    let hologram = inbound_message(
        wa,
        "wamid.hologram1",
        json!({"type": "hologram", "hologram": {"id": "9182736455", "frames": 240}}),
    );
    let r = app
        .webhook_signed(&bytes(&hologram), Some(SANDBOX_APP_SECRET))
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(pending_payloads(&app).await, 0);
    assert_eq!(
        inbound_state(&app, "wamid.hologram1").await,
        Some(("hologram".into(), "held".into())),
        "an unknown type is a message like any other: held until the terms are accepted"
    );
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(is_terms(&sent[0]));

    // Meta's own "unsupported" type, with its error, too.
    let unsupported = inbound_message(
        wa,
        "wamid.unsupported1",
        json!({"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown",
               "message": "Message type unknown", "error_data": {"details": "Message type is currently not supported."}}]}),
    );
    app.webhook(&unsupported).await;
    assert!(inbound_state(&app, "wamid.unsupported1").await.is_some());

    // The service still works.
    let (status, _) = handshake(
        &app,
        &[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "42"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ],
    )
    .await;
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------------
// 4. Dedup by message id

#[tokio::test]
async fn the_same_message_in_two_different_payloads_has_one_effect_and_one_reply() {
    let app = TestApp::spawn().await;
    let wa = "34612345616";
    let first = with_timestamp(
        inbound_text(wa, "wamid.dup1", "Good morning"),
        now_secs() - 5,
    );
    let second = with_timestamp(inbound_text(wa, "wamid.dup1", "Good morning"), now_secs());
    assert_ne!(bytes(&first), bytes(&second));
    app.webhook(&first).await;
    app.webhook(&second).await;
    assert_eq!(inbound_ids(&app).await, ["wamid.dup1"]);
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "one terms message: {sent:?}");
    assert!(is_terms(&sent[0]));
}

#[tokio::test]
async fn a_stop_delivered_twice_in_different_payloads_withdraws_once_and_replies_once() {
    let app = TestApp::spawn().await;
    let wa = "34612345617";
    let phone = format!("+{wa}");
    for category in ["offers", "order_updates", "product_news"] {
        assert_eq!(app.consent(&phone, category, "grant").await.0, 201);
    }
    let first = with_timestamp(inbound_text(wa, "wamid.stop1", "STOP"), now_secs() - 3);
    let mut second = with_timestamp(inbound_text(wa, "wamid.stop1", "STOP"), now_secs());
    second["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] = json!("Renamed");
    // Delivered concurrently, as Meta's retries can be.
    let (first_bytes, second_bytes) = (bytes(&first), bytes(&second));
    let (a, b) = tokio::join!(
        app.webhook_signed(&first_bytes, Some(SANDBOX_APP_SECRET)),
        app.webhook_signed(&second_bytes, Some(SANDBOX_APP_SECRET)),
    );
    assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
    app.settle().await;
    app.webhook(&first).await;

    let consents = app.consents(&phone).await;
    let withdrawn: Vec<&Value> = consents["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "withdrawn")
        .collect();
    assert_eq!(withdrawn.len(), 3, "{consents}");
    // The chain (which outlives erasure) never holds Meta's message id: it encodes
    // the sender's number.
    assert!(
        withdrawn[0]["source_ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("stop:")
                && !r.contains("wamid")
                && !r.contains("stop1")),
        "{consents}"
    );
    assert!(
        withdrawn
            .iter()
            .all(|e| e["source"] == "keyword" && e["source_ref"] == withdrawn[0]["source_ref"])
    );
    for category in ["offers", "order_updates", "product_news"] {
        assert_eq!(state_of(&consents, category), "withdrawn");
    }
    assert_eq!(inbound_ids(&app).await, ["wamid.stop1"]);
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "one STOP reply: {sent:?}");
    assert_eq!(sent[0]["type"], "text");
    assert!(
        sent[0]["text"]["body"]
            .as_str()
            .unwrap()
            .contains("no longer receive"),
        "{}",
        sent[0]
    );
}

// ---------------------------------------------------------------------------
// 5. The 24 h window

#[tokio::test]
async fn an_inbound_webhook_opens_the_customer_service_window() {
    let app = TestApp::spawn().await;
    let wa = "34612345618";
    let phone = format!("+{wa}");
    let reply = text_body(&phone, "Your order #4411 ships tomorrow.");

    let (status, body) = app.send(&reply).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 131047), "{body}");

    assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
    let (status, body) = app.send(&reply).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 131047),
        "consent alone does not open the window"
    );

    app.webhook(&inbound_text(wa, "wamid.window1", "Where is my order?"))
        .await;
    assert_eq!(
        inbound_state(&app, "wamid.window1").await,
        Some(("text".into(), "released".into())),
        "an accepted person's message goes to the business"
    );
    assert!(
        app.sent_to(wa).await.is_empty(),
        "no terms for someone with consent history"
    );
    let (status, body) = app.send(&reply).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contacts"][0]["wa_id"], wa);
}

#[tokio::test]
async fn an_old_message_timestamp_does_not_open_the_window() {
    let app = TestApp::spawn().await;
    let wa = "34612345619";
    let phone = format!("+{wa}");
    assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
    // Delivered late (Meta retries for up to 7 days): written 2 days ago.
    let late = with_timestamp(
        inbound_text(wa, "wamid.late1", "Are you open on Sunday?"),
        now_secs() - 2 * 24 * 60 * 60,
    );
    app.webhook(&late).await;
    assert!(inbound_state(&app, "wamid.late1").await.is_some());
    let (status, body) = app.send(&text_body(&phone, "Yes, 10 to 14.")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 131047),
        "the window counts from when the person wrote: {body}"
    );
}

// ---------------------------------------------------------------------------
// 6. Statuses via webhook

#[tokio::test]
async fn a_read_status_updates_the_message_once() {
    let app = TestApp::spawn().await;
    let wa = "34612345620";
    let phone = format!("+{wa}");
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
    let (id, provider_id) = send_template(&app, &phone, "order_shipped").await;
    assert_eq!(app.message_status(&id).await.0, "delivered");

    let ts = now_secs();
    app.webhook(&status_payload(&provider_id, "read", wa, ts, None))
        .await;
    assert_eq!(app.message_status(&id).await, ("read".into(), None));
    assert_eq!(status_rows(&app, &id, "read").await, 1);

    // The same status again, in another payload (another timestamp), and a late
    // "delivered": nothing new, nothing backwards.
    app.webhook(&status_payload(&provider_id, "read", wa, ts + 4, None))
        .await;
    app.webhook(&status_payload(&provider_id, "delivered", wa, ts - 2, None))
        .await;
    assert_eq!(status_rows(&app, &id, "read").await, 1);
    assert_eq!(status_rows(&app, &id, "delivered").await, 1);
    assert_eq!(app.message_status(&id).await.0, "read");
    let (kept,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'done'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(kept, 3, "status payloads for a known contact are kept");
}

#[tokio::test]
async fn a_failed_status_131050_withdraws_marketing_categories_once() {
    let app = TestApp::spawn().await;
    let wa = "34612345621";
    let phone = format!("+{wa}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    for category in ["offers", "product_news", "order_updates"] {
        assert_eq!(app.consent(&phone, category, "grant").await.0, 201);
    }
    let (id, provider_id) = send_template(&app, &phone, "spring_sale").await;

    let errors = json!([{"code": 131050, "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "message": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "error_data": {"details": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]);
    let ts = now_secs();
    app.webhook(&status_payload(
        &provider_id,
        "failed",
        wa,
        ts,
        Some(errors.clone()),
    ))
    .await;

    assert_eq!(
        app.message_status(&id).await,
        ("failed".into(), Some(131050))
    );
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "withdrawn", "{consents}");
    assert_eq!(state_of(&consents, "product_news"), "withdrawn");
    assert_eq!(
        state_of(&consents, "order_updates"),
        "granted",
        "utility is untouched"
    );
    let meta = events_by_source(&consents, "meta_signal");
    assert_eq!(meta.len(), 2, "{consents}");
    assert!(meta.iter().all(|e| e["action"] == "withdrawn"));
    let mut categories: Vec<&str> = meta
        .iter()
        .map(|e| e["category"].as_str().unwrap())
        .collect();
    categories.sort_unstable();
    assert_eq!(categories, ["offers", "product_news"]);
    let events = consents["events"].as_array().unwrap().len();

    // Meta reports the same failure again (a retry with another timestamp).
    app.webhook(&status_payload(
        &provider_id,
        "failed",
        wa,
        ts + 7,
        Some(errors),
    ))
    .await;
    let consents = app.consents(&phone).await;
    assert_eq!(
        consents["events"].as_array().unwrap().len(),
        events,
        "{consents}"
    );
    assert_eq!(status_rows(&app, &id, "failed").await, 1);

    // And a marketing send is now refused because the person stopped marketing.
    let (status, body) = app.send(&template_body(&phone, "spring_sale")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), 470104, "{body}");
}

#[tokio::test]
async fn a_failed_status_with_another_error_changes_no_consent() {
    let app = TestApp::spawn().await;
    let wa = "34612345622";
    let phone = format!("+{wa}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    assert_eq!(app.consent(&phone, "offers", "grant").await.0, 201);
    let (id, provider_id) = send_template(&app, &phone, "spring_sale").await;
    let errors = json!([{"code": 131026, "title": "Message undeliverable"}]);
    app.webhook(&status_payload(
        &provider_id,
        "failed",
        wa,
        now_secs(),
        Some(errors),
    ))
    .await;
    assert_eq!(
        app.message_status(&id).await,
        ("failed".into(), Some(131026))
    );
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "granted");
    assert!(events_by_source(&consents, "meta_signal").is_empty());
}

// ---------------------------------------------------------------------------
// 7. user_preferences

#[tokio::test]
async fn user_preferences_stop_and_resume_follow_the_persons_choice_in_whatsapp() {
    let app = TestApp::spawn().await;
    let wa = "34612345623";
    let phone = format!("+{wa}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    for category in ["offers", "product_news", "order_updates"] {
        assert_eq!(app.consent(&phone, category, "grant").await.0, 201);
    }
    let ts = now_secs();

    app.webhook(&preference_payload(wa, "stop", ts)).await;
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "withdrawn", "{consents}");
    assert_eq!(state_of(&consents, "product_news"), "withdrawn");
    assert_eq!(state_of(&consents, "order_updates"), "granted");
    let meta = events_by_source(&consents, "meta_signal");
    assert_eq!(meta.len(), 2, "{consents}");
    assert!(
        meta.iter()
            .all(|e| e["action"] == "withdrawn" && e["category"] != "order_updates")
    );
    // The webhook's detail is the evidence, kept outside the chain.
    let (evidence,): (String,) =
        sqlx::query_as("SELECT body FROM ledger_evidence WHERE event_id = $1")
            .bind(meta[0]["id"].as_str().unwrap())
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(
        evidence.contains("User requested to stop marketing messages"),
        "{evidence}"
    );
    let (status, body) = app.send(&template_body(&phone, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470104), "{body}");
    assert_eq!(app.count("messages").await, 0);

    // The same stop again (Meta redelivers, another timestamp): no new events.
    let events = consents["events"].as_array().unwrap().len();
    app.webhook(&preference_payload(wa, "stop", ts + 1)).await;
    let consents = app.consents(&phone).await;
    assert_eq!(
        consents["events"].as_array().unwrap().len(),
        events,
        "{consents}"
    );

    app.webhook(&preference_payload(wa, "resume", ts + 60))
        .await;
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");
    assert_eq!(state_of(&consents, "product_news"), "granted");
    assert_eq!(state_of(&consents, "order_updates"), "granted");
    let granted: Vec<&Value> = events_by_source(&consents, "meta_signal")
        .into_iter()
        .filter(|e| e["action"] == "granted")
        .collect();
    assert_eq!(granted.len(), 2, "{consents}");
    let (status, body) = app.send(&template_body(&phone, "spring_sale")).await;
    assert_eq!(status, 200, "marketing may go out again: {body}");
}

#[tokio::test]
async fn user_preferences_resume_does_not_restore_what_the_person_withdrew_elsewhere() {
    let app = TestApp::spawn().await;
    let wa = "34612345624";
    let phone = format!("+{wa}");
    assert_eq!(app.consent(&phone, "offers", "grant").await.0, 201);
    assert_eq!(app.consent(&phone, "product_news", "grant").await.0, 201);
    assert_eq!(app.consent(&phone, "product_news", "withdraw").await.0, 201);
    let ts = now_secs();
    app.webhook(&preference_payload(wa, "stop", ts)).await;
    app.webhook(&preference_payload(wa, "resume", ts + 30))
        .await;
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");
    assert_eq!(
        state_of(&consents, "product_news"),
        "withdrawn",
        "withdrawn through the API before Meta's stop: {consents}"
    );
}

#[tokio::test]
async fn user_preferences_signup_creates_the_contact_and_grants_marketing() {
    let app = TestApp::spawn().await;
    let wa = "34612345625";
    let phone = format!("+{wa}");
    assert_eq!(app.count("contacts").await, 0);
    app.webhook(&preference_payload(wa, "signup", now_secs()))
        .await;
    assert_eq!(contacts(&app).await, [(Some(wa.to_owned()), None)]);
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");
    assert_eq!(state_of(&consents, "product_news"), "granted");
    assert_eq!(
        state_of(&consents, "order_updates"),
        "none",
        "signup is for marketing only"
    );
    let meta = events_by_source(&consents, "meta_signal");
    assert_eq!(meta.len(), 2);
    assert!(meta.iter().all(|e| e["action"] == "granted"));
    assert_eq!(pending_payloads(&app).await, 0);
    assert_eq!(
        app.count("webhook_payloads").await,
        1,
        "kept, linked to the contact"
    );
}

// ---------------------------------------------------------------------------
// 8. A contact known only by Meta's user id

#[tokio::test]
async fn a_message_with_only_a_user_id_creates_a_contact_and_is_answered_by_user_id() {
    let app = TestApp::spawn().await;
    let payload = envelope(
        "messages",
        json!({
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "user_id": USER_ID,
                          "parent_user_id": "US.ENT.11815799212886844830"}],
            "messages": [{"from_user_id": USER_ID, "id": "wamid.userid1", "timestamp": now_secs().to_string(),
                          "type": "text", "text": {"body": "Hi, do you ship to Lisbon?"}}]
        }),
    );
    app.webhook(&payload).await;

    assert_eq!(contacts(&app).await, [(None, Some(USER_ID.to_owned()))]);
    assert_eq!(
        inbound_state(&app, "wamid.userid1").await,
        Some(("text".into(), "held".into()))
    );
    let (last_inbound,): (Option<i64>,) =
        sqlx::query_as("SELECT last_inbound_at FROM contacts WHERE user_id = $1")
            .bind(USER_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(last_inbound.is_some(), "the 24 h window opened");

    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT m.payload FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.user_id = $1",
    )
    .bind(USER_ID)
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1);
    let reply: Value = serde_json::from_str(&rows[0].0).unwrap();
    assert!(is_terms(&reply), "{reply}");
    assert_eq!(reply["recipient"], USER_ID, "{reply}");
    assert!(
        reply.get("to").is_none(),
        "no phone number to answer: {reply}"
    );

    // The person accepts: same contact, now with consent.
    let accept = envelope(
        "messages",
        json!({
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "user_id": USER_ID}],
            "messages": [{"from_user_id": USER_ID, "id": "wamid.userid2", "timestamp": now_secs().to_string(),
                          "type": "interactive", "context": {"from": "12025550100", "id": "wamid.x"},
                          "interactive": {"type": "button_reply",
                                          "button_reply": {"id": "assent_terms_accept", "title": "Accept"}}}]
        }),
    );
    app.webhook(&accept).await;
    assert_eq!(app.count("contacts").await, 1);
    let (granted,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM ledger_events e JOIN contacts c ON c.id = e.subject_id \
         WHERE c.user_id = $1 AND e.action = 'granted'",
    )
    .bind(USER_ID)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(granted, 3, "every category granted by the chat opt-in");
}

#[tokio::test]
async fn a_user_id_in_contacts_alone_identifies_the_sender() {
    let app = TestApp::spawn().await;
    // No from and no from_user_id on the message; the single contacts[] entry names them.
    let payload = envelope(
        "messages",
        json!({
            "contacts": [{"profile": {"name": "Sheena Nelson"}, "user_id": USER_ID}],
            "messages": [{"id": "wamid.userid3", "timestamp": now_secs().to_string(),
                          "type": "text", "text": {"body": "Hello"}}]
        }),
    );
    app.webhook(&payload).await;
    assert_eq!(contacts(&app).await, [(None, Some(USER_ID.to_owned()))]);
    assert!(inbound_state(&app, "wamid.userid3").await.is_some());
}

#[tokio::test]
async fn a_contact_known_by_phone_and_user_id_is_found_by_user_id_alone() {
    let app = TestApp::spawn().await;
    let wa = "34612345632";
    // A 2026 payload: the phone number and the user id.
    let mut first = inbound_text(wa, "wamid.both1", "Hi");
    first["entry"][0]["changes"][0]["value"]["contacts"][0]["user_id"] = json!(USER_ID);
    first["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"] = json!(USER_ID);
    app.webhook(&first).await;
    assert_eq!(
        contacts(&app).await,
        [(Some(wa.to_owned()), Some(USER_ID.to_owned()))]
    );

    // Later only the user id (the person hid their number).
    let second = envelope(
        "messages",
        json!({
            "contacts": [{"profile": {"name": "Test Person"}, "user_id": USER_ID}],
            "messages": [{"from_user_id": USER_ID, "id": "wamid.both2", "timestamp": now_secs().to_string(),
                          "type": "interactive",
                          "interactive": {"type": "button_reply",
                                          "button_reply": {"id": "assent_terms_accept", "title": "Accept"}}}]
        }),
    );
    app.webhook(&second).await;
    assert_eq!(
        contacts(&app).await,
        [(Some(wa.to_owned()), Some(USER_ID.to_owned()))]
    );
    let consents = app.consents(&format!("+{wa}")).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 2, "terms, then the thank-you: {sent:?}");
    assert!(
        sent.iter().all(|m| m["to"] == format!("+{wa}")),
        "answered on the phone number when it is known: {sent:?}"
    );
}

// ---------------------------------------------------------------------------
// 9. system: user_changed_number

#[tokio::test]
async fn user_changed_number_moves_the_contact_to_the_new_number() {
    let app = TestApp::spawn().await;
    let old = "34612345626";
    let new = "34612345627";
    app.webhook(&inbound_text(old, "wamid.before1", "Hi from my old phone"))
        .await;
    let (contact_id,): (String,) = sqlx::query_as("SELECT id FROM contacts WHERE wa_id = $1")
        .bind(old)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();

    let system = inbound_message(
        old,
        "wamid.system1",
        json!({"type": "system", "system": {"type": "user_changed_number", "wa_id": new,
               "body": format!("User +{old} changed from +{old} to +{new}")}}),
    );
    app.webhook(&system).await;

    let rows: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT id, wa_id FROM contacts ORDER BY created_at")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(rows, [(contact_id, Some(new.to_owned()))]);
    let sent = app.sent_to(new).await;
    assert_eq!(
        sent.len(),
        1,
        "the terms sent before stay with the person: {sent:?}"
    );
    assert!(app.sent_to(old).await.is_empty());

    // Their next message from the new number continues the same conversation.
    app.webhook(&inbound_button_reply(
        new,
        "wamid.after1",
        "assent_terms_accept",
    ))
    .await;
    assert_eq!(app.count("contacts").await, 1);
    let consents = app.consents(&format!("+{new}")).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");

    // Erasure finds what was stored under the old number too.
    let needles = [
        old,
        new,
        "from my old phone",
        "wamid.before1",
        "wamid.system1",
    ];
    assert!(!find_everywhere(&app, &needles).await.is_empty());
    app.erase(&format!("+{new}")).await;
    let hits = find_everywhere(&app, &needles).await;
    assert!(hits.is_empty(), "traces left after erasure: {hits:?}");
}

// ---------------------------------------------------------------------------
// 10. Restart safety

#[tokio::test]
async fn an_acknowledged_webhook_is_processed_even_if_the_app_stops_right_after() {
    let app = TestApp::spawn().await;
    let wa = "34612345628";
    let body = bytes(&inbound_text(wa, "wamid.restart1", "Hello, anyone there?"));
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    let db = app.stop().await;

    let app = TestApp::spawn_on(db, 2).await;
    // Poll: processing may finish in the new instance.
    for _ in 0..200 {
        if inbound_state(&app, "wamid.restart1").await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    app.settle().await;
    assert_eq!(
        inbound_state(&app, "wamid.restart1").await,
        Some(("text".into(), "held".into()))
    );
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "the terms are sent exactly once: {sent:?}");
    assert!(is_terms(&sent[0]));
    let (dispatched,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM messages WHERE provider_message_id IS NOT NULL")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(dispatched, 1, "the reply reached the provider");
}

#[tokio::test]
async fn a_payload_stored_but_never_processed_is_processed_by_the_next_instance() {
    let app = TestApp::spawn().await;
    let db = app.stop().await;
    let wa = "34612345629";
    let body = serde_json::to_string(&inbound_text(wa, "wamid.crash1", "Hi there")).unwrap();
    {
        // What an instance that crashed right after acknowledging leaves behind: the
        // stored payload, claimed by it, with a lease that has run out.
        let raw = assent::db::Db::connect(&db.url).await.unwrap();
        assert!(assent::inbound::store::store(&raw, &body).await.unwrap());
        sqlx::query(
            "UPDATE webhook_payloads SET attempts = 1, claim_id = 'crashed-instance', lease_until = $1",
        )
        .bind(assent::db::now_ms() - 1_000)
        .execute(&raw.pool)
        .await
        .unwrap();
        raw.pool.close().await;
    }
    let app = TestApp::spawn_on(db, 2).await;
    app.settle().await;
    assert_eq!(
        inbound_state(&app, "wamid.crash1").await,
        Some(("text".into(), "held".into()))
    );
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(is_terms(&sent[0]));
}

#[tokio::test]
async fn the_public_sandbox_secret_signs_nothing_for_an_install_with_real_numbers() {
    let app = TestApp::spawn().await;
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    assent::numbers::add(
        &app.services.db,
        assent::numbers::NewNumber {
            phone_number_id: "400000000000004".into(),
            display_number: assent::domain::PhoneNumber::parse("+34911234569").unwrap(),
            provider: assent::numbers::ProviderKind::Cloud,
            api_base_url: Some("http://127.0.0.1:9".into()),
            api_version: "v23.0".into(),
            access_token: Some("token".into()),
            api_key_header: None,
            app_secret: Some("the-real-apps-secret".into()),
            verify_token: None,
            rate_per_second: None,
            rate_burst: None,
            messaging_limit: None,
        },
        assent::numbers::ChatSettings::parse(None, &[]).unwrap(),
    )
    .await
    .unwrap();
    drop(conn);
    let update = bytes(
        &json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "time": now_secs(), "changes": [{"field": "message_template_status_update", "value": {
            "event": "APPROVED", "message_template_id": 1234567890, "message_template_name": "spring_sale",
            "message_template_language": "en_US", "reason": "NONE"}}]}]}),
    );
    let r = app.webhook_signed(&update, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(
        r.status(),
        403,
        "the sandbox's published secret must not vouch for a real install"
    );
    assert_eq!(app.count("webhook_payloads").await, 0);
    let r = app
        .webhook_signed(&update, Some("the-real-apps-secret"))
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 1);
    // Nor for the sandbox number itself, whose messages anyone could forge.
    let forged = bytes(&inbound_text("34612345641", "wamid.forged1", "STOP"));
    let r = app.webhook_signed(&forged, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("inbound_messages").await, 0);
}

#[tokio::test]
async fn a_payload_naming_two_numbers_must_verify_with_each_ones_secret() {
    let app = TestApp::spawn().await;
    second_number(&app).await;
    let wa = "34612345640";
    // One change for the sandbox, one for the second number: the sandbox's secret
    // alone must not vouch for the second number's change.
    let mut payload = inbound_text(wa, "wamid.two1", "STOP");
    let mut other = payload["entry"][0]["changes"][0].clone();
    other["value"]["metadata"]["phone_number_id"] = json!(SECOND_ID);
    other["value"]["messages"][0]["id"] = json!("wamid.two2");
    payload["entry"][0]["changes"]
        .as_array_mut()
        .unwrap()
        .push(other);
    let body = bytes(&payload);
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);
    let r = app.webhook_signed(&body, Some(SECOND_SECRET)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
}

#[tokio::test]
async fn a_user_preference_older_than_the_last_applied_changes_nothing() {
    let app = TestApp::spawn().await;
    let wa = "34612345642";
    let phone = format!("+{wa}");
    for category in ["offers", "product_news"] {
        assert_eq!(app.consent(&phone, category, "grant").await.0, 201);
    }
    let ts = now_secs();
    app.webhook(&preference_payload(wa, "stop", ts)).await;
    app.webhook(&preference_payload(wa, "resume", ts + 10))
        .await;
    // Meta's retry of the earlier stop arrives after the resume.
    let mut late = preference_payload(wa, "stop", ts);
    late["entry"][0]["id"] = json!("another-delivery");
    app.webhook(&late).await;
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");
    assert_eq!(state_of(&consents, "product_news"), "granted", "{consents}");
}

#[tokio::test]
async fn a_batch_with_words_nobody_can_be_found_by_is_not_kept() {
    let app = TestApp::spawn().await;
    // Bob's message is tied to his contact; the second names no sender at all, so
    // an erasure could never find it: the stored payload must not outlive processing.
    let mut payload = inbound_text("34612345642", "wamid.mixed1", "Bob asks a question");
    payload["entry"][0]["changes"][0]["value"]["messages"]
        .as_array_mut()
        .unwrap()
        .push(
            json!({"id": "wamid.mixed2", "timestamp": now_secs(), "type": "text",
                     "text": {"body": "Orphan words from nobody"}}),
        );
    app.webhook(&payload).await;
    assert_eq!(app.count("inbound_messages").await, 1);
    let hits = find_everywhere(&app, &["Orphan words from nobody"]).await;
    assert!(hits.is_empty(), "unattributable words kept: {hits:?}");
    assert_eq!(app.count("webhook_payloads").await, 0);
}
