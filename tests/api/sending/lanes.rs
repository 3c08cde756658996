//! Dispatch by lanes, one per business number (SPEC §3, §12): a number's message
//! does not wait behind another number's deep queue or slow provider; a lane that
//! dies with a batch claimed loses nothing and sends nothing twice; a graceful stop
//! puts back what a lane claimed but did not send. These run the workers.

use crate::helpers::graph::{CLOUD_ID, Fault, StandIn, cloud_number, cloud_send};
use crate::helpers::*;
use std::time::Duration;

/// `n` in-window texts queued for the stand-in's number (nothing dispatches yet);
/// returns the stopped app's database.
async fn queued_for_cloud(standin: &StandIn, n: usize, rate: f64) -> TestDb {
    let app = TestApp::spawn().await;
    let key = cloud_number(&app, standin).await;
    sqlx::query("UPDATE business_numbers SET rate_per_second = $1, rate_burst = 1 WHERE phone_number_id = $2")
        .bind(rate)
        .bind(CLOUD_ID)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    for i in 0..n {
        let phone = format!("+3461234{i:04}");
        app.inbound_on(CLOUD_ID, &phone, Duration::ZERO).await;
        let (status, answer) = cloud_send(&app, &key, &text_body(&phone, "hi")).await;
        assert_eq!(status, 200, "{answer}");
    }
    app.stop().await
}

/// The sandbox number sends one text; returns its message id.
async fn sandbox_send(app: &TestApp) -> String {
    app.in_window(ALICE).await;
    let (status, answer) = app.send(&text_body(ALICE, "hi")).await;
    assert_eq!(status, 200, "{answer}");
    answer["messages"][0]["id"].as_str().unwrap().to_owned()
}

async fn dispatched(app: &TestApp, id: &str) -> bool {
    let (state,): (String,) = sqlx::query_as("SELECT dispatch_state FROM messages WHERE id = $1")
        .bind(id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    state == "done"
}

#[tokio::test]
async fn a_number_with_allowance_left_does_not_wait_behind_another_numbers_queue() {
    let standin = StandIn::cloud().await;
    // 40 messages at 5 a second: eight seconds of queue for the cloud number.
    let db = queued_for_cloud(&standin, 40, 5.0).await;
    let app = TestApp::spawn_with_workers_on(db, 2).await;
    let id = sandbox_send(&app).await;
    app.wait_until("the sandbox number's message to leave", async || {
        dispatched(&app, &id).await
    })
    .await;
    let cloud_sent = standin.accepted();
    assert!(
        cloud_sent < 40,
        "the sandbox's message left while the cloud number's queue was still draining ({cloud_sent} of 40 sent)"
    );
    app.drain().await;
    assert_eq!(standin.accepted(), 40, "and the deep queue drains in full");
}

#[tokio::test]
async fn a_slow_provider_does_not_hold_up_another_number() {
    let standin = StandIn::cloud().await;
    let db = queued_for_cloud(&standin, 8, 1000.0).await;
    // Every send to the cloud number takes three seconds.
    standin.fail_next(&vec![Fault::Slow(Duration::from_secs(3)); 8]);
    let app = TestApp::spawn_with_workers_on(db, 2).await;
    // The cloud lane is busy with its slow sends before the sandbox's arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let id = sandbox_send(&app).await;
    app.wait_until("the sandbox number's message to leave", async || {
        dispatched(&app, &id).await
    })
    .await;
    let (cloud_done,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM messages m JOIN business_numbers n ON n.id = m.business_number_id \
         WHERE n.phone_number_id = $1 AND m.dispatch_state = 'done'",
    )
    .bind(CLOUD_ID)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        cloud_done, 0,
        "the cloud number's sends were still waiting on their provider"
    );
    app.drain().await;
    assert_eq!(standin.accepted(), 8);
}

#[tokio::test]
async fn a_lane_that_died_with_a_batch_claimed_loses_nothing_and_sends_nothing_twice() {
    let standin = StandIn::cloud().await;
    let db = queued_for_cloud(&standin, 12, 1000.0).await;
    let app = TestApp::spawn_on(db).await;
    let number_id: (String,) =
        sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
            .bind(CLOUD_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    // A lane claimed a batch and died before sending any of it (its lease runs out).
    let batch = assent::sending::outbox::claim_batch(
        app.raw_db(),
        &number_id.0,
        5,
        Duration::from_millis(1),
    )
    .await
    .unwrap();
    assert_eq!(batch.len(), 5);
    let db = app.stop().await;

    let app = TestApp::spawn_with_workers_on(db, 2).await;
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
}

#[tokio::test]
async fn a_graceful_stop_puts_back_what_a_lane_claimed_but_did_not_send() {
    let standin = StandIn::cloud().await;
    // Two a second: the lane claims a batch and is still sending it at the stop.
    let db = queued_for_cloud(&standin, 10, 2.0).await;
    let app = TestApp::spawn_with_workers_on(db, 2).await;
    app.wait_until("the first sends", async || standin.accepted() >= 1)
        .await;
    let db = app.stop().await;
    let app = TestApp::spawn_on(db).await;
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT dispatch_state, attempts FROM messages WHERE dispatch_state <> 'done'",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    let sent = standin.accepted() as usize;
    assert_eq!(rows.len(), 10 - sent, "{rows:?}");
    assert!(
        rows.iter()
            .all(|(state, attempts)| state == "queued" && *attempts == 0),
        "back in the queue, no attempt spent: {rows:?}"
    );
    app.drain().await;
    assert_eq!(
        standin.accepted(),
        10,
        "the rest goes out after the restart, once"
    );
}
