//! An acknowledged payload is processed even if the app stops or crashes right
//! after. Stopping is graceful shutdown of the workers, so that test runs them.

use crate::helpers::chat::*;
use crate::helpers::*;
use std::time::Duration;

#[tokio::test]
async fn an_acknowledged_webhook_is_processed_even_if_the_app_stops_right_after() {
    let app = TestApp::spawn_with_workers().await;
    let wa = "34612345628";
    let body = bytes(&inbound_text(wa, "wamid.restart1", "Hello, anyone there?"));
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    let db = app.stop().await;

    let app = TestApp::spawn_with_workers_on(db, 2).await;
    // Poll: processing may finish in the new instance.
    for _ in 0..200 {
        if inbound_row(&app, "wamid.restart1").await.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    app.settle().await;
    assert_eq!(
        inbound_row(&app, "wamid.restart1").await,
        Some(("text".into(), "held".into()))
    );
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "the terms are sent exactly once: {sent:?}");
    assert!(is_terms(&sent[0]));
    let (dispatched,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM messages WHERE provider_message_id IS NOT NULL")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(dispatched, 1, "the reply reached the provider");
}

#[tokio::test]
async fn a_payload_stored_but_never_processed_is_processed_by_the_next_instance() {
    let app = TestApp::spawn().await;
    let db = app.stop().await;
    let wa = "34612345629";
    let body = serde_json::to_string(&inbound_text(wa, "wamid.crash1", "Hi there")).unwrap();
    {
        // What an instance that crashed right after acknowledging leaves behind: the
        // stored payload, claimed by it, with a lease that has run out.
        let raw = assent::db::Db::connect(&db.url).await.unwrap();
        assert!(assent::inbound::store::store(&raw, &body).await.unwrap());
        sqlx::query(
            "UPDATE webhook_payloads SET attempts = 1, claim_id = 'crashed-instance', lease_until = $1",
        )
        .bind(assent::db::now_ms() - 1_000)
        .execute(&raw.pool)
        .await
        .unwrap();
        raw.pool.close().await;
    }
    let app = TestApp::spawn_on(db).await;
    app.settle().await;
    assert_eq!(
        inbound_row(&app, "wamid.crash1").await,
        Some(("text".into(), "held".into()))
    );
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(is_terms(&sent[0]));
}
