//! The sending core end to end: Meta-compatible answers, the exact request the
//! Graph API gets, retries, idempotency and restarts.

use crate::graph::{CLOUD_ID, Fault, ONPREM_ID, ONPREM_KEY, StandIn, TOKEN};
use crate::helpers::*;
use assent::domain::PhoneNumber;
use assent::numbers::{self, NewNumber, ProviderKind};
use serde_json::{Value, json};
use std::time::Duration;

/// Registers a Cloud API number pointing at the stand-in and returns an API key for it.
async fn cloud_number(app: &TestApp, standin: &StandIn) -> String {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let number = numbers::add(
        &app.services.db,
        NewNumber {
            phone_number_id: CLOUD_ID.into(),
            display_number: PhoneNumber::parse("+34911234567").unwrap(),
            provider: ProviderKind::Cloud,
            api_base_url: Some(standin.server.uri()),
            api_version: "v23.0".into(),
            access_token: Some(TOKEN.into()),
            api_key_header: None,
            app_secret: None,
            verify_token: None,
            rate_per_second: None,
            rate_burst: None,
            messaging_limit: Some(1000),
        },
        assent::numbers::ChatSettings::parse(None, &[]).unwrap(),
    )
    .await
    .unwrap();
    assent::api_keys::create(&app.services.db, &number.id, "cloud")
        .await
        .unwrap()
        .key
}

async fn cloud_send(app: &TestApp, key: &str, body: &Value) -> (reqwest::StatusCode, Value) {
    app.post_json(&format!("/v23.0/{CLOUD_ID}/messages"), key, body)
        .await
}

/// A contact who wrote 1 minute ago: free-form messages may go out.
async fn in_window(app: &TestApp, phone: &str) {
    app.inbound_from(phone, Duration::from_secs(60)).await;
}

#[tokio::test]
async fn cloud_send_reaches_the_graph_api_exactly_as_meta_expects() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    let key = cloud_number(&app, &standin).await;
    app.inbound_on(CLOUD_ID, ALICE, Duration::ZERO).await;

    let body = json!({"messaging_product": "whatsapp", "recipient_type": "individual", "to": "34 612-345-678",
        "type": "text", "text": {"body": "Your parcel left the warehouse", "preview_url": false}});
    let (status, answer) = cloud_send(&app, &key, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["messaging_product"], "whatsapp");
    assert_eq!(answer["contacts"][0]["input"], "34 612-345-678");
    assert_eq!(answer["contacts"][0]["wa_id"], "34612345678");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("wamid."));
    app.drain().await;

    let sent = standin.bodies(&format!("/v23.0/{CLOUD_ID}/messages")).await;
    assert_eq!(sent.len(), 1);
    let mut expected = body.clone();
    expected["to"] = json!(ALICE);
    assert_eq!(
        sent[0], expected,
        "the Graph API gets the caller's message with the number in E.164"
    );
    let request = &standin.requests().await[0];
    assert_eq!(
        request.headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
    let provider_id: (Option<String>,) =
        sqlx::query_as("SELECT provider_message_id FROM messages WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(provider_id.0.as_deref(), Some("wamid.STANDIN0"));
}

#[tokio::test]
async fn granted_template_is_sent_and_reported_delivered_by_the_sandbox() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register_template("order_shipped", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(ALICE, "order_updates", "grant").await.0, 201);
    let (status, answer) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap();
    app.drain().await;
    assert_eq!(app.message_status(id).await, ("delivered".to_owned(), None));
}

#[tokio::test]
async fn upstream_429_5xx_and_timeouts_are_retried_and_the_message_is_sent_once() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    let key = cloud_number(&app, &standin).await;
    standin.fail_next(&[
        Fault::Error(429, 130429),
        Fault::Error(503, 2),
        // Longer than the provider timeout of the test settings (5 s).
        Fault::Slow(Duration::from_secs(6)),
        Fault::Error(400, 131056),
    ]);
    app.inbound_on(CLOUD_ID, ALICE, Duration::ZERO).await;

    let (status, answer) = cloud_send(&app, &key, &text_body(ALICE, "hello")).await;
    assert_eq!(status, 200, "{answer}");
    app.drain().await;
    let attempts: (i64, Option<String>) =
        sqlx::query_as("SELECT attempts, provider_message_id FROM messages")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(attempts.0, 5, "four transient failures, then success");
    // The timed-out request was answered late with its own id; the one that counts
    // is the id of the attempt that succeeded, and only one attempt succeeded in time.
    assert!(attempts.1.is_some());
    assert_eq!(standin.requests().await.len(), 5);
}

