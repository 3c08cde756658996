//! The webhook configuration API (`/v1/configs/webhook`, SPEC §8): set, read back,
//! validated, and only with an API key.

use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn webhook_config_is_set_read_back_and_keeps_its_secret() {
    let app = TestApp::spawn().await;

    let (status, answer) = app.webhook_config(&app.api_key).await;
    assert_eq!(status, 404, "no config yet: {answer}");

    let (status, set) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": "https://crm.example.com/whatsapp", "headers": {"X-Api-Token": "abc"}}),
        )
        .await;
    assert_eq!(status, 200, "{set}");
    assert_eq!(set["url"], "https://crm.example.com/whatsapp");
    assert_eq!(set["headers"], json!({"X-Api-Token": "abc"}));
    let secret = set["secret"].as_str().expect("a secret").to_owned();
    assert!(is_hex64(&secret), "secret is 64 hex digits: {secret}");

    let (status, got) = app.webhook_config(&app.api_key).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got, set, "GET returns what POST set");

    let (status, moved) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": "http://other.example.net:8080/hook", "headers": {}}),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["url"], "http://other.example.net:8080/hook");
    assert_eq!(moved["headers"], json!({}));
    assert_eq!(moved["secret"], secret, "the secret survives a URL change");
    let (_, got) = app.webhook_config(&app.api_key).await;
    assert_eq!(got["url"], "http://other.example.net:8080/hook");
    assert_eq!(got["secret"], secret);
}

#[tokio::test]
async fn webhook_config_rejects_bad_urls_and_reserved_headers() {
    let app = TestApp::spawn().await;
    for url in ["ftp://x", "not a url", "", "mailto:ops@example.com"] {
        let (status, answer) = app
            .post_json("/v1/configs/webhook", &app.api_key, &json!({"url": url}))
            .await;
        assert_eq!(status, 400, "url {url:?}: {answer}");
        assert!(
            details(&answer).starts_with("url"),
            "url {url:?}: the error names url: {answer}"
        );
    }
    for name in [
        "Content-Type",
        "X-Hub-Signature-256",
        "x-hub-signature-256",
        "Host",
    ] {
        let (status, answer) = app
            .post_json(
                "/v1/configs/webhook",
                &app.api_key,
                &json!({"url": "https://crm.example.com/hook", "headers": {name: "x"}}),
            )
            .await;
        assert_eq!(status, 400, "header {name}: {answer}");
        assert!(
            details(&answer).starts_with("headers"),
            "header {name}: the error names headers: {answer}"
        );
    }
    // Nothing was stored by the refused requests.
    assert_eq!(app.webhook_config(&app.api_key).await.0, 404);
    assert_eq!(app.count("webhook_configs").await, 0);
}

#[tokio::test]
async fn webhook_config_needs_an_api_key_and_takes_the_on_premises_header() {
    let app = TestApp::spawn().await;
    let config = json!({"url": "https://crm.example.com/hook"});

    let r = app
        .client
        .post(format!("{}/v1/configs/webhook", app.address))
        .json(&config)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, _) = app
        .post_json("/v1/configs/webhook", "not-a-key", &config)
        .await;
    assert_eq!(status, 401);
    assert_eq!(app.count("webhook_configs").await, 0);

    let r = app
        .client
        .post(format!("{}/v1/configs/webhook", app.address))
        .header("D360-API-KEY", &app.api_key)
        .json(&config)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let set: Value = r.json().await.unwrap();
    assert_eq!(set["url"], "https://crm.example.com/hook");
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .header("D360-API-KEY", &app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let got: Value = r.json().await.unwrap();
    assert_eq!(got, set);
}
