//! Erasure (SPEC §4): every trace of the person goes, the chain stays verifiable,
//! and she is never messaged again.

use crate::helpers::ledger::*;
use crate::helpers::*;

#[tokio::test]
async fn erasure_removes_every_trace_of_the_person_keeps_the_chain_and_suppresses_her() {
    let app = TestApp::spawn().await;
    let alice_needles = ["34612345678", "612345678", ALICE_IP];
    let bob_ip = "198.51.100.9";

    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    grant_with_ip(&app, BOB, "offers", bob_ip).await;

    let (status, body) = app
        .register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{body}");
    app.drain().await;

    let (status, body) = app
        .register_template("spring_sale", "MARKETING", "product_news")
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!(status, 400, "no consent for product_news: {body}");
    assert_eq!(app.count("blocked_sends").await, 1);

    // The scan sees the person's data before erasure (so an empty result after it
    // means something).
    let before = find_everywhere(&app, &alice_needles).await;
    for place in [
        "contacts.wa_id: 34612345678",
        "messages.payload: 612345678",
        &format!("ledger_evidence.body: {ALICE_IP}"),
    ] {
        assert!(
            before.iter().any(|h| h.starts_with(place)),
            "{place} not found before erasure: {before:#?}"
        );
    }
    let events_before = app.count("ledger_events").await;
    assert_eq!(events_before, 3);
    let contacts_before = app.count("contacts").await;
    assert_eq!(contacts_before, 2);

    app.erase(ALICE).await;

    // The key compliance check: nothing in any table names her any more.
    let after = find_everywhere(&app, &alice_needles).await;
    assert!(
        after.is_empty(),
        "the erased person is still in the database: {after:#?}"
    );
    // ... while everyone else is untouched.
    let bob = find_everywhere(&app, &["34612345679", bob_ip]).await;
    assert!(
        bob.iter()
            .any(|h| h.starts_with("contacts.wa_id: 34612345679")),
        "{bob:#?}"
    );
    assert!(
        bob.iter()
            .any(|h| h.starts_with(&format!("ledger_evidence.body: {bob_ip}"))),
        "{bob:#?}"
    );
    assert_eq!(app.count("contacts").await, contacts_before - 1);

    // The chain still verifies, with every event kept plus the erasure.
    let r = verify(&app);
    assert!(r.ok(), "erasure must not break the chain: {r}");
    assert!(
        r.stdout
            .contains(&format!("ledger intact: {} events", events_before + 1)),
        "{r}"
    );
    assert_eq!(app.count("ledger_events").await, events_before + 1);
    let (category, action, source, actor): (String, String, String, Option<String>) =
        sqlx::query_as(
            "SELECT category, action, source, actor FROM ledger_events ORDER BY seq DESC LIMIT 1",
        )
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(
        (category.as_str(), action.as_str(), source.as_str()),
        ("*", "erased", "staff")
    );
    assert_eq!(actor.as_deref(), Some("staff:test"));

    // Reading her consent back finds nobody.
    let read = app.consents(ALICE).await;
    assert_eq!(read["events"].as_array().unwrap().len(), 0, "{read}");
    for c in CATEGORIES {
        assert_eq!(read["categories"][c]["state"], "none", "{read}");
    }

    // She is never messaged again, and refusing her stores no contact and no number.
    let blocked_before = app.count("blocked_sends").await;
    let messages_before = app.count("messages").await;
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), 470101, "suppressed: {body}");
    assert_eq!(
        app.count("contacts").await,
        contacts_before - 1,
        "no contact row for her again"
    );
    assert_eq!(app.count("messages").await, messages_before);
    assert_eq!(app.count("blocked_sends").await, blocked_before + 1);
    let (masked, hash, reason, refused_code): (Option<String>, Option<String>, String, i64) =
        sqlx::query_as(
            "SELECT recipient_masked, recipient_hash, reason, code FROM blocked_sends ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!((reason.as_str(), refused_code), ("suppressed", 470101));
    assert_eq!(
        masked, None,
        "for an erased person not even a masked number is kept"
    );
    let hash = hash.expect("the refusal is keyed by hash");
    assert!(
        is_hex64(&hash) && !hash.contains("612345678"),
        "hash: {hash}"
    );
    let after_refusal = find_everywhere(&app, &alice_needles).await;
    assert!(
        after_refusal.is_empty(),
        "the refusal brought her back: {after_refusal:#?}"
    );
}
