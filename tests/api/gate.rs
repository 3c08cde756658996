//! Every gate rule over HTTP: the answer (Meta-shaped, stable code), nothing queued,
//! and a record of the refusal for the compliance report.

use crate::helpers::*;
use serde_json::json;

use std::time::Duration;

async fn blocked_rows(app: &TestApp) -> Vec<(String, String, String, String, i64)> {
    sqlx::query_as(
        "SELECT actor, recipient_masked, what, reason, code FROM blocked_sends ORDER BY created_at",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_template_without_consent_is_refused_recorded_and_not_queued() {
    let app = TestApp::spawn().await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!(status, 400);
    assert_eq!(code(&body), 470102);
    assert_eq!(body["error"]["type"], "AssentGateException");
    assert!(
        body["error"]["error_data"]["details"]
            .as_str()
            .unwrap()
            .contains("offers")
    );
    assert!(body["error"]["fbtrace_id"].is_string());
    assert_eq!(app.count("messages").await, 0);
    assert_eq!(
        app.count("contacts").await,
        0,
        "a refused send does not store the person"
    );
    let rows = blocked_rows(&app).await;
    assert_eq!(rows.len(), 1);
    let (actor, masked, what, reason, refused_code) = &rows[0];
    assert!(actor.starts_with("api_key:"));
    assert_eq!(
        (what.as_str(), reason.as_str(), *refused_code),
        ("template:spring_sale:en", "no_consent", 470102)
    );
    assert!(
        !masked.contains("612345678") && masked.ends_with("678"),
        "masked: {masked}"
    );

    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    assert_eq!(app.send(&template_body(ALICE, "spring_sale")).await.0, 200);
    assert_eq!(app.consent(ALICE, "offers", "withdraw").await.0, 201);
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 470102),
        "withdrawn consent blocks again"
    );
}

#[tokio::test]
async fn a_pending_double_opt_in_allows_only_its_confirmation_template_once() {
    let app = TestApp::spawn().await;
    app.register_template("confirm_offers", "MARKETING", "offers")
        .await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": ALICE, "category": "offers", "action": "grant", "confirmation_template": "confirm_offers"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"]["state"], "pending");

    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470103));
    assert_eq!(
        app.send(&template_body(ALICE, "confirm_offers")).await.0,
        200
    );
    let (status, body) = app.send(&template_body(ALICE, "confirm_offers")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 470103),
        "the confirmation goes out once"
    );

    assert_eq!(app.consent(ALICE, "offers", "confirm").await.0, 201);
    assert_eq!(
        app.send(&template_body(ALICE, "spring_sale")).await.0,
        200,
        "confirmed consent allows sends"
    );
}

#[tokio::test]
async fn meta_131050_withdraws_marketing_and_blocks_marketing_but_not_utility() {
    let app = TestApp::spawn().await;
    let stopped = "+12025550150";
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    for category in ["offers", "product_news", "order_updates"] {
        assert_eq!(app.consent(stopped, category, "grant").await.0, 201);
    }
    let (status, body) = app.send(&template_body(stopped, "spring_sale")).await;
    assert_eq!(status, 200, "{body}");
    app.drain().await;
    let id = body["messages"][0]["id"].as_str().unwrap();
    assert_eq!(
        app.message_status(id).await,
        ("failed".to_owned(), Some(131050))
    );

    let record = app.consents(stopped).await;
    assert_eq!(record["categories"]["offers"]["state"], "withdrawn");
    assert_eq!(record["categories"]["product_news"]["state"], "withdrawn");
    assert_eq!(record["categories"]["order_updates"]["state"], "granted");
    let signals: Vec<_> = record["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "meta_signal")
        .collect();
    assert_eq!(signals.len(), 2);

    let (status, body) = app.send(&template_body(stopped, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470104));
    // Even a fresh grant from the business's CRM does not override the person's stop in WhatsApp.
    app.consent(stopped, "offers", "grant").await;
    let (status, body) = app.send(&template_body(stopped, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470104));
    assert_eq!(
        app.send(&template_body(stopped, "order_shipped")).await.0,
        200,
        "utility still goes out"
    );
}

#[tokio::test]
async fn free_form_messages_only_inside_the_24_hour_window() {
    let app = TestApp::spawn().await;
    let (status, body) = app.send(&text_body(ALICE, "hello")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 131047));
    assert_eq!(body["error"]["message"], "(#131047) Re-engagement message");

    app.inbound_from(BOB, Duration::from_secs(25 * 3600)).await;
    let (status, body) = app.send(&text_body(BOB, "hello")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 131047),
        "a day and an hour ago is outside"
    );

    app.inbound_from(BOB, Duration::from_secs(23 * 3600)).await;
    assert_eq!(app.send(&text_body(BOB, "hello")).await.0, 200);
    assert_eq!(app.count("messages").await, 1);
}

#[tokio::test]
async fn unknown_and_unmapped_templates_are_refused() {
    let app = TestApp::spawn().await;
    app.consent(ALICE, "offers", "grant").await;
    let (status, body) = app.send(&template_body(ALICE, "never_registered")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470105));

    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let mut wrong_language = template_body(ALICE, "spring_sale");
    wrong_language["template"]["language"]["code"] = json!("es");
    let (status, body) = app.send(&wrong_language).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 470105),
        "registered in en only"
    );

    sqlx::query("UPDATE templates SET consent_category = NULL WHERE name = 'spring_sale'")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470106));
    assert_eq!(app.count("messages").await, 0);
}

