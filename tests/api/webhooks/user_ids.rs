//! A contact known only by Meta's user id (BSUID, 2026 payloads without a phone
//! number), or by both.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::{Value, json};

/// A BSUID as Meta sends it in 2026 payloads that carry no phone number.
const USER_ID: &str = "US.13491208655302741918";

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
        inbound_row(&app, "wamid.userid1").await,
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
    assert!(inbound_row(&app, "wamid.userid3").await.is_some());
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
