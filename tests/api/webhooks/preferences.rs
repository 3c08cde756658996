//! `user_preferences` (marketing stop, resume and signup inside WhatsApp) follow the
//! person's latest choice.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::{Value, json};

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