#[tokio::test]
async fn the_messaging_limit_counts_unique_business_initiated_recipients_per_24h() {
    let app = TestApp::spawn().await;
    sqlx::query("UPDATE business_numbers SET messaging_limit = 2")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    let carol = "+34612345670";
    for phone in [ALICE, BOB, carol] {
        app.consent(phone, "order_updates", "grant").await;
    }
    assert_eq!(
        app.send(&template_body(ALICE, "order_shipped")).await.0,
        200
    );
    assert_eq!(app.send(&template_body(BOB, "order_shipped")).await.0, 200);
    let (status, body) = app.send(&template_body(carol, "order_shipped")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470107));
    assert_eq!(
        app.send(&template_body(ALICE, "order_shipped")).await.0,
        200,
        "Alice was already reached today"
    );
    app.inbound_from(carol, Duration::from_secs(60)).await;
    assert_eq!(
        app.send(&template_body(carol, "order_shipped")).await.0,
        200,
        "in-window sends do not count"
    );
}

#[tokio::test]
async fn the_limit_rolls_over_24_hours_and_only_sends_otherwise_allowed_are_counted() {
    let app = TestApp::spawn().await;
    sqlx::query("UPDATE business_numbers SET messaging_limit = 2")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    let (carol, dave) = ("+34612345670", "+34612345671");
    for phone in [ALICE, BOB, carol] {
        app.consent(phone, "order_updates", "grant").await;
    }
    // Dave never agreed: refused for that, first, and not counted.
    let (status, body) = app.send(&template_body(dave, "order_shipped")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470102));
    assert_eq!(
        app.send(&template_body(ALICE, "order_shipped")).await.0,
        200
    );
    assert_eq!(app.send(&template_body(BOB, "order_shipped")).await.0, 200);
    let (status, body) = app.send(&template_body(dave, "order_shipped")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 470102),
        "a send refused anyway is refused for its own reason"
    );
    let (status, body) = app.send(&template_body(carol, "order_shipped")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470107));

    // A day and an hour later, Alice and Bob no longer count.
    let later = 25 * 60 * 60 * 1000_i64;
    for sql in [
        "UPDATE contacts SET limit_counted_at = limit_counted_at - $1",
        "UPDATE recipient_counts SET bucket_start = bucket_start - $1",
    ] {
        sqlx::query(sql)
            .bind(later)
            .execute(&app.raw_db().pool)
            .await
            .unwrap();
    }
    assert_eq!(
        app.send(&template_body(carol, "order_shipped")).await.0,
        200
    );
    assert_eq!(
        app.send(&template_body(ALICE, "order_shipped")).await.0,
        200
    );
    let (status, body) = app.send(&template_body(BOB, "order_shipped")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 470107),
        "Carol and Alice fill today"
    );
}

#[tokio::test]
async fn an_erased_person_is_never_messaged_again() {
    let app = TestApp::spawn().await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    app.consent(ALICE, "order_updates", "grant").await;
    app.erase(ALICE).await;

    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470101));
    // Granting again through the API does not lift the suppression.
    app.consent(ALICE, "order_updates", "grant").await;
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470101));
}

#[tokio::test]
async fn consent_withdrawn_while_a_template_waits_in_the_queue_stops_it() {
    // Nothing steps the dispatcher yet: the template waits in the queue.
    let app = TestApp::spawn().await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    app.consent(ALICE, "offers", "grant").await;
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!(status, 200, "{body}");
    let id = body["messages"][0]["id"].as_str().unwrap().to_owned();
    app.consent(ALICE, "offers", "withdraw").await;

    let db = app.stop().await;
    let app = TestApp::spawn_on(db).await;
    app.drain().await;
    assert_eq!(
        app.message_status(&id).await,
        ("failed".to_owned(), Some(470102))
    );
    let (provider_id,): (Option<String>,) =
        sqlx::query_as("SELECT provider_message_id FROM messages WHERE id = $1")
            .bind(&id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(provider_id, None, "it never reached the provider");
}

#[tokio::test]
async fn a_marketing_stop_noted_while_templates_wait_stops_marketing_but_not_utility() {
    let app = TestApp::spawn().await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    for category in ["offers", "order_updates"] {
        assert_eq!(app.consent(ALICE, category, "grant").await.0, 201);
    }
    let mut ids = Vec::new();
    for template in ["spring_sale", "order_shipped"] {
        let (status, body) = app.send(&template_body(ALICE, template)).await;
        assert_eq!(status, 200, "{body}");
        ids.push(body["messages"][0]["id"].as_str().unwrap().to_owned());
    }
    // Meta told of the person's marketing stop (131050) meanwhile.
    sqlx::query("UPDATE contacts SET marketing_stopped_at = $1 WHERE wa_id = $2")
        .bind(assent::db::now_ms())
        .bind(ALICE.trim_start_matches('+'))
        .execute(&app.raw_db().pool)
        .await
        .unwrap();

    let db = app.stop().await;
    let app = TestApp::spawn_on(db).await;
    app.drain().await;
    assert_eq!(
        app.message_status(&ids[0]).await,
        ("failed".to_owned(), Some(470104))
    );
    let (status, code) = app.message_status(&ids[1]).await;
    assert_ne!(status, "failed", "the utility template still goes out");
    assert_eq!(code, None);
}
