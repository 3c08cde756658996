//! The consent ledger from the outside: consents recorded through the API, and
//! `assent ledger verify` read as an auditor would.

use super::{ALICE, BOB, Run, TestApp};
use assent::consent::{self, CategoryStatus};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The notice text `TestApp::consent` sends as evidence.
pub const NOTICE: &str = "You agree to receive offers from Acme.";
/// The evidence IP `TestApp::consent` sends.
pub const ALICE_IP: &str = "203.0.113.7";
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
pub const CATEGORIES: [&str; 3] = ["order_updates", "offers", "product_news"];

pub fn verify(app: &TestApp) -> Run {
    app.cli(&["ledger", "verify"])
}

/// `verify` must fail and name `seq` as the first broken event, after `checked`
/// events that did verify.
pub fn assert_broken_at(app: &TestApp, seq: i64, checked: u64) -> Run {
    let r = verify(app);
    assert!(
        !r.ok() && r.code.is_some(),
        "verify must exit non-zero: {r}"
    );
    assert!(
        r.stdout.contains(&format!("ledger BROKEN at event {seq} ")),
        "verify must name event {seq}: {r}"
    );
    assert!(
        r.stdout
            .contains(&format!("{checked} events before it verified")),
        "{checked} events should verify before it: {r}"
    );
    r
}

/// The id of the event at `seq`.
pub async fn event_id(app: &TestApp, seq: i64) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM ledger_events WHERE seq = $1")
        .bind(seq)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

pub async fn consent_body(app: &TestApp, body: Value) -> (u16, Value) {
    let (status, answer) = app.post_json("/api/v1/consents", &app.api_key, &body).await;
    (status.as_u16(), answer)
}

/// A grant whose evidence carries its own IP, so it can be told apart from ALICE's.
pub async fn grant_with_ip(app: &TestApp, phone: &str, category: &str, ip: &str) {
    let (status, body) = consent_body(
        app,
        json!({"phone": phone, "category": category, "action": "grant",
               "evidence": {"notice_version": "v1", "notice_text": NOTICE, "ip": ip, "user_agent": "other"}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

pub async fn ok_consent(app: &TestApp, phone: &str, category: &str, action: &str) -> Value {
    let (status, body) = app.consent(phone, category, action).await;
    assert_eq!(status, 201, "{action} {category} for {phone}: {body}");
    body
}

/// Four events with evidence: ALICE grants offers and order_updates, BOB grants
/// offers, ALICE withdraws offers. The ledger verifies before any tampering.
pub async fn four_events(app: &TestApp) {
    ok_consent(app, ALICE, "offers", "grant").await;
    ok_consent(app, ALICE, "order_updates", "grant").await;
    ok_consent(app, BOB, "offers", "grant").await;
    ok_consent(app, ALICE, "offers", "withdraw").await;
    let r = verify(app);
    assert!(
        r.ok() && r.stdout.contains("4 events"),
        "intact before tampering: {r}"
    );
}

/// Every person's stored states, and the fold of their events.
pub async fn stored_and_folded(
    app: &TestApp,
) -> Vec<(
    String,
    BTreeMap<String, CategoryStatus>,
    BTreeMap<String, CategoryStatus>,
)> {
    let subjects: Vec<(String,)> =
        sqlx::query_as("SELECT DISTINCT subject_id FROM ledger_events ORDER BY subject_id")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let mut all = Vec::new();
    for (subject,) in subjects {
        let stored = consent::states::of_subject(&mut conn, &subject)
            .await
            .unwrap();
        let events = consent::events_for_subject(&mut conn, &subject)
            .await
            .unwrap();
        all.push((subject, stored, consent::derive_states(&events)));
    }
    all
}
