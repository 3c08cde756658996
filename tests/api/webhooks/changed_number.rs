//! `system: user_changed_number`: the contact moves to the new number, and erasure
//! still finds what was stored under the old one.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;

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
