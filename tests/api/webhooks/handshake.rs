//! The GET handshake Meta makes when a webhook URL is set: the challenge is echoed
//! only for a known verify token.

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
