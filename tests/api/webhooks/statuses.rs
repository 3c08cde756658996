//! Message statuses from Meta: read once, never backwards, and a failed 131050 (the
//! person stopped marketing in WhatsApp) withdraws the marketing categories.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;

/// Sends a template through the API and returns (API message id, Meta's message id)
/// once the sandbox has taken it.
async fn send_template(app: &TestApp, phone: &str, template: &str) -> (String, String) {
    let (status, answer) = app.send(&template_body(phone, template)).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    app.drain().await;
    let (provider_id,): (Option<String>,) =
        sqlx::query_as("SELECT provider_message_id FROM messages WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    let provider_id = provider_id.expect("the sandbox gave the message an id");
    assert!(provider_id.starts_with("wamid."), "{provider_id}");
    (id, provider_id)
}

async fn status_rows(app: &TestApp, message_id: &str, status: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM message_statuses WHERE message_id = $1 AND status = $2",
    )
    .bind(message_id)
    .bind(status)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    n
}

#[tokio::test]
async fn a_read_status_updates_the_message_once() {
    let app = TestApp::spawn().await;
    let wa = "34612345620";
    let phone = format!("+{wa}");
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
    let (id, provider_id) = send_template(&app, &phone, "order_shipped").await;
    assert_eq!(app.message_status(&id).await.0, "delivered");

    let ts = now_secs();
    app.webhook(&status_payload(&provider_id, "read", wa, ts, None))
        .await;
    assert_eq!(app.message_status(&id).await, ("read".into(), None));
    assert_eq!(status_rows(&app, &id, "read").await, 1);

    // The same status again, in another payload (another timestamp), and a late
    // "delivered": nothing new, nothing backwards.
    app.webhook(&status_payload(&provider_id, "read", wa, ts + 4, None))
        .await;
    app.webhook(&status_payload(&provider_id, "delivered", wa, ts - 2, None))
        .await;
    assert_eq!(status_rows(&app, &id, "read").await, 1);
    assert_eq!(status_rows(&app, &id, "delivered").await, 1);
    assert_eq!(app.message_status(&id).await.0, "read");
    let (kept,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'done'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(kept, 3, "status payloads for a known contact are kept");
}

#[tokio::test]
async fn a_failed_status_131050_withdraws_marketing_categories_once() {
    let app = TestApp::spawn().await;
    let wa = "34612345621";
    let phone = format!("+{wa}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    for category in ["offers", "product_news", "order_updates"] {
        assert_eq!(app.consent(&phone, category, "grant").await.0, 201);
    }
    let (id, provider_id) = send_template(&app, &phone, "spring_sale").await;

    let errors = json!([{"code": 131050, "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "message": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.",
        "error_data": {"details": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/"}]);
    let ts = now_secs();
    app.webhook(&status_payload(
        &provider_id,
        "failed",
        wa,
        ts,
        Some(errors.clone()),
    ))
    .await;

    assert_eq!(
        app.message_status(&id).await,
        ("failed".into(), Some(131050))
    );
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "withdrawn", "{consents}");
    assert_eq!(state_of(&consents, "product_news"), "withdrawn");
    assert_eq!(
        state_of(&consents, "order_updates"),
        "granted",
        "utility is untouched"
    );
    let meta = events_by_source(&consents, "meta_signal");
    assert_eq!(meta.len(), 2, "{consents}");
    assert!(meta.iter().all(|e| e["action"] == "withdrawn"));
    let mut categories: Vec<&str> = meta
        .iter()
        .map(|e| e["category"].as_str().unwrap())
        .collect();
    categories.sort_unstable();
    assert_eq!(categories, ["offers", "product_news"]);
    let events = consents["events"].as_array().unwrap().len();

    // Meta reports the same failure again (a retry with another timestamp).
    app.webhook(&status_payload(
        &provider_id,
        "failed",
        wa,
        ts + 7,
        Some(errors),
    ))
    .await;
    let consents = app.consents(&phone).await;
    assert_eq!(
        consents["events"].as_array().unwrap().len(),
        events,
        "{consents}"
    );
    assert_eq!(status_rows(&app, &id, "failed").await, 1);

    // And a marketing send is now refused because the person stopped marketing.
    let (status, body) = app.send(&template_body(&phone, "spring_sale")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), 470104, "{body}");
}

#[tokio::test]
async fn a_failed_status_with_another_error_changes_no_consent() {
    let app = TestApp::spawn().await;
    let wa = "34612345622";
    let phone = format!("+{wa}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    assert_eq!(app.consent(&phone, "offers", "grant").await.0, 201);
    let (id, provider_id) = send_template(&app, &phone, "spring_sale").await;
    let errors = json!([{"code": 131026, "title": "Message undeliverable"}]);
    app.webhook(&status_payload(
        &provider_id,
        "failed",
        wa,
        now_secs(),
        Some(errors),
    ))
    .await;
    assert_eq!(
        app.message_status(&id).await,
        ("failed".into(), Some(131026))
    );
    let consents = app.consents(&phone).await;
    assert_eq!(state_of(&consents, "offers"), "granted");
    assert!(events_by_source(&consents, "meta_signal").is_empty());
}

#[tokio::test]
async fn statuses_stored_together_are_recorded_together_once_each_never_backwards() {
    let app = TestApp::spawn().await;
    let business = crate::helpers::business::Business::start().await;
    app.configure_forwarding(&business.url()).await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    // Four people, two messages each, delivered (the sandbox says so) before
    // Meta's statuses come.
    let mut sent = Vec::new();
    for p in 0..4 {
        let wa = format!("3461234563{p}");
        let phone = format!("+{wa}");
        assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
        for _ in 0..2 {
            let (id, provider_id) = send_template(&app, &phone, "order_shipped").await;
            sent.push((wa.clone(), id, provider_id));
        }
    }
    let reads_before = crate::helpers::business::statuses(&business.requests().await)
        .iter()
        .filter(|st| st["status"] == "read")
        .count();
    assert_eq!(reads_before, 0);

    // Every status is stored before any is processed: each message read, read
    // again, then a late "delivered"; and one status about a message nobody sent.
    let ts = now_secs();
    for (round, status) in ["read", "read", "delivered"].into_iter().enumerate() {
        for (wa, _, provider_id) in &sent {
            app.webhook_unsettled(&status_payload(
                provider_id,
                status,
                wa,
                ts + round as i64,
                None,
            ))
            .await;
        }
    }
    app.webhook_unsettled(&status_payload(
        "wamid.UNKNOWN",
        "read",
        "34612345630",
        ts,
        None,
    ))
    .await;
    while app.step().await {}

    for (_, id, _) in &sent {
        assert_eq!(app.message_status(id).await, ("read".into(), None));
        assert_eq!(status_rows(&app, id, "read").await, 1);
        assert_eq!(status_rows(&app, id, "delivered").await, 1);
    }
    let states: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT state, last_error FROM webhook_payloads ORDER BY received_at, id")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    let done = states.iter().filter(|(s, _)| s == "done").count();
    assert_eq!(done, 3 * sent.len(), "{states:?}");
    let waiting: Vec<_> = states.iter().filter(|(s, _)| s == "pending").collect();
    assert_eq!(
        waiting.len(),
        1,
        "the unknown message's status waits: {states:?}"
    );
    assert!(
        waiting[0]
            .1
            .as_deref()
            .is_some_and(|e| e.contains("not yet known")),
        "{states:?}"
    );
    // Each kept payload is tied to the person its status is about, for erasure.
    let (linked,): (i64,) =
        sqlx::query_as("SELECT COUNT(DISTINCT payload_id) FROM webhook_payload_contacts")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(linked >= done as i64, "{linked} of {done}");

    // The business hears of each message's read once, under the id it was given.
    let got = business
        .wait_for(&app, "every read", |rs| {
            crate::helpers::business::statuses(rs)
                .iter()
                .filter(|st| st["status"] == "read")
                .count()
                >= sent.len()
        })
        .await;
    let mut reads: Vec<String> = crate::helpers::business::statuses(&got)
        .iter()
        .filter(|st| st["status"] == "read")
        .map(|st| st["id"].as_str().unwrap().to_owned())
        .collect();
    reads.sort_unstable();
    let mut ids: Vec<String> = sent.iter().map(|(_, id, _)| id.clone()).collect();
    ids.sort_unstable();
    assert_eq!(reads, ids);
}

#[tokio::test]
async fn a_status_that_cannot_be_recorded_holds_back_no_other_of_its_group() {
    let app = TestApp::spawn().await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    let mut sent = Vec::new();
    for p in 0..3 {
        let wa = format!("3461234564{p}");
        let phone = format!("+{wa}");
        assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
        let (id, provider_id) = send_template(&app, &phone, "order_shipped").await;
        sent.push((wa, id, provider_id));
    }
    // The database refuses the second message's statuses.
    let broken = &sent[1].1;
    let statements: Vec<String> = if app.db.is_postgres() {
        vec![
            format!(
                "CREATE FUNCTION refuse_status() RETURNS trigger AS $$ BEGIN \
                 IF NEW.message_id = '{broken}' THEN RAISE EXCEPTION 'refused by the test'; END IF; \
                 RETURN NEW; END $$ LANGUAGE plpgsql"
            ),
            "CREATE TRIGGER refuse_status BEFORE INSERT ON message_statuses FOR EACH ROW \
             EXECUTE FUNCTION refuse_status()"
                .to_owned(),
        ]
    } else {
        vec![format!(
            "CREATE TRIGGER refuse_status BEFORE INSERT ON message_statuses \
             WHEN NEW.message_id = '{broken}' BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
        )]
    };
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement))
            .execute(&app.raw_db().pool)
            .await
            .unwrap();
    }
    let ts = now_secs();
    for (wa, _, provider_id) in &sent {
        app.webhook_unsettled(&status_payload(provider_id, "read", wa, ts, None))
            .await;
    }
    while app.step().await {}

    assert_eq!(app.message_status(&sent[0].1).await.0, "read");
    assert_eq!(app.message_status(&sent[2].1).await.0, "read");
    assert_eq!(app.message_status(broken).await.0, "delivered");
    let waiting: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT last_error FROM webhook_payloads WHERE state = 'pending'")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    assert!(
        waiting[0]
            .0
            .as_deref()
            .is_some_and(|e| e.contains("refused by the test")),
        "{waiting:?}"
    );
}
