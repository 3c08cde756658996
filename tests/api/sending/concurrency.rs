//! The write path under load: every consent write and every gated send commits
//! through one path (on SQLite, grouped commits on one writer connection). Many
//! at once still form one verifiable ledger, each answer is backed by what is
//! stored, and a send that starts after a withdrawal was acknowledged is refused.

use crate::helpers::ledger::verify;
use crate::helpers::*;
use std::collections::BTreeMap;
use std::time::Instant;

fn phone(group: usize, i: usize) -> String {
    format!("+346{group:02}{i:06}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_and_sends_at_once_keep_one_chain_and_every_answer_is_stored() {
    let app = TestApp::spawn().await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    // Twenty people with consent, whose sends run beside the writes.
    for i in 0..20 {
        assert_eq!(app.consent(&phone(1, i), "offers", "grant").await.0, 201);
    }
    let a = &app;
    let grants = (0..60).map(|i| async move {
        let (status, body) = a.consent(&phone(2, i), "offers", "grant").await;
        assert_eq!(status, 201, "{body}");
        body["event"]["id"].as_str().unwrap().to_owned()
    });
    let withdrawals = (10..20).map(|i| async move {
        let (status, body) = a.consent(&phone(1, i), "offers", "withdraw").await;
        assert_eq!(status, 201, "{body}");
        body["event"]["id"].as_str().unwrap().to_owned()
    });
    let sends = (0..10).map(|i| async move {
        let (status, body) = a.send(&template_body(&phone(1, i), "spring_sale")).await;
        assert_eq!(status, 200, "{body}");
        body["messages"][0]["id"].as_str().unwrap().to_owned()
    });
    let (granted, withdrawn, sent) = tokio::join!(
        futures_util::future::join_all(grants),
        futures_util::future::join_all(withdrawals),
        futures_util::future::join_all(sends),
    );

    // Every acknowledged event and message is there, once.
    for id in granted.iter().chain(&withdrawn) {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_events WHERE id = $1")
            .bind(id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
        assert_eq!(n, 1, "event {id}");
    }
    for id in &sent {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM messages WHERE provider_message_id = $1 OR id = $1",
        )
        .bind(id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
        assert_eq!(n, 1, "message {id}");
    }
    assert_eq!(app.count("ledger_events").await, 20 + 60 + 10);
    let run = verify(&app);
    assert!(run.ok(), "{run}");
    assert!(run.stdout.contains("ledger intact: 90 events"), "{run}");

    // What each person's consent reads is what their events say.
    let mut expected = BTreeMap::new();
    for i in 0..20 {
        expected.insert(phone(1, i), if i < 10 { "granted" } else { "withdrawn" });
    }
    for i in 0..60 {
        expected.insert(phone(2, i), "granted");
    }
    for (phone, state) in expected {
        let read = app.consents(&phone).await;
        assert_eq!(
            read["categories"]["offers"]["state"], state,
            "{phone}: {read}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_send_that_starts_after_an_acknowledged_withdrawal_is_refused() {
    let app = TestApp::spawn().await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let ana = phone(3, 1);
    assert_eq!(app.consent(&ana, "offers", "grant").await.0, 201);

    // Four senders send to her one after another while she withdraws.
    let sender = |_| async {
        let mut tries = Vec::new();
        for _ in 0..25 {
            let started = Instant::now();
            let (status, body) = app.send(&template_body(&ana, "spring_sale")).await;
            tries.push((started, status.as_u16(), body));
        }
        tries
    };
    let withdraw = async {
        tokio::time::sleep(std::time::Duration::from_millis(30)).await;
        let (status, body) = app.consent(&ana, "offers", "withdraw").await;
        assert_eq!(status, 201, "{body}");
        Instant::now()
    };
    let (tries, acknowledged) =
        tokio::join!(futures_util::future::join_all((0..4).map(sender)), withdraw);
    let tries: Vec<_> = tries.into_iter().flatten().collect();
    let after: Vec<_> = tries.iter().filter(|(s, ..)| *s > acknowledged).collect();
    assert!(
        !after.is_empty(),
        "some sends started after the withdrawal's answer"
    );
    for (_, status, body) in &after {
        assert_eq!(*status, 400, "{body}");
        assert_eq!(code(body), 470102, "{body}");
    }
    // Each send let through is queued, and each refusal recorded.
    let accepted = tries.iter().filter(|(_, s, _)| *s == 200).count() as i64;
    let refused = tries.iter().filter(|(_, s, _)| *s == 400).count() as i64;
    assert_eq!(accepted + refused, 100);
    assert_eq!(app.count("messages").await, accepted);
    assert_eq!(app.count("blocked_sends").await, refused);
}
