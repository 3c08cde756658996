//! Sends through a Cloud API number (SPEC §3, §9): the exact request the Graph API
//! gets, transient failures retried until the message is sent once, permanent ones
//! failing it.

use crate::helpers::graph::{CLOUD_ID, Fault, StandIn, TOKEN, cloud_number, cloud_send};
use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

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