#[tokio::test]
async fn permanent_provider_errors_fail_the_message_without_retry() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    let key = cloud_number(&app, &standin).await;
    standin.fail_next(&[Fault::Error(400, 131026)]);
    app.inbound_on(CLOUD_ID, ALICE, Duration::ZERO).await;
    let (_, answer) = cloud_send(&app, &key, &text_body(ALICE, "hello")).await;
    app.drain().await;
    let id = answer["messages"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.message_status(id).await,
        ("failed".to_owned(), Some(131026))
    );
    assert_eq!(standin.requests().await.len(), 1);
}

#[tokio::test]
async fn an_idempotency_key_makes_client_retries_safe() {
    let app = TestApp::spawn().await;
    in_window(&app, ALICE).await;
    let send = |key: &'static str, text: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}/v23.0/{SANDBOX_ID}/messages", app.address))
                .bearer_auth(&app.api_key)
                .header("Idempotency-Key", key)
                .json(&text_body(ALICE, text))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, first) = send("order-42", "hello").await;
    let (s2, again) = send("order-42", "hello").await;
    assert_eq!((s1, s2), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    assert_eq!(first["messages"][0]["id"], again["messages"][0]["id"]);
    assert_eq!(app.count("messages").await, 1);
    let (s3, other) = send("order-42", "a different message").await;
    assert_eq!(s3, 422);
    assert_eq!(code(&other), 470110);
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn a_restart_with_messages_queued_and_in_flight_loses_none_and_sends_none_twice() {
    let standin = StandIn::cloud().await;
    // First instance accepts but has no dispatcher: everything stays queued.
    let app = TestApp::spawn_on(TestDb::new().await, 0).await;
    let key = cloud_number(&app, &standin).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let phone = format!("+346123456{i:02}");
        app.inbound_on(CLOUD_ID, &phone, Duration::ZERO).await;
        let (status, answer) = cloud_send(&app, &key, &text_body(&phone, "hi")).await;
        assert_eq!(status, 200, "{answer}");
        ids.push(answer["messages"][0]["id"].as_str().unwrap().to_owned());
    }
    // One message was claimed by a worker that then died (its lease runs out).
    let claimed = assent::sending::outbox::claim(app.raw_db(), Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    assert!(ids.contains(&claimed.id));
    let db = app.stop().await;
    assert_eq!(standin.accepted(), 0);

    let app = TestApp::spawn_on(db, 3).await;
    app.drain().await;
    assert_eq!(standin.accepted(), 12, "every message sent exactly once");
    let mut recipients: Vec<String> = standin
        .bodies(&format!("/v23.0/{CLOUD_ID}/messages"))
        .await
        .iter()
        .map(|b| b["to"].as_str().unwrap().to_owned())
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 12);
    for id in ids {
        assert_eq!(
            app.message_status(&id).await.0,
            "accepted",
            "handed to Meta, awaiting its status webhook"
        );
    }
}

