//! The GET handshake Meta makes when a webhook URL is set: the challenge is echoed,
//! as plain text, only for a known verify token; the sandbox's published token
//! stops counting once the install has a real number.

use crate::helpers::*;

#[tokio::test]
async fn handshake_answers_the_challenge_only_for_a_known_verify_token() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .handshake(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ])
        .await;
    assert_eq!((status, body.as_str()), (200, "1158201444"));

    let (status, body) = app
        .handshake(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", "not-the-token"),
        ])
        .await;
    assert_eq!(status, 403, "wrong token: {body}");
    assert!(!body.contains("1158201444"), "no challenge echoed: {body}");

    let (status, body) = app
        .handshake(&[
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ])
        .await;
    assert_eq!(status, 403, "missing mode: {body}");

    let (status, _) = app
        .handshake(&[
            ("hub.mode", "unsubscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", SANDBOX_VERIFY_TOKEN),
        ])
        .await;
    assert_eq!(status, 403, "a mode other than subscribe");

    let (status, _) = app
        .handshake(&[("hub.mode", "subscribe"), ("hub.challenge", "1158201444")])
        .await;
    assert_eq!(status, 403, "missing token");
}

/// The handshake as Meta makes it: status, content type, nosniff, body.
async fn handshake_with(app: &TestApp, token: &str) -> (u16, String, String, String) {
    let r = app
        .client
        .get(app.url("/webhooks/whatsapp"))
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "1158201444"),
            ("hub.verify_token", token),
        ])
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        r.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (content_type, nosniff) = (header("content-type"), header("x-content-type-options"));
    (
        r.status().as_u16(),
        content_type,
        nosniff,
        r.text().await.unwrap(),
    )
}

#[tokio::test]
async fn the_sandbox_token_passes_only_until_a_real_number_has_its_own() {
    let app = TestApp::spawn().await;
    let (status, content_type, nosniff, body) = handshake_with(&app, SANDBOX_VERIFY_TOKEN).await;
    assert_eq!((status, body.as_str()), (200, "1158201444"));
    assert!(
        content_type.starts_with("text/plain"),
        "the challenge is plain text, not HTML: {content_type}"
    );
    assert_eq!(nosniff, "nosniff");

    app.add_number(assent::numbers::NewNumber {
        provider: assent::numbers::ProviderKind::Cloud,
        api_base_url: Some("https://graph.example".into()),
        access_token: Some("EAAG-cloud-token".into()),
        verify_token: Some("cloud-number-verify-token".into()),
        ..new_number("200000000000002", "+34911234567")
    })
    .await;
    let (status, _, _, body) = handshake_with(&app, SANDBOX_VERIFY_TOKEN).await;
    assert_eq!(status, 403, "the published sandbox token: {body}");
    assert!(!body.contains("1158201444"), "no challenge echoed: {body}");

    let (status, content_type, nosniff, body) =
        handshake_with(&app, "cloud-number-verify-token").await;
    assert_eq!((status, body.as_str()), (200, "1158201444"));
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    assert_eq!(nosniff, "nosniff");
}
