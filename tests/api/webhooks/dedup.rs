//! Deduplication by message id: the same message in two payloads (Meta's retries)
//! has one effect and one reply.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::{Value, json};

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
