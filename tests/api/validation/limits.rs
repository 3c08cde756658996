//! Limits of a send that are easy to get wrong (SPEC §3.1, §13): Meta's 512
//! characters of `biz_opaque_callback_data`, and no NUL character anywhere in a
//! message (it would be cut off further along, so what was checked would not be
//! what is sent).

use crate::helpers::*;
use serde_json::{Value, json};

fn with_callback_data(data: &str) -> Value {
    let mut body = text_body(ALICE, "Your parcel left the warehouse");
    body["biz_opaque_callback_data"] = json!(data);
    body
}

#[tokio::test]
async fn biz_opaque_callback_data_holds_512_characters_and_no_more() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;

    // Characters, not bytes: 512 two-byte characters fit too.
    for data in ["x".repeat(512), "é".repeat(512)] {
        let (status, answer) = app.send(&with_callback_data(&data)).await;
        assert_eq!(status, 200, "{answer}");
    }
    let sent = app.sent_to(&ALICE[1..]).await;
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0]["biz_opaque_callback_data"],
        json!("x".repeat(512)),
        "kept whole for the provider"
    );

    let before = stored(&app).await;
    let (status, answer) = app.send(&with_callback_data(&"x".repeat(513))).await;
    assert_meta_error(
        "513 characters",
        status,
        &answer,
        400,
        100,
        Some("biz_opaque_callback_data"),
    );
    assert!(details(&answer).contains("512"), "says the limit: {answer}");
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn a_nul_character_anywhere_in_a_message_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    // A registered template with consent, so a refusal below can only be the NUL.
    assert_eq!(
        app.register_template("order_shipped", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(ALICE, "order_updates", "grant").await.0, 201);

    let template = json!({"messaging_product": "whatsapp", "to": ALICE, "type": "template",
        "template": {"name": "order_shipped", "language": {"code": "en"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "parcel\u{0}42"}]}]}});
    let interactive = json!({"messaging_product": "whatsapp", "to": ALICE, "type": "interactive",
        "interactive": {"type": "button", "body": {"text": "Pick\u{0} one"},
            "action": {"buttons": [{"type": "reply", "reply": {"id": "yes", "title": "Yes"}}]}}});
    let cases = [
        (
            "text.body",
            text_body(ALICE, "hello\u{0}world"),
            "text.body",
        ),
        (
            "a template parameter",
            template,
            "template.components[0].parameters[0].text",
        ),
        ("an interactive body", interactive, "interactive.body.text"),
    ];
    let before = stored(&app).await;
    for (label, body, path) in &cases {
        let (status, answer) = app.send(body).await;
        assert_meta_error(label, status, &answer, 400, 100, Some(path));
        assert_eq!(
            details(&answer),
            format!("{path}: must not contain NUL characters"),
            "{label}"
        );
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }

    // The same messages without the NUL pass: the NUL was the only fault.
    for (label, body, _) in &cases {
        let clean: Value = serde_json::from_str(&body.to_string().replace("\\u0000", "")).unwrap();
        let (status, answer) = app.send(&clean).await;
        assert_eq!(status, 200, "{label} without NUL: {answer}");
    }
}