#[tokio::test]
async fn onprem_numbers_send_through_v1_with_contact_check_cached() {
    let app = TestApp::spawn().await;
    let standin = StandIn::onprem().await;
    standin.mark_invalid(BOB);
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let number = numbers::add(
        &app.services.db,
        NewNumber {
            phone_number_id: ONPREM_ID.into(),
            display_number: PhoneNumber::parse("+34911234568").unwrap(),
            provider: ProviderKind::Onprem,
            api_base_url: Some(standin.server.uri()),
            api_version: "v23.0".into(),
            access_token: Some(ONPREM_KEY.into()),
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
    assert_eq!((number.rate_per_second, number.rate_burst), (50.0, 150.0));
    let key = assent::api_keys::create(&app.services.db, &number.id, "onprem")
        .await
        .unwrap()
        .key;
    drop(conn);
    for phone in [ALICE, BOB] {
        app.inbound_on(ONPREM_ID, phone, Duration::ZERO).await;
    }

    let r = app
        .client
        .post(format!("{}/v1/messages", app.address))
        .header("D360-API-KEY", &key)
        .json(&json!({"to": ALICE, "type": "text", "text": {"body": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let (status, again) = app
        .post_json(
            "/v1/messages",
            &key,
            &json!({"to": ALICE, "type": "text", "text": {"body": "again"}}),
        )
        .await;
    assert_eq!(status, 202, "{again}");
    let (status, blocked) = app
        .post_json(
            "/v1/messages",
            &key,
            &json!({"to": BOB, "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(code(&blocked), 470108);
    app.drain().await;

    assert_eq!(
        standin.bodies("/v1/contacts").await.len(),
        2,
        "one check per recipient, then cached"
    );
    let sent = standin.bodies("/v1/messages").await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.contains(&json!({"to": "34612345678", "type": "text", "text": {"body": "hi"}})),
        "on-premises format: no messaging_product, wa_id digits: {sent:?}"
    );

    let (status, checked) = app
        .post_json(
            "/v1/contacts",
            &key,
            &json!({"blocking": "wait", "contacts": [ALICE, BOB, "12"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(checked["contacts"][0]["status"], "valid");
    assert_eq!(checked["contacts"][1]["status"], "invalid");
    assert_eq!(checked["contacts"][2]["status"], "invalid");
    assert_eq!(
        standin.bodies("/v1/contacts").await.len(),
        2,
        "answered from the 7-day cache"
    );

    let (status, _) = app
        .post_json(
            "/v1/messages",
            &key,
            &json!({"to": BOB, "type": "text", "text": {"body": "hi"}, "verify_contact": false}),
        )
        .await;
    assert_eq!(status, 202, "verify_contact: false skips the check");
}

#[tokio::test]
async fn the_sandbox_simulates_rate_limits_and_meta_failures() {
    let app = TestApp::spawn().await;
    for phone in ["+12025550129", "+12025550126"] {
        in_window(&app, phone).await;
    }
    let (_, limited) = app.send(&json!({"messaging_product": "whatsapp", "to": "+12025550129", "text": {"body": "x"}, "verify_contact": false})).await;
    let (_, gone) = app.send(&json!({"messaging_product": "whatsapp", "to": "+12025550126", "text": {"body": "x"}, "verify_contact": false})).await;
    app.drain().await;
    assert_eq!(
        app.message_status(limited["messages"][0]["id"].as_str().unwrap())
            .await
            .0,
        "delivered"
    );
    assert_eq!(
        app.message_status(gone["messages"][0]["id"].as_str().unwrap())
            .await,
        ("failed".to_owned(), Some(131026))
    );
    let (attempts,): (i64,) = sqlx::query_as("SELECT attempts FROM messages WHERE id = $1")
        .bind(limited["messages"][0]["id"].as_str().unwrap())
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(
        attempts, 2,
        "130429 on the first attempt, accepted on the retry"
    );
}

#[tokio::test]
async fn the_sandbox_reports_131047_as_a_failed_status() {
    let app = TestApp::spawn().await;
    in_window(&app, "+12025550147").await;
    let (status, body) = app.send(&text_body("+12025550147", "late reply")).await;
    assert_eq!(status, 200, "{body}");
    app.drain().await;
    let id = body["messages"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.message_status(id).await,
        ("failed".to_owned(), Some(131047))
    );
}

#[tokio::test]
async fn dispatch_keeps_to_the_numbers_rate_limit() {
    let app = TestApp::spawn_on(TestDb::new().await, 0).await;
    // 4 messages a second with no burst: five messages need at least one second.
    sqlx::query("UPDATE business_numbers SET rate_per_second = 4, rate_burst = 1")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    for i in 0..5 {
        let phone = format!("+346123456{i:02}");
        in_window(&app, &phone).await;
        assert_eq!(app.send(&text_body(&phone, "hi")).await.0, 200);
    }
    let db = app.stop().await;
    // Timed from before the start: the workers take the first token at once.
    let started = std::time::Instant::now();
    let app = TestApp::spawn_on(db, 4).await;
    app.drain().await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(950),
        "5 messages at 4/s went out in {took:?}"
    );
    let (sent,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM messages WHERE status = 'delivered'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(sent, 5);
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_cannot_overwrite_the_new_owner() {
    let app = TestApp::spawn_on(TestDb::new().await, 0).await;
    in_window(&app, ALICE).await;
    assert_eq!(app.send(&text_body(ALICE, "hi")).await.0, 200);
    let db = app.raw_db();
    let stale = assent::sending::outbox::claim(db, Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let owner = assent::sending::outbox::claim(db, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        owner.id, stale.id,
        "the expired lease made the message due again"
    );
    assert_ne!(owner.claim_id, stale.claim_id);

    let later = assent::db::now_ms() + 60_000;
    assert!(
        !assent::sending::outbox::retry_at(db, &stale, later, None, "stale")
            .await
            .unwrap()
    );
    assert!(
        !assent::sending::outbox::dispatched(db, &stale, "wamid.stale")
            .await
            .unwrap()
    );
    assert!(
        !assent::sending::outbox::renew(db, &stale, Duration::from_secs(60))
            .await
            .unwrap()
    );
    assert!(
        assent::sending::outbox::dispatched(db, &owner, "wamid.owner")
            .await
            .unwrap()
    );
    let (state, provider_id): (String, Option<String>) =
        sqlx::query_as("SELECT dispatch_state, provider_message_id FROM messages")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), provider_id.as_deref()),
        ("done", Some("wamid.owner"))
    );
}
