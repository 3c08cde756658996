//! Sends decided and queued together (`sending::accept::accept_all`, as a
//! number's lane runs it): each is judged by what the ones before it did, as if
//! each had been sent alone.

use crate::helpers::*;
use assent::consent::suppression;
use assent::digest::sha256_hex;
use assent::domain::Actor;
use assent::numbers::BusinessNumber;
use assent::sending::accept::{self, Answer, Send};
use assent::sending::gate::Blocked;
use serde_json::{Value, json};

async fn sandbox(app: &TestApp) -> BusinessNumber {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
        .await
        .unwrap()
        .unwrap()
}

fn send(app: &TestApp, number: &BusinessNumber, body: Value, key: Option<&str>) -> Send {
    let sha = sha256_hex(body.to_string().as_bytes());
    let message = assent::sending::message::parse(body).unwrap();
    Send {
        recipient_key: suppression::key(&app.services.secret, &message.recipient),
        number: number.clone(),
        message,
        idempotency: key.map(|k| (k.to_owned(), sha)),
        actor: Actor::ApiKey("tests".into()),
        asks_consent: false,
    }
}

/// `sends` decided and queued in one group, committed.
async fn accepted_together(
    app: &TestApp,
    number: &BusinessNumber,
    sends: Vec<Send>,
) -> Vec<Answer> {
    let mut tx = app.raw_db().write_for(&number.id).await.unwrap();
    let answers = accept::accept_all(&mut tx, &number.id, sends)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    answers
}

fn code(answer: &Answer) -> Option<i64> {
    match answer {
        Answer::Blocked(b) => Some(b.code()),
        _ => None,
    }
}

async fn rows(app: &TestApp, sql: &'static str) -> Vec<(String, i64)> {
    sqlx::query_as(sql)
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn sends_decided_together_are_judged_in_order_as_if_each_went_alone() {
    let app = TestApp::spawn().await;
    app.register_template("confirm_offers", "MARKETING", "offers")
        .await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (ana, ben, eva) = ("+34612340001", "+34612340002", "+34612340003");
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": ana, "category": "offers", "action": "grant", "confirmation_template": "confirm_offers"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(app.consent(ben, "offers", "grant").await.0, 201);
    let number = sandbox(&app).await;
    let sends = vec![
        send(&app, &number, template_body(ana, "confirm_offers"), None),
        send(&app, &number, template_body(ben, "spring_sale"), Some("k1")),
        // Ana's confirmation went out two sends up: not a second time.
        send(&app, &number, template_body(ana, "confirm_offers"), None),
        // A retry of the second send, and the same key with another message.
        send(&app, &number, template_body(ben, "spring_sale"), Some("k1")),
        send(&app, &number, template_body(eva, "spring_sale"), None),
        send(&app, &number, text_body(ben, "hello"), Some("k1")),
        send(&app, &number, template_body(ben, "spring_sale"), None),
    ];
    let answers = accepted_together(&app, &number, sends).await;

    assert_eq!(answers.len(), 7);
    let Answer::Queued(first) = &answers[1] else {
        panic!("Ben's send was not queued: {:?}", answers[1]);
    };
    assert!(matches!(answers[0], Answer::Queued(_)), "{:?}", answers[0]);
    assert_eq!(
        code(&answers[2]),
        Some(
            Blocked::ConsentPending {
                category: "offers".into()
            }
            .code()
        )
    );
    match &answers[3] {
        Answer::Replayed(again) => assert_eq!(again.message_id, first.message_id),
        other => panic!("the retry was not answered as the first send: {other:?}"),
    }
    assert_eq!(code(&answers[4]), Some(470102), "Eva never opted in");
    assert!(matches!(answers[5], Answer::KeyReused), "{:?}", answers[5]);
    assert!(matches!(answers[6], Answer::Queued(_)), "{:?}", answers[6]);

    let queued = rows(
        &app,
        "SELECT COALESCE(template_name, kind), CAST(COUNT(*) AS BIGINT) FROM messages GROUP BY 1 ORDER BY 1",
    )
    .await;
    assert_eq!(
        queued,
        [
            ("confirm_offers".to_owned(), 1),
            ("spring_sale".to_owned(), 2)
        ]
    );
    let refused = rows(
        &app,
        "SELECT reason, CAST(COUNT(*) AS BIGINT) FROM blocked_sends GROUP BY reason ORDER BY reason",
    )
    .await;
    let counted = rows(
        &app,
        "SELECT reason, CAST(SUM(attempts) AS BIGINT) FROM blocked_days GROUP BY reason ORDER BY reason",
    )
    .await;
    let expected = [
        ("consent_pending".to_owned(), 1),
        ("no_consent".to_owned(), 1),
    ];
    assert_eq!(refused, expected);
    assert_eq!(
        counted, expected,
        "the day's counts match the refused sends"
    );
    let keys = rows(
        &app,
        "SELECT message_id, CAST(COUNT(*) AS BIGINT) FROM idempotency_keys GROUP BY message_id",
    )
    .await;
    assert_eq!(keys, [(first.message_id.clone(), 1)]);
    let eva_known = rows(
        &app,
        "SELECT id, CAST(1 AS BIGINT) FROM contacts WHERE wa_id = '34612340003'",
    )
    .await;
    assert!(eva_known.is_empty(), "a refused send creates nobody");
}

#[tokio::test]
async fn the_messaging_limit_holds_inside_a_group() {
    let app = TestApp::spawn().await;
    sqlx::query("UPDATE business_numbers SET messaging_limit = 3")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    let people: Vec<String> = (1..=5).map(|i| format!("+3461234000{i}")).collect();
    for phone in &people {
        assert_eq!(app.consent(phone, "order_updates", "grant").await.0, 201);
    }
    let number = sandbox(&app).await;
    let to = |i: usize| {
        send(
            &app,
            &number,
            template_body(&people[i], "order_shipped"),
            None,
        )
    };
    // The first person comes up again after the limit was reached: already
    // counted today, so still allowed.
    let answers = accepted_together(
        &app,
        &number,
        vec![to(0), to(1), to(2), to(3), to(0), to(4)],
    )
    .await;
    let codes: Vec<Option<i64>> = answers.iter().map(code).collect();
    assert_eq!(codes, [None, None, None, Some(470107), None, Some(470107)]);
    assert!(
        answers
            .iter()
            .all(|a| matches!(a, Answer::Queued(_) | Answer::Blocked(_)))
    );
    assert_eq!(app.count("messages").await, 4);
    let reached = rows(
        &app,
        "SELECT business_number_id, CAST(SUM(n) AS BIGINT) FROM recipient_counts GROUP BY business_number_id",
    )
    .await;
    assert_eq!(reached, [(number.id.clone(), 3)]);
    let counted = rows(
        &app,
        "SELECT business_number_id, CAST(COUNT(*) AS BIGINT) FROM contacts WHERE limit_counted_at IS NOT NULL GROUP BY business_number_id",
    )
    .await;
    assert_eq!(counted, [(number.id.clone(), 3)]);
}
