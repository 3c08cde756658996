//! The stored consent state per person and category (what reads and the gate
//! use) always equals the fold of the person's events, also after a start-up fills
//! it for events that predate it; and a read pages the events, so it costs the same
//! whatever a person's history.

use crate::helpers::chat::*;
use crate::helpers::ledger::stored_and_folded;
use crate::helpers::*;
use assent::consent;

/// A varied history: API grants and withdrawals, a chat opt-in, STOP and START,
/// Meta's marketing stop and resume, an erasure.
async fn history(app: &TestApp) {
    for (category, action) in [
        ("offers", "grant"),
        ("order_updates", "grant"),
        ("offers", "withdraw"),
        ("product_news", "grant"),
    ] {
        let (status, body) = app.consent("+34612345678", category, action).await;
        assert_eq!(status, 201, "{body}");
    }
    let ana = person(1);
    text(app, &ana, "Hi").await;
    press(app, &ana, "assent_terms_accept").await;
    text(app, &ana, "STOP").await;
    text(app, &ana, "START").await;
    app.webhook(&preference_payload(&ana, "stop", now_secs()))
        .await;
    // A second later: Meta's preferences apply in the order of their timestamps.
    app.webhook(&preference_payload(&ana, "resume", now_secs() + 1))
        .await;
    let leo = person(2);
    text(app, &leo, "Hi").await;
    press(app, &leo, "assent_terms_accept").await;
    app.consent("+34699999999", "offers", "grant").await;
    app.erase("+34699999999").await;
}

#[tokio::test]
async fn the_stored_state_of_every_person_is_the_fold_of_their_events() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let all = stored_and_folded(&app).await;
    assert!(all.len() >= 4, "people: {}", all.len());
    for (subject, stored, folded) in &all {
        assert_eq!(stored, folded, "person {subject}");
    }
    let ana = all
        .iter()
        .find(|(_, s, _)| {
            s.values()
                .any(|c| c.source == Some(consent::Source::MetaSignal))
        })
        .expect("Meta's resume is the last word for someone");
    assert!(
        ana.1
            .values()
            .all(|c| c.state == consent::ConsentState::Granted),
        "{ana:#?}"
    );
}

#[tokio::test]
async fn a_start_up_fills_the_states_of_events_that_predate_them() {
    let app = TestApp::spawn().await;
    history(&app).await;
    let before = stored_and_folded(&app).await;
    for sql in [
        "DELETE FROM consent_states",
        "DELETE FROM settings WHERE name = 'consent_states'",
    ] {
        sqlx::query(sql).execute(&app.raw_db().pool).await.unwrap();
    }
    assent::startup::migrate(app.raw_db()).await.unwrap();
    assert_eq!(stored_and_folded(&app).await, before);
    // Once only: a later start-up does not fold the ledger again.
    sqlx::query("DELETE FROM consent_states")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    assent::startup::migrate(app.raw_db()).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM consent_states")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_long_history_is_read_a_page_at_a_time_newest_page_first() {
    let app = TestApp::spawn().await;
    let phone = "+34612345678";
    for n in 0..120 {
        let action = if n % 2 == 0 { "grant" } else { "withdraw" };
        app.consent(phone, "offers", action).await;
    }
    let read = |query: String| {
        let app = &app;
        async move {
            app.get_json(
                &format!("/api/v1/consents?phone=%2B34612345678{query}"),
                Some(&app.api_key),
            )
            .await
        }
    };
    let (status, first) = read(String::new()).await;
    assert_eq!(status, 200);
    assert_eq!(first["categories"]["offers"]["state"], "withdrawn");
    let seqs = |page: &serde_json::Value| -> Vec<i64> {
        page["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect()
    };
    let newest = seqs(&first);
    assert_eq!(newest.len(), 50);
    assert!(
        newest.windows(2).all(|w| w[0] < w[1]),
        "oldest first within a page"
    );
    let before = first["events_before"].as_i64().expect("older events exist");
    assert_eq!(before, newest[0]);
    let (_, second) = read(format!("&events_before={before}&events_limit=100")).await;
    let older = seqs(&second);
    assert_eq!(older.len(), 70);
    assert!(older.last().unwrap() < &newest[0]);
    assert!(
        second.get("events_before").is_none(),
        "the first event is on this page"
    );
    for bad in ["0", "501", "x"] {
        let (status, body) = read(format!("&events_limit={bad}")).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
}
