//! Mark as read (SPEC §3.6): Meta's `{"status":"read","message_id"}` on the send
//! endpoints is not a message to the person. For an inbound message of that number
//! it answers `{"success":true}`, records when it was read and passes on to the
//! provider (as sent to the Graph API; `PUT /v1/messages/{id}` on-premises);
//! anything else is refused naming the field, and nothing is queued.

use crate::helpers::chat::{person, text, text_to};
use crate::helpers::graph::{
    CLOUD_APP_SECRET, CLOUD_ID, ONPREM_APP_SECRET, ONPREM_ID, ONPREM_KEY, StandIn, TOKEN,
    cloud_number, cloud_send, onprem_number,
};
use crate::helpers::*;
use serde_json::{Value, json};

fn read(message_id: &str) -> Value {
    json!({"messaging_product": "whatsapp", "status": "read", "message_id": message_id})
}

fn read_typing(message_id: &str) -> Value {
    let mut body = read(message_id);
    body["typing_indicator"] = json!({"type": "text"});
    body
}

/// Asserts the message was marked read between `since` and now.
async fn assert_read_since(app: &TestApp, id: &str, since: i64) {
    let at = read_at(app, id)
        .await
        .unwrap_or_else(|| panic!("{id} should be marked read"));
    assert!(
        (since..=assent::db::now_ms()).contains(&at),
        "read_at {at} is not the time of the request (after {since})"
    );
}

#[tokio::test]
async fn marking_an_inbound_message_read_answers_success_and_records_it() {
    let app = TestApp::spawn().await;
    let wa = person(1);
    let first = text(&app, &wa, "Hello").await;
    let second = text(&app, &wa, "Are you there?").await;
    assert_eq!(read_at(&app, &first).await, None, "unread until marked");
    let messages = app.count("messages").await;

    let since = assent::db::now_ms();
    let (status, answer) = app.send(&read(&first)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"success": true}), "Meta's answer, exactly");
    assert_read_since(&app, &first, since).await;
    assert_eq!(read_at(&app, &second).await, None, "only the message named");

    let (status, answer) = app.send(&read_typing(&second)).await;
    assert_eq!(status, 200, "with a typing indicator: {answer}");
    assert_eq!(answer, json!({"success": true}));
    assert_read_since(&app, &second, since).await;

    assert_eq!(
        app.count("messages").await,
        messages,
        "a read receipt is not a message: nothing queued"
    );
}

#[tokio::test]
async fn the_on_premises_style_endpoint_marks_messages_read_too() {
    let app = TestApp::spawn().await;
    let id = text(&app, &person(2), "Hello").await;
    let messages = app.count("messages").await;
    let since = assent::db::now_ms();
    let (status, answer) = app
        .post_json("/v1/messages", &app.api_key, &read(&id))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"success": true}));
    assert_read_since(&app, &id, since).await;
    assert_eq!(app.count("messages").await, messages, "nothing queued");
}

