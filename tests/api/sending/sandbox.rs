//! Sends through the embedded sandbox number: delivered, and Meta's failures
//! simulated for the numbers that ask for them.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn granted_template_is_sent_and_reported_delivered_by_the_sandbox() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register_template("order_shipped", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(ALICE, "order_updates", "grant").await.0, 201);
    let (status, answer) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap();
    app.drain().await;
    assert_eq!(app.message_status(id).await, ("delivered".to_owned(), None));
}

#[tokio::test]
async fn the_sandbox_simulates_rate_limits_and_meta_failures() {
    let app = TestApp::spawn().await;
    for phone in ["+12025550129", "+12025550126"] {
        app.in_window(phone).await;
    }
    let (_, limited) = app.send(&json!({"messaging_product": "whatsapp", "to": "+12025550129", "text": {"body": "x"}, "verify_contact": false})).await;
    let (_, gone) = app.send(&json!({"messaging_product": "whatsapp", "to": "+12025550126", "text": {"body": "x"}, "verify_contact": false})).await;
    app.drain().await;
    assert_eq!(
        app.message_status(limited["messages"][0]["id"].as_str().unwrap())
            .await
            .0,
        "delivered"
    );
    assert_eq!(
        app.message_status(gone["messages"][0]["id"].as_str().unwrap())
            .await,
        ("failed".to_owned(), Some(131026))
    );
    let (attempts,): (i64,) = sqlx::query_as("SELECT attempts FROM messages WHERE id = $1")
        .bind(limited["messages"][0]["id"].as_str().unwrap())
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(
        attempts, 2,
        "130429 on the first attempt, accepted on the retry"
    );
}

#[tokio::test]
async fn the_sandbox_reports_131047_as_a_failed_status() {
    let app = TestApp::spawn().await;
    app.in_window("+12025550147").await;
    let (status, body) = app.send(&text_body("+12025550147", "late reply")).await;
    assert_eq!(status, 200, "{body}");
    app.drain().await;
    let id = body["messages"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.message_status(id).await,
        ("failed".to_owned(), Some(131047))
    );
}
