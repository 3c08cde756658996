//! Payloads Assent does not act on, or only partly: unknown numbers, fields and
//! message types, the 3 MiB limit, and words nobody can be found by (not kept).

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;

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
    let template_update = template_status_update();
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
        inbound_row(&app, "wamid.hologram1").await,
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
    assert!(inbound_row(&app, "wamid.unsupported1").await.is_some());

    // The service still works.
    let (status, _) = app
        .handshake(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "42"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ])
        .await;
    assert_eq!(status, 200);
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
