//! The durable outbox (SPEC §3, §12): a restart loses nothing and sends nothing
//! twice, a stale lease cannot overwrite the new owner, and dispatch keeps to the
//! number's rate limit. The restart and the rate limit are about the dispatcher
//! workers themselves, so those run with them.

use crate::helpers::graph::{CLOUD_ID, StandIn, cloud_number, cloud_send};
use crate::helpers::*;
use std::time::Duration;

#[tokio::test]
async fn a_restart_with_messages_queued_and_in_flight_loses_none_and_sends_none_twice() {
    let standin = StandIn::cloud().await;
    // First instance accepts and nothing steps its dispatcher: everything stays queued.
    let app = TestApp::spawn().await;
    let key = cloud_number(&app, &standin).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let phone = format!("+346123456{i:02}");
        app.inbound_on(CLOUD_ID, &phone, Duration::ZERO).await;
        let (status, answer) = cloud_send(&app, &key, &text_body(&phone, "hi")).await;
        assert_eq!(status, 200, "{answer}");
        ids.push(answer["messages"][0]["id"].as_str().unwrap().to_owned());
    }
    // One message was claimed by a worker that then died (its lease runs out).
    let claimed = assent::sending::outbox::claim(app.raw_db(), Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    assert!(ids.contains(&claimed.id));
    let db = app.stop().await;
    assert_eq!(standin.accepted(), 0);

    let app = TestApp::spawn_with_workers_on(db, 3).await;
    app.drain().await;
    assert_eq!(standin.accepted(), 12, "every message sent exactly once");
    let mut recipients: Vec<String> = standin
        .bodies(&format!("/v23.0/{CLOUD_ID}/messages"))
        .await
        .iter()
        .map(|b| b["to"].as_str().unwrap().to_owned())
        .collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), 12);
    for id in ids {
        assert_eq!(
            app.message_status(&id).await.0,
            "accepted",
            "handed to Meta, awaiting its status webhook"
        );
    }
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_cannot_overwrite_the_new_owner() {
    let app = TestApp::spawn().await;
    app.in_window(ALICE).await;
    assert_eq!(app.send(&text_body(ALICE, "hi")).await.0, 200);
    let db = app.raw_db();
    let stale = assent::sending::outbox::claim(db, Duration::from_millis(1))
        .await
        .unwrap()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let owner = assent::sending::outbox::claim(db, Duration::from_secs(60))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        owner.id, stale.id,
        "the expired lease made the message due again"
    );
    assert_ne!(owner.claim_id, stale.claim_id);

    let later = assent::db::now_ms() + 60_000;
    assert!(
        !assent::sending::outbox::retry_at(db, &stale, later, None, "stale")
            .await
            .unwrap()
    );
    assert!(
        !assent::sending::outbox::dispatched(db, &stale, "wamid.stale")
            .await
            .unwrap()
    );
    assert!(
        !assent::sending::outbox::renew(db, &stale, Duration::from_secs(60))
            .await
            .unwrap()
    );
    assert!(
        assent::sending::outbox::dispatched(db, &owner, "wamid.owner")
            .await
            .unwrap()
    );
    let (state, provider_id): (String, Option<String>) =
        sqlx::query_as("SELECT dispatch_state, provider_message_id FROM messages")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        (state.as_str(), provider_id.as_deref()),
        ("done", Some("wamid.owner"))
    );
}

#[tokio::test]
async fn dispatch_keeps_to_the_numbers_rate_limit() {
    let app = TestApp::spawn().await;
    // 4 messages a second with no burst: five messages need at least one second.
    sqlx::query("UPDATE business_numbers SET rate_per_second = 4, rate_burst = 1")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    for i in 0..5 {
        let phone = format!("+346123456{i:02}");
        app.in_window(&phone).await;
        assert_eq!(app.send(&text_body(&phone, "hi")).await.0, 200);
    }
    let db = app.stop().await;
    // Timed from before the start: the workers take the first token at once.
    let started = std::time::Instant::now();
    let app = TestApp::spawn_with_workers_on(db, 4).await;
    app.drain().await;
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(950),
        "5 messages at 4/s went out in {took:?}"
    );
    let (sent,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM messages WHERE status = 'delivered'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(sent, 5);
}