#[tokio::test]
async fn bad_read_receipts_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let id = text(&app, &person(3), "Hello").await;
    let second = app
        .add_number(new_number("100000000000002", "+34911234567"))
        .await;
    let second_key = app.api_key_for(&second, "second").await;
    let before = stored(&app).await;

    let with = |key: &str, value: Value| {
        let mut body = read(&id);
        body[key] = value;
        body
    };
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            "a message the number never received",
            read("wamid.NEVERRECEIVED"),
            100,
            "message_id",
        ),
        ("an empty message_id", read(""), 100, "message_id"),
        (
            "message_id as a number",
            with("message_id", json!(42)),
            100,
            "message_id",
        ),
        (
            "missing message_id",
            json!({"messaging_product": "whatsapp", "status": "read"}),
            131008,
            "message_id",
        ),
        (
            "an audio typing indicator",
            with("typing_indicator", json!({"type": "audio"})),
            100,
            "typing_indicator",
        ),
        (
            "a typing indicator that is not an object",
            with("typing_indicator", json!(true)),
            100,
            "typing_indicator",
        ),
        (
            "status delivered",
            with("status", json!("delivered")),
            100,
            "status",
        ),
        (
            "an unknown field",
            with("biz_opaque_callback_data", json!("x")),
            100,
            "biz_opaque_callback_data",
        ),
        (
            "a message's field",
            with("text", json!({"body": "hi"})),
            100,
            "text",
        ),
    ];
    for (label, body, want_code, field) in &cases {
        let (status, answer) = app.send(body).await;
        assert_meta_error(label, status, &answer, 400, *want_code, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }

    // Another number's key cannot mark this number's message read.
    let (status, answer) = app
        .post_json("/v23.0/100000000000002/messages", &second_key, &read(&id))
        .await;
    assert_meta_error(
        "another number's message",
        status,
        &answer,
        400,
        100,
        Some("message_id"),
    );
    let (status, answer) = app.post_json("/v1/messages", &second_key, &read(&id)).await;
    assert_meta_error(
        "another number's message on /v1",
        status,
        &answer,
        400,
        100,
        Some("message_id"),
    );
    assert_eq!(read_at(&app, &id).await, None, "still unread");
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn a_read_receipt_reaches_the_graph_api_exactly_as_the_client_sent_it() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    let key = cloud_number(&app, &standin).await;
    let id = text_to(&app, CLOUD_ID, CLOUD_APP_SECRET, &person(4), "Hello").await;
    let messages = app.count("messages").await;

    let body = read_typing(&id);
    let since = assent::db::now_ms();
    let (status, answer) = cloud_send(&app, &key, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"success": true}));
    assert_read_since(&app, &id, since).await;
    assert_eq!(app.count("messages").await, messages, "nothing queued");

    let receipts = standin.read_receipts();
    assert_eq!(receipts.len(), 1, "the Graph API heard of it once");
    let receipt = &receipts[0];
    assert_eq!(receipt.method.as_str(), "POST");
    assert_eq!(receipt.url.path(), format!("/v23.0/{CLOUD_ID}/messages"));
    assert_eq!(
        receipt.headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
    let sent: Value = serde_json::from_slice(&receipt.body).unwrap();
    assert_eq!(sent, body, "the body the client sent, unchanged");

    // A refused one never reaches the provider.
    let (status, answer) = cloud_send(&app, &key, &read("wamid.NEVERRECEIVED")).await;
    assert_meta_error("unknown id", status, &answer, 400, 100, Some("message_id"));
    assert_eq!(standin.read_receipts().len(), 1);
}

#[tokio::test]
async fn a_read_receipt_for_an_on_premises_number_is_a_put_on_its_message() {
    let app = TestApp::spawn().await;
    let standin = StandIn::onprem().await;
    let key = onprem_number(&app, &standin).await;
    let id = text_to(&app, ONPREM_ID, ONPREM_APP_SECRET, &person(5), "Hello").await;
    let messages = app.count("messages").await;

    let since = assent::db::now_ms();
    let (status, answer) = app.post_json("/v1/messages", &key, &read(&id)).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer, json!({"success": true}));
    assert_read_since(&app, &id, since).await;
    assert_eq!(app.count("messages").await, messages, "nothing queued");

    let receipts = standin.read_receipts();
    assert_eq!(receipts.len(), 1, "the BSP heard of it once");
    let receipt = &receipts[0];
    assert_eq!(receipt.method.as_str(), "PUT");
    let path = percent_encoding::percent_decode_str(receipt.url.path())
        .decode_utf8()
        .unwrap()
        .into_owned();
    assert_eq!(path, format!("/v1/messages/{id}"));
    assert_eq!(receipt.headers.get("d360-api-key").unwrap(), ONPREM_KEY);
    let sent: Value = serde_json::from_slice(&receipt.body).unwrap();
    assert_eq!(sent, json!({"status": "read"}));
}
