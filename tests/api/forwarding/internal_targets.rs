//! Forwarding refuses internal addresses (SSRF) unless the operator allows them:
//! when the URL is set, and at connect time for a URL saved while they were allowed.
//! The second waits for the forwarding worker's own retries, so it runs the workers.

use crate::helpers::business::*;
use crate::helpers::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// Assent as shipped: forwards only to public addresses.
async fn spawn_refusing_internal(db: TestDb, workers: bool) -> TestApp {
    let mut settings = if workers {
        settings_with_workers(&db.url, 2)
    } else {
        settings(&db.url)
    };
    settings.forward.to_internal = false;
    TestApp::spawn_with(db, settings).await
}

#[tokio::test]
async fn internal_addresses_are_refused_as_webhook_urls_by_default() {
    assert!(
        !assent::services::ForwardSettings::default().to_internal,
        "refusing internal targets is the default"
    );
    let app = spawn_refusing_internal(TestDb::new().await, false).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost:8080/hook",
        "http://10.0.0.5/hook",
        "http://192.168.1.20/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/hook",
        "http://[::ffff:172.16.0.1]/hook",
        "http://0.0.0.0:8080/hook",
    ] {
        let (status, answer) = app
            .post_json("/v1/configs/webhook", &app.api_key, &json!({ "url": url }))
            .await;
        assert_eq!(status, 400, "{url} was accepted: {answer}");
        let why = details(&answer);
        assert!(
            why.contains("internal address") && why.contains("operator of this server"),
            "{url}: {why}"
        );
    }
    let r = app
        .client
        .get(format!("{}/v1/configs/webhook", app.address))
        .bearer_auth(&app.api_key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "nothing was saved");
    // A public address is fine.
    let (status, answer) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": "https://93.184.216.34/hook"}),
        )
        .await;
    assert_eq!(status, 200, "{answer}");
}

#[tokio::test]
async fn a_url_saved_while_internal_targets_were_allowed_is_not_reached_once_refused() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // By name, so the check at connect time is the resolver's.
    let by_name = business.url().replace("127.0.0.1", "localhost");
    app.configure_forwarding(&by_name).await;
    let app = spawn_refusing_internal(app.stop().await, true).await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);

    // Waits for an attempt that failed with `expected` (an attempt begun before a
    // change below may still report the reason before it).
    let failed_with = async |app: &TestApp, expected: &str| {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let rows = forward_rows(app).await;
            assert_eq!(rows.len(), 1, "{rows:?}");
            let (state, _, last_error, _) = &rows[0];
            if last_error.as_deref().is_some_and(|e| e.contains(expected)) {
                assert_eq!(state, "pending", "kept for when the rule is lifted");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no attempt failed with {expected:?} in 15 s: {last_error:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    failed_with(
        &app,
        "localhost resolves only to internal addresses; set ASSENT_FORWARD_TO_INTERNAL=true",
    )
    .await;

    // An address literal never reaches a resolver: it is checked before the request.
    sqlx::query("UPDATE webhook_configs SET url = $1")
        .bind(business.url())
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    failed_with(
        &app,
        "127.0.0.1 is an internal address; set ASSENT_FORWARD_TO_INTERNAL=true",
    )
    .await;
    assert!(
        business.requests().await.is_empty(),
        "the internal endpoint was reached"
    );
}
