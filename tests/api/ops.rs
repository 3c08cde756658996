//! The ops endpoints (SPEC §11): health, readiness, Prometheus metrics, OpenAPI;
//! and the security headers every machine answer carries, as pages do.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn().await;
    let (status, text) = app.get_text("/healthz", None).await;
    assert_eq!((status.as_u16(), text.as_str()), (200, "ok"));
    let (status, text) = app.get_text("/readyz", None).await;
    assert_eq!(status, 200, "{text}");
}

fn metric_line<'a>(metrics: &'a str, name: &str) -> Option<&'a str> {
    metrics.lines().find(|l| l.starts_with(name))
}

#[tokio::test]
async fn metrics_count_accepted_and_blocked_sends() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let content_type = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(
        content_type.starts_with("text/plain")
            || content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = r.text().await.unwrap();
    assert!(text.contains("assent_sends_accepted_total"), "{text}");
    assert_eq!(
        metric_line(&text, "assent_sends_accepted_total "),
        Some("assent_sends_accepted_total 0")
    );

    // A blocked send: a marketing template with no consent.
    assert_eq!(
        app.register_template("spring_sale", "MARKETING", "offers")
            .await
            .0,
        201
    );
    let before = stored(&app).await;
    let (status, answer) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_meta_error("no consent", status, &answer, 400, 470102, None);
    let after = stored(&app).await;
    assert_eq!(after[0], before[0], "no message stored");
    assert_eq!(after[2], before[2] + 1, "the refusal is recorded");

    // And an accepted one, which waits in the queue (nothing steps the dispatcher).
    app.in_window(ALICE).await;
    assert_eq!(app.send(&text_body(ALICE, "hi")).await.0, 200);

    let (status, text) = app.get_text("/metrics", None).await;
    assert_eq!(status, 200);
    assert!(
        text.lines()
            .any(|l| l == r#"assent_sends_blocked_total{reason="no_consent"} 1"#),
        "{text}"
    );
    assert_eq!(
        metric_line(&text, "assent_sends_accepted_total "),
        Some("assent_sends_accepted_total 1"),
        "{text}"
    );
    assert_eq!(
        metric_line(&text, "assent_queue_depth "),
        Some("assent_queue_depth 1"),
        "{text}"
    );
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let app = TestApp::spawn().await;
    let (status, text) = app.get_text("/api/openapi.json", None).await;
    assert_eq!(status, 200);
    let doc: Value = serde_json::from_str(&text).expect("openapi.json is JSON");
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    let paths = doc["paths"].as_object().expect("paths");
    for route in [
        "/{version}/{phone_number_id}/messages",
        "/v1/messages",
        "/v1/contacts",
        "/api/v1/templates",
        "/api/v1/consents",
        "/healthz",
        "/readyz",
        "/metrics",
        "/webhooks/whatsapp",
        "/api/v1/entry-points",
        "/api/v1/entry-points/{code}",
        "/api/v1/keywords",
        "/v1/configs/webhook",
    ] {
        assert!(paths.contains_key(route), "openapi.json lacks {route}");
    }
}

/// What is missing of the security headers a browser should see on this answer.
fn missing_security_headers(label: &str, r: &reqwest::Response) -> Vec<String> {
    let header = |name: &str| {
        r.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    };
    let csp = header("content-security-policy");
    let mut missing: Vec<String> = ["frame-ancestors 'none'", "default-src 'none'"]
        .into_iter()
        .filter(|directive| !csp.contains(directive))
        .map(|directive| format!("{label}: CSP without {directive} ({csp:?})"))
        .collect();
    for (name, want) in [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
    ] {
        if header(name) != want {
            missing.push(format!("{label}: {name} {:?}", header(name)));
        }
    }
    missing
}

#[tokio::test]
async fn machine_answers_carry_the_security_headers_too() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let key = Some(app.api_key.as_str());
    let get = |path: &str, key: Option<&str>| {
        let mut request = app.client.get(app.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send()
    };
    let send = |to: &str| {
        app.client
            .post(app.url(MESSAGES))
            .bearer_auth(&app.api_key)
            .json(&text_body(to, "hi"))
            .send()
    };
    let answers = [
        ("/healthz", get("/healthz", None).await, 200),
        ("the templates", get("/api/v1/templates", key).await, 200),
        ("a JSON 404", get("/api/v1/nothing", key).await, 404),
        ("a send", send(ALICE).await, 200),
        ("a refused send", send("12").await, 400),
        ("a 401", get("/api/v1/templates", None).await, 401),
    ];
    let mut missing = Vec::new();
    for (label, r, status) in answers {
        let r = r.unwrap();
        assert_eq!(r.status(), status, "{label}");
        missing.extend(missing_security_headers(label, &r));
    }
    assert!(missing.is_empty(), "{missing:#?}");
}
