//! Bad consent requests (SPEC §4, §13) are refused naming the field and change no
//! ledger.

use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn bad_consent_requests_get_400_naming_the_field_and_change_no_ledger() {
    let app = TestApp::spawn().await;
    let before = stored(&app).await;
    let consent = |phone: &str, category: &str, action: &str, ip: &str| {
        json!({"phone": phone, "category": category, "action": action,
               "evidence": {"notice_version": "v1", "notice_text": "You agree.", "ip": ip}})
    };
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            "unknown category",
            consent(ALICE, "vip_offers", "grant", "203.0.113.7"),
            100,
            "category",
        ),
        (
            "SQL as a category",
            consent(
                ALICE,
                "offers'; DROP TABLE ledger_events; --",
                "grant",
                "203.0.113.7",
            ),
            100,
            "category",
        ),
        (
            "phone with leading zeros",
            consent("0034612345678", "offers", "grant", "203.0.113.7"),
            100,
            "phone",
        ),
        (
            "unknown action",
            consent(ALICE, "offers", "maybe", "203.0.113.7"),
            100,
            "action",
        ),
        (
            "bad evidence ip",
            consent(ALICE, "offers", "grant", "<script>"),
            100,
            "evidence.ip",
        ),
        (
            "no phone or user_id",
            json!({"category": "offers", "action": "grant"}),
            131008,
            "phone",
        ),
        (
            "confirm without a pending opt-in",
            consent(ALICE, "offers", "confirm", "203.0.113.7"),
            100,
            "action",
        ),
    ];
    for (label, body, want_code, field) in &cases {
        let (status, answer) = app.post_json("/api/v1/consents", &app.api_key, body).await;
        assert_meta_error(label, status, &answer, 400, *want_code, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }
    let r = app
        .client
        .get(format!("{}/api/v1/consents", app.address))
        .query(&[("phone", "+1 800 FLOWERS")])
        .bearer_auth(&app.api_key)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let answer: Value = r.json().await.unwrap_or(Value::Null);
    assert_meta_error(
        "GET with a bad phone",
        status,
        &answer,
        400,
        100,
        Some("phone"),
    );
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn control_characters_in_chained_consent_fields_are_refused() {
    let app = TestApp::spawn().await;
    let before = app.count("ledger_events").await;
    for field in ["source_ref", "notice_version", "language"] {
        let mut evidence = json!({"notice_version": "v1", "notice_text": "Yes"});
        evidence[field] = json!("a\u{0}b");
        let body =
            json!({"phone": ALICE, "category": "offers", "action": "grant", "evidence": evidence});
        let (status, answer) = app.post_json("/api/v1/consents", &app.api_key, &body).await;
        assert_eq!(status, 400, "{field}: {answer}");
        let details = answer["error"]["error_data"]["details"].as_str().unwrap();
        assert!(
            details.starts_with(&format!("evidence.{field}")),
            "{details}"
        );
    }
    assert_eq!(app.count("ledger_events").await, before);
}

#[tokio::test]
async fn evidence_language_takes_a_language_code_and_refuses_markup_and_formulas() {
    let app = TestApp::spawn().await;
    let grant = |language: &str| {
        json!({"phone": ALICE, "category": "offers", "action": "grant",
               "evidence": {"notice_version": "v1", "notice_text": "You agree.", "language": language}})
    };
    let before = stored(&app).await;
    for language in ["<script>", "=1+1"] {
        let (status, answer) = app
            .post_json("/api/v1/consents", &app.api_key, &grant(language))
            .await;
        assert_meta_error(
            language,
            status,
            &answer,
            400,
            100,
            Some("evidence.language"),
        );
        assert_eq!(stored(&app).await, before, "{language}: nothing stored");
    }

    let (status, answer) = app
        .post_json("/api/v1/consents", &app.api_key, &grant("es-ES"))
        .await;
    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["event"]["language"], "es-ES", "{answer}");
    let events = app.consents(ALICE).await["events"].clone();
    assert_eq!(events[0]["language"], "es-ES", "{events}");
}

#[tokio::test]
async fn confirming_with_nothing_pending_names_the_category_plainly() {
    let app = TestApp::spawn().await;
    let before = stored(&app).await;
    let (status, answer) = app.consent(ALICE, "offers", "confirm").await;
    assert_meta_error("confirm", status, &answer, 400, 100, None);
    let details = details(&answer);
    assert!(details.contains("\"offers\""), "{details}");
    assert!(
        !details.contains("CategoryName("),
        "no Rust debug output: {details}"
    );
    assert_eq!(stored(&app).await, before, "nothing stored");
}
