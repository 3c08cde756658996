//! The Idempotency-Key header makes a client's retries safe.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn an_idempotency_key_makes_client_retries_safe() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let send = |key: &'static str, text: &'static str| {
        let app = &app;
        async move {
            let r = app
                .client
                .post(format!("{}/v23.0/{SANDBOX_ID}/messages", app.address))
                .bearer_auth(&app.api_key)
                .header("Idempotency-Key", key)
                .json(&text_body(ALICE, text))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap())
        }
    };
    let (s1, first) = send("order-42", "hello").await;
    let (s2, again) = send("order-42", "hello").await;
    assert_eq!((s1, s2), (reqwest::StatusCode::OK, reqwest::StatusCode::OK));
    assert_eq!(first["messages"][0]["id"], again["messages"][0]["id"]);
    assert_eq!(app.count("messages").await, 1);
    let (s3, other) = send("order-42", "a different message").await;
    assert_eq!(s3, 422);
    assert_eq!(code(&other), 470110);
    assert_eq!(app.count("messages").await, 1);
}
