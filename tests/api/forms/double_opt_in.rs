//! A double opt-in from a form stays pending until the person confirms in
//! WhatsApp, by the welcome's button or by replying YES, SÍ or SIM; unconfirmed,
//! it expires.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::{Value, json};
use std::time::Duration;

/// A person signed up through the form `join` for offers; returns their wa_id.
async fn signed_up(app: &TestApp, n: u32) -> String {
    let wa_id = person(n);
    let r = app
        .submit_form("join", "US", &e164(&wa_id), &["offers"])
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(states(app, &wa_id).await["offers"], "pending");
    wa_id
}

/// The person taps the welcome template's quick-reply button.
async fn tap_confirm(app: &TestApp, wa_id: &str) -> String {
    let id = wamid();
    let message = json!({"type": "button", "button": {"payload": "assent_confirm", "text": "Confirm"},
                         "context": {"from": "12025550100", "id": "wamid.welcome"}});
    app.webhook(&inbound_message(wa_id, &id, message)).await;
    id
}

async fn confirmed_events(app: &TestApp, wa_id: &str) -> Vec<Value> {
    let consents = app.consents(&e164(wa_id)).await;
    consents["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "confirmed")
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_welcomes_button_confirms_with_the_inbound_message_as_evidence() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let ana = signed_up(&app, 1).await;
    let id = tap_confirm(&app, &ana).await;
    assert_eq!(states(&app, &ana).await["offers"], "granted");
    let confirmed = confirmed_events(&app, &ana).await;
    assert_eq!(confirmed.len(), 1);
    assert_eq!(confirmed[0]["category"], "offers");
    assert_eq!(confirmed[0]["source_ref"], "form:join");
    let (evidence,): (String,) = sqlx::query_as(
        "SELECT ev.body FROM ledger_evidence ev JOIN ledger_events e ON e.id = ev.event_id WHERE e.action = 'confirmed'",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert!(
        evidence.contains(&id),
        "the inbound message id is the evidence: {evidence}"
    );
    let reply = last_reply(&app, &ana).await;
    assert!(
        reply.starts_with("Confirmed! +12025550100 will message you about: Offers and promotions."),
        "{reply}"
    );
    assert!(
        reply.contains("Your choices, at any time: https://assent.example/p/"),
        "{reply}"
    );
    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(form["stats"]["confirmations"], 1);
    // Now their marketing template goes out.
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (status, answer) = app.send(&template_body(&e164(&ana), "spring_sale")).await;
    assert_eq!(status, 200, "{answer}");
    // A second tap changes nothing.
    tap_confirm(&app, &ana).await;
    assert_eq!(confirmed_events(&app, &ana).await.len(), 1);
}

#[tokio::test]
async fn replying_yes_si_or_sim_confirms_accents_and_case_aside() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    for (n, reply, answer) in [
        (2, "YES", "Confirmed!"),
        (3, "sí", "¡Confirmado!"),
        (4, "Si", "¡Confirmado!"),
        (5, "sim", "Confirmado!"),
    ] {
        let who = signed_up(&app, n).await;
        text(&app, &who, reply).await;
        assert_eq!(states(&app, &who).await["offers"], "granted", "{reply}");
        assert!(last_reply(&app, &who).await.starts_with(answer), "{reply}");
    }
}

#[tokio::test]
async fn yes_from_someone_with_nothing_pending_is_just_a_message() {
    let app = TestApp::spawn().await;
    let stranger = person(9);
    let id = text(&app, &stranger, "yes").await;
    assert_eq!(
        inbound_state(&app, &id).await,
        "held",
        "a new person's message waits for the terms"
    );
    assert!(
        is_terms(app.sent_to(&stranger).await.last().unwrap()),
        "they get the terms"
    );
    assert!(confirmed_events(&app, &stranger).await.is_empty());
}

#[tokio::test]
async fn an_unconfirmed_double_opt_in_expires_with_an_event_and_is_counted() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let late = signed_up(&app, 6).await;
    let prompt = signed_up(&app, 7).await;
    tap_confirm(&app, &prompt).await;
    // Nothing is due yet.
    assert!(!assent::opt_in::expire_due(&app.services).await.unwrap());
    // Eight days pass for Late's opt-in (the default is seven).
    let eight_days = Duration::from_secs(8 * 24 * 60 * 60).as_millis() as i64;
    sqlx::query("UPDATE consent_states SET since = since - $1 WHERE state = 'pending'")
        .bind(eight_days)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    assert!(assent::opt_in::expire_due(&app.services).await.unwrap());
    assert_eq!(states(&app, &late).await["offers"], "expired");
    assert_eq!(
        states(&app, &prompt).await["offers"],
        "granted",
        "a confirmed one stays"
    );
    let consents = app.consents(&e164(&late)).await;
    let last = consents["events"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["action"].as_str(), last["source_ref"].as_str()),
        (Some("expired"), Some("form:join"))
    );
    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(form["stats"]["expiries"], 1);
    let (waiting,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM consent_states WHERE state = 'pending'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(waiting, 0, "nothing is left waiting");
    // A late YES confirms nothing any more.
    text(&app, &late, "YES").await;
    assert_eq!(states(&app, &late).await["offers"], "expired");
    assert!(
        !assent::opt_in::expire_due(&app.services).await.unwrap(),
        "nothing left to expire"
    );
}
