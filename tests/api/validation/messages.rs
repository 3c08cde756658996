//! Bad input on the send endpoint (SPEC §13): every invalid message gets a 400 that
//! names the field, in Meta's error shape, and stores nothing.

use crate::helpers::*;
use serde_json::{Value, json};

fn msg(extra: Value) -> Value {
    let mut body = json!({"messaging_product": "whatsapp", "to": ALICE});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

fn buttons(n: usize, title: &str) -> Value {
    let buttons: Vec<Value> = (0..n)
        .map(|i| json!({"type": "reply", "reply": {"id": format!("b{i}"), "title": format!("{title}{i}")}}))
        .collect();
    json!({"type": "interactive", "interactive": {"type": "button", "body": {"text": "Pick one"},
        "action": {"buttons": buttons}}})
}

#[tokio::test]
async fn invalid_messages_get_400_naming_the_field_and_store_nothing() {
    let app = TestApp::spawn().await;
    // In the window, so a 400 below can only come from validation, not the gate.
    app.in_window(ALICE).await;
    let rows: Vec<Value> = (0..11)
        .map(|i| json!({"id": format!("r{i}"), "title": format!("Row {i}")}))
        .collect();
    let cases: Vec<(&str, Value, i64, &str)> = vec![
        (
            "to as a number",
            json!({"messaging_product": "whatsapp", "to": 34612345678_u64, "type": "text", "text": {"body": "hi"}}),
            100,
            "to",
        ),
        (
            "phone with letters",
            text_body("+34 612 ABC 678", "hi"),
            100,
            "to",
        ),
        (
            "phone of 16 digits",
            text_body("+3461234567812345", "hi"),
            100,
            "to",
        ),
        (
            "phone with leading zeros",
            text_body("0034612345678", "hi"),
            100,
            "to",
        ),
        (
            "phone without country code",
            text_body("612345678", "hi"),
            100,
            "to",
        ),
        ("empty phone", text_body("", "hi"), 100, "to"),
        (
            "SQL as a phone",
            text_body("+34612345678'; DROP TABLE messages; --", "hi"),
            100,
            "to",
        ),
        (
            "text.body of 4097 characters",
            text_body(ALICE, &"a".repeat(4097)),
            100,
            "text.body",
        ),
        ("empty text.body", text_body(ALICE, ""), 100, "text.body"),
        (
            "text.body as a number",
            msg(json!({"type": "text", "text": {"body": 42}})),
            100,
            "text.body",
        ),
        (
            "preview_url without a URL",
            msg(json!({"type": "text", "text": {"body": "no link here", "preview_url": true}})),
            100,
            "text.preview_url",
        ),
        (
            "4 reply buttons",
            msg(buttons(4, "Choice ")),
            100,
            "interactive.action.buttons",
        ),
        (
            "button title of 21 characters",
            msg(buttons(1, &"t".repeat(20))),
            100,
            "interactive.action.buttons[0].reply.title",
        ),
        (
            "list with 11 rows",
            msg(
                json!({"type": "interactive", "interactive": {"type": "list", "body": {"text": "Pick"},
                "action": {"button": "Choose", "sections": [{"title": "All", "rows": rows}]}}}),
            ),
            100,
            "interactive.action.sections[0].rows",
        ),
        (
            "template name with uppercase",
            template_body(ALICE, "Order_Shipped"),
            100,
            "template.name",
        ),
        (
            "image with neither link nor id",
            msg(json!({"type": "image", "image": {"caption": "look"}})),
            131008,
            "image.link",
        ),
        (
            "image link that is not a web URL",
            msg(json!({"type": "image", "image": {"link": "javascript:alert(1)"}})),
            100,
            "image.link",
        ),
        (
            "unknown type",
            msg(json!({"type": "fax", "fax": {}})),
            100,
            "type",
        ),
        (
            "latitude out of range",
            msg(json!({"type": "location", "location": {"latitude": 91.0, "longitude": 0.0}})),
            100,
            "location.latitude",
        ),
        (
            "group recipient",
            msg(json!({"recipient_type": "group", "type": "text", "text": {"body": "hi"}})),
            100,
            "recipient_type",
        ),
        (
            "missing messaging_product",
            json!({"to": ALICE, "type": "text", "text": {"body": "hi"}}),
            131008,
            "messaging_product",
        ),
        (
            "wrong messaging_product",
            json!({"messaging_product": "sms", "to": ALICE, "type": "text", "text": {"body": "hi"}}),
            100,
            "messaging_product",
        ),
        (
            "missing to",
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "hi"}}),
            131008,
            "to",
        ),
        ("body is a JSON array", json!([1, 2, 3]), 100, "(body)"),
        ("body is a JSON string", json!("hello"), 100, "(body)"),
        (
            "verify_contact not a boolean",
            msg(json!({"type": "text", "text": {"body": "hi"}, "verify_contact": "yes"})),
            100,
            "verify_contact",
        ),
    ];
    let before = stored(&app).await;
    for (label, body, want_code, field) in &cases {
        let (status, answer) = app.send(body).await;
        assert_meta_error(label, status, &answer, 400, *want_code, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }
    // The phone errors say what is wrong, not just "invalid".
    let (_, answer) = app.send(&text_body("0034612345678", "hi")).await;
    assert!(details(&answer).contains("country code"), "{answer}");
    let (_, answer) = app.send(&text_body("+3461234567812345", "hi")).await;
    assert!(details(&answer).contains("15 digits"), "{answer}");
}

#[tokio::test]
async fn media_without_link_or_id_says_that_either_will_do() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let (status, answer) = app
        .send(&msg(json!({"type": "image", "image": {"caption": "look"}})))
        .await;
    assert_meta_error("image", status, &answer, 400, 131008, Some("image.link"));
    assert!(
        details(&answer).contains(" id"),
        "the error should say a media id works too: {answer}"
    );
}

#[tokio::test]
async fn text_of_exactly_4096_characters_is_accepted() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let (status, answer) = app.send(&text_body(ALICE, &"a".repeat(4096))).await;
    assert_eq!(status, 200, "{answer}");
    // Characters, not bytes: 4096 two-byte characters fit too.
    let (status, answer) = app.send(&text_body(ALICE, &"é".repeat(4096))).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn a_bad_idempotency_key_gets_400_naming_it() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    let body = text_body(ALICE, "hi").to_string();
    let long = "k".repeat(256);
    for (label, key) in [("256 characters", long.as_str()), ("blank", "   ")] {
        let (status, answer) = app
            .post_raw(
                MESSAGES,
                &[("authorization", auth.as_str()), ("idempotency-key", key)],
                body.clone(),
            )
            .await;
        assert_meta_error(label, status, &answer, 400, 100, Some("Idempotency-Key"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}
