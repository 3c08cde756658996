//! Bodies that are not what the route takes (SPEC §13): malformed or trailing JSON,
//! oversized bodies, SQL and HTML stored verbatim, unknown paths and methods.

use crate::helpers::*;
use serde_json::Value;

#[tokio::test]
async fn malformed_json_gets_400_code_100_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    for path in [MESSAGES, "/v1/messages"] {
        for (label, raw) in [
            ("truncated", r#"{"to":"#),
            ("empty body", ""),
            ("not JSON at all", "to=+34612345678&text=hi"),
            ("single quotes", "{'to': '+34612345678'}"),
        ] {
            let (status, answer) = app
                .post_raw(path, &[("authorization", auth.as_str())], raw.to_owned())
                .await;
            let label = format!("{path} {label}");
            assert_meta_error(&label, status, &answer, 400, 100, Some("(body)"));
            assert!(details(&answer).contains("JSON"), "{label}: {answer}");
        }
        let (status, answer) = app
            .post_raw(
                path,
                &[("authorization", auth.as_str())],
                "[1,2,3]".to_owned(),
            )
            .await;
        assert_meta_error(path, status, &answer, 400, 100, Some("(body)"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn json_followed_by_trailing_garbage_is_rejected() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    let one = text_body(ALICE, "first").to_string();
    let two = text_body(BOB, "second").to_string();
    for (label, raw) in [
        ("two objects", format!("{one}{two}")),
        ("trailing garbage", format!("{one} garbage")),
        ("trailing bracket", format!("{one}}}")),
    ] {
        let (status, answer) = app
            .post_raw(MESSAGES, &[("authorization", auth.as_str())], raw)
            .await;
        assert_meta_error(label, status, &answer, 400, 100, Some("(body)"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn an_oversized_body_gets_413_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let auth = format!("Bearer {}", app.api_key);
    let before = stored(&app).await;
    let body = text_body(ALICE, &"x".repeat(70_000)).to_string();
    assert!(body.len() > 70_000);
    for path in [
        MESSAGES,
        "/v1/messages",
        "/api/v1/templates",
        "/api/v1/consents",
    ] {
        let (status, answer) = app
            .post_raw(path, &[("authorization", auth.as_str())], body.clone())
            .await;
        assert_meta_error(path, status, &answer, 413, 100, Some("(body)"));
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn sql_and_html_in_a_message_are_stored_verbatim_and_harmlessly() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let evil = "'); DROP TABLE messages; -- <script>alert(1)</script> \" \\ %00";
    let (status, answer) = app.send(&text_body(ALICE, evil)).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.count("messages").await,
        1,
        "the messages table still works"
    );
    let (payload,): (String,) = sqlx::query_as("SELECT payload FROM messages WHERE id = $1")
        .bind(&id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["text"]["body"], evil, "stored exactly as sent");
    app.drain().await;
    assert_eq!(app.message_status(&id).await.0, "delivered");
    // Another send still works afterwards.
    let (status, answer) = app.send(&text_body(ALICE, "still here")).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(app.count("messages").await, 2);
}

#[tokio::test]
async fn unknown_paths_and_graph_versions_get_a_meta_shaped_404() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    let before = stored(&app).await;
    // Under /api/, /v1/ and /{version}/ an unknown path is a machine's mistake.
    for path in [
        "/api/nothing",
        "/api/v1/nothing",
        "/v1/nothing",
        "/v23.0/nothing",
    ] {
        let (status, text) = app.get_text(path, Some(&app.api_key)).await;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_meta_error(&format!("GET {path}"), status, &body, 404, 100, None);
    }

    let (status, body) = app
        .post_json(
            "/v23.0/100000000000001/nothing",
            &app.api_key,
            &text_body(ALICE, "hi"),
        )
        .await;
    assert_meta_error("POST unknown path", status, &body, 404, 100, None);

    for version in ["latest", "23.0", "v", "v23.", "vX"] {
        let (status, body) = app
            .post_json(
                &format!("/{version}/{SANDBOX_ID}/messages"),
                &app.api_key,
                &text_body(ALICE, "hi"),
            )
            .await;
        assert_meta_error(version, status, &body, 404, 100, None);
        assert!(details(&body).contains("Graph API version"), "{body}");
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_gets_405_with_allow() {
    let app = TestApp::spawn().await;
    let before = stored(&app).await;
    for (method, path, allow) in [
        (reqwest::Method::GET, MESSAGES, "POST"),
        (reqwest::Method::DELETE, "/api/v1/templates", "GET, POST"),
        (reqwest::Method::POST, "/healthz", "GET"),
        (reqwest::Method::POST, "/api/v1/entry-points/x", "GET"),
    ] {
        let r = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(&app.api_key)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let label = format!("{method} {path}");
        let header = r
            .headers()
            .get("allow")
            .map(|v| v.to_str().unwrap().to_owned());
        let body: Value = r.json().await.unwrap_or(Value::Null);
        assert_meta_error(&label, status, &body, 405, 100, None);
        assert_eq!(header.as_deref(), Some(allow), "{label}: Allow");
    }
    assert_eq!(stored(&app).await, before, "nothing stored");
}
