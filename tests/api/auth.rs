//! API-key authentication (SPEC §11): Bearer keys on every API route, the
//! on-premises headers on /v1/, and a key only ever acts for its own number.

use crate::helpers::*;
use serde_json::{Value, json};

/// A second business number (sandbox provider) and an API key for it.
async fn other_numbers_key(app: &TestApp) -> String {
    let number = app
        .add_number(assent::numbers::NewNumber {
            messaging_limit: Some(250),
            ..new_number("100000000000002", "+34911234567")
        })
        .await;
    app.api_key_for(&number, "second").await
}

#[tokio::test]
async fn requests_without_a_valid_key_get_401_code_190_and_store_nothing() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let before = stored(&app).await;
    let body = text_body(ALICE, "hello");

    let (status, answer) = app.post_raw(MESSAGES, &[], body.to_string()).await;
    assert_meta_error("no key", status, &answer, 401, 190, None);
    assert!(details(&answer).contains("Bearer"), "{answer}");

    for (label, headers) in [
        (
            "wrong bearer key",
            [("authorization", "Bearer assent_wrong")],
        ),
        (
            "not a bearer scheme",
            [("authorization", "Basic dXNlcjpwYXNz")],
        ),
        ("wrong WA-API-KEY", [("wa-api-key", "assent_wrong")]),
        ("empty bearer", [("authorization", "Bearer ")]),
    ] {
        let (status, answer) = app.post_raw(MESSAGES, &headers, body.to_string()).await;
        assert_meta_error(label, status, &answer, 401, 190, None);
        let (status, answer) = app
            .post_raw("/v1/messages", &headers, body.to_string())
            .await;
        assert_meta_error(label, status, &answer, 401, 190, None);
    }
    let (status, text) = app.get_text("/api/v1/templates", None).await;
    assert_eq!(status, 401, "{text}");
    let (status, text) = app
        .get_text("/api/v1/consents?phone=%2B34612345678", None)
        .await;
    assert_eq!(status, 401, "{text}");
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn onprem_style_key_headers_are_accepted_on_v1_messages() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let body = json!({"to": ALICE, "type": "text", "text": {"body": "hi"}});
    for header in ["WA-API-KEY", "D360-API-KEY"] {
        let before = app.count("messages").await;
        let (status, answer) = app
            .post_raw(
                "/v1/messages",
                &[(header, app.api_key.as_str())],
                body.to_string(),
            )
            .await;
        assert_eq!(status, 202, "{header}: {answer}");
        assert!(
            answer["messages"][0]["id"]
                .as_str()
                .is_some_and(|id| id.starts_with("wamid.")),
            "{header}: {answer}"
        );
        assert_eq!(answer["contacts"][0]["wa_id"], "34612345678");
        assert_eq!(app.count("messages").await, before + 1);
    }
    let (status, answer) = app.post_json("/v1/messages", &app.api_key, &body).await;
    assert_eq!(status, 202, "Bearer works on /v1/messages too: {answer}");
}

#[tokio::test]
async fn a_proxys_basic_authorization_does_not_hide_the_onprem_key_header() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let r = app
        .client
        .post(format!("{}/v1/messages", app.address))
        .header("Authorization", "Basic cHJveHk6cGFzcw==")
        .header("D360-API-KEY", &app.api_key)
        .json(&json!({"to": ALICE, "type": "text", "text": {"body": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
}

#[tokio::test]
async fn a_key_of_another_number_cannot_send_for_this_one() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let other = other_numbers_key(&app).await;
    let before = stored(&app).await;
    let (status, answer) = app
        .post_json(MESSAGES, &other, &text_body(ALICE, "hello"))
        .await;
    assert_meta_error("other number's key", status, &answer, 403, 10, None);
    assert!(details(&answer).contains("100000000000002"), "{answer}");
    assert_eq!(stored(&app).await, before, "nothing stored");

    // Its templates are its own.
    assert_eq!(
        app.register_template("mine", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    let (status, list) = app.get_text("/api/v1/templates", Some(&other)).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&list).unwrap();
    assert_eq!(
        list["data"],
        json!([]),
        "another number's templates stay hidden"
    );
}
