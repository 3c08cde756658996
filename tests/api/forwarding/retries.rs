//! A business endpoint that fails or cannot be reached gets the forward again until
//! it takes it, and a forward older than the delivery window is given up. These are
//! about the forwarding worker's own retries and their timing, so they run with the
//! background workers.

use crate::helpers::business::*;
use crate::helpers::*;
use std::time::{Duration, Instant};

const ALICE_WA: &str = "34612345678";

#[tokio::test]
async fn a_failing_endpoint_gets_the_forward_again_until_it_takes_it() {
    let app = TestApp::spawn_with_workers().await;
    let business = Business::start().await;
    business.set_down(true);
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let secret = app.configure_forwarding(&business.url()).await;

    let payload = inbound_text(ALICE_WA, "wamid.fwd.retry1", "Hello?");
    app.webhook(&payload).await;

    // While the endpoint answers 500 the row stays owed, with the error.
    let deadline = Instant::now() + Duration::from_secs(15);
    let stored = loop {
        let rows = forward_rows(&app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let (state, attempts, last_error, body) = rows.into_iter().next().unwrap();
        // attempts counts claims, so the second request may still be on its
        // way when the counter reads 2: wait until the endpoint has seen it.
        if attempts >= 2 && last_error.is_some() && business.requests().await.len() >= 2 {
            assert_eq!(state, "pending");
            assert!(
                last_error.as_deref().unwrap().contains("500"),
                "last_error names the answer: {last_error:?}"
            );
            break body;
        }
        assert!(Instant::now() < deadline, "no second attempt in 15 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    business.set_down(false);
    app.wait_until("the forward to be delivered", async || {
        app.count("forwards").await == 0
    })
    .await;
    let got = business.requests().await;
    assert!(got.len() >= 3, "two failures, then success: {}", got.len());
    for r in &got {
        assert_eq!(
            r.body,
            stored.as_bytes(),
            "every attempt carries the same bytes"
        );
        assert_signed(r, &secret);
        assert_eq!(header(r, "x-api-token"), Some("abc"));
    }
    assert_eq!(body(got.last().unwrap()), payload);
}

#[tokio::test]
async fn an_unreachable_endpoint_then_a_new_url_delivers_what_was_owed() {
    let app = TestApp::spawn_with_workers().await;
    let business = Business::start().await;
    // A port held (bound, so no other test's server can take it) but not
    // listening: connections to it are refused.
    let held = tokio::net::TcpSocket::new_v4().unwrap();
    held.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let closed = held.local_addr().unwrap().port();
    let secret = app
        .configure_forwarding(&format!("http://127.0.0.1:{closed}/hook"))
        .await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);

    let deadline = Instant::now() + Duration::from_secs(15);
    let stored = loop {
        let rows = forward_rows(&app).await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        let (state, attempts, last_error, body) = rows.into_iter().next().unwrap();
        if attempts >= 1 && last_error.is_some() {
            assert_eq!(state, "pending");
            break body;
        }
        assert!(Instant::now() < deadline, "no attempt in 15 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };

    assert_eq!(
        app.configure_forwarding(&business.url()).await,
        secret,
        "same secret"
    );
    let got = business
        .wait_for(&app, "the owed consent event", |rs| !rs.is_empty())
        .await;
    assert_eq!(got[0].body, stored.as_bytes());
    assert_signed(&got[0], &secret);
    assert_eq!(body(&got[0])["type"], "consent.granted");
    app.wait_until("the forward to be delivered", async || {
        app.count("forwards").await == 0
    })
    .await;
}

#[tokio::test]
async fn a_forward_older_than_the_window_is_given_up_and_not_retried() {
    let app = TestApp::spawn_with_workers().await;
    let business = Business::start().await;
    business.set_down(true);
    app.configure_forwarding(&business.url()).await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    business
        .wait_for(&app, "a first attempt", |rs| !rs.is_empty())
        .await;

    let eight_days_ago = assent::db::now_ms() - 8 * 24 * 60 * 60 * 1000;
    sqlx::query("UPDATE forwards SET created_at = $1")
        .bind(eight_days_ago)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();

    let deadline = Instant::now() + Duration::from_secs(15);
    let attempts = loop {
        let rows = forward_rows(&app).await;
        assert_eq!(rows.len(), 1, "a given-up forward is kept: {rows:?}");
        let (state, attempts, last_error, _) = &rows[0];
        if state == "failed" {
            assert!(last_error.is_some(), "{rows:?}");
            break *attempts;
        }
        assert_eq!(state, "pending");
        assert!(Instant::now() < deadline, "never given up: {rows:?}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let requests = business.requests().await.len();
    // Longer than the largest backoff (400 ms) twice over: no further attempt.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let rows = forward_rows(&app).await;
    assert_eq!(rows[0].0, "failed");
    assert_eq!(rows[0].1, attempts, "a failed forward is not retried");
    assert_eq!(business.requests().await.len(), requests);
    // Even an endpoint that comes back does not get it.
    business.set_down(false);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(business.requests().await.len(), requests);
    assert_eq!(forward_rows(&app).await[0].0, "failed");
}
