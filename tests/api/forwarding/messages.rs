//! Inbound messages reach the business (SPEC §8): in Meta's format, signed, once,
//! to each number's own endpoint, and held ones in order once the terms are accepted.

use crate::helpers::business::*;
use crate::helpers::*;
use serde_json::json;

const ALICE_WA: &str = "34612345678";
const BOB_WA: &str = "34612345679";

#[tokio::test]
async fn an_accepted_contacts_message_reaches_the_business_in_meta_format_signed() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // Consent recorded before the config exists: its event is not queued.
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let secret = app.configure_forwarding(&business.url()).await;

    let payload = inbound_text(ALICE_WA, "wamid.fwd.text1", "Is my order on its way?");
    app.webhook(&payload).await;

    let got = business
        .wait_for(&app, "the message", |rs| !messages(rs).is_empty())
        .await;
    assert_eq!(got.len(), 1, "only the message was forwarded");
    let r = &got[0];
    assert_eq!(r.method.as_str(), "POST");
    assert_eq!(r.url.path(), "/hooks/whatsapp");
    let b = body(r);
    assert_eq!(b["object"], "whatsapp_business_account");
    let change = &b["entry"][0]["changes"][0];
    assert_eq!(change["field"], "messages");
    assert_eq!(change["value"]["messaging_product"], "whatsapp");
    assert_eq!(change["value"]["metadata"]["phone_number_id"], SANDBOX_ID);
    assert_eq!(
        change["value"]["metadata"]["display_phone_number"],
        "12025550100"
    );
    assert_eq!(change["value"]["messages"][0]["id"], "wamid.fwd.text1");
    assert_eq!(change["value"]["messages"][0]["from"], ALICE_WA);
    assert_eq!(change["value"]["messages"][0]["type"], "text");
    assert_eq!(
        change["value"]["messages"][0]["text"]["body"],
        "Is my order on its way?"
    );
    assert_eq!(change["value"]["contacts"][0]["wa_id"], ALICE_WA);
    assert_eq!(
        b, payload,
        "the business gets the message exactly as Meta sent it, in Meta's envelope"
    );
    assert_signed(r, &secret);
    assert_eq!(header(r, "x-api-token"), Some("abc"));
    assert!(
        header(r, "content-type").is_some_and(|c| c.starts_with("application/json")),
        "{:?}",
        r.headers
    );
    // Delivered: nothing is owed any more.
    app.wait_until("the forward row to go", async || {
        app.count("forwards").await == 0
    })
    .await;

    // Meta delivers the same message again (another payload, same wamid): the
    // business does not get it twice.
    app.webhook(&inbound_text(
        ALICE_WA,
        "wamid.fwd.text1",
        "Is my order on its way? (redelivered)",
    ))
    .await;
    app.wait_until("nothing owed", async || app.count("forwards").await == 0)
        .await;
    assert_eq!(
        business.requests().await.len(),
        1,
        "a redelivered message is forwarded once"
    );
}

#[tokio::test]
async fn forwards_follow_each_numbers_own_config() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    app.configure_forwarding(&business.url()).await;

    // A second number, with its own key and no webhook.
    let out = app.cli(&[
        "number",
        "add",
        "--phone-number-id",
        "100000000000002",
        "--display-number",
        "+12025550111",
        "--provider",
        "sandbox",
        "--app-secret",
        SANDBOX_APP_SECRET,
    ]);
    assert!(out.ok(), "{}", out.stderr);
    let out = app.cli(&["apikey", "create", "--phone-number-id", "100000000000002"]);
    assert!(out.ok(), "{}", out.stderr);
    let other_key = out.stdout.lines().last().unwrap().trim().to_owned();
    assert_eq!(
        app.webhook_config(&other_key).await.0,
        404,
        "the other number has no webhook"
    );

    // Alice accepted on the other number and writes to it.
    let (status, answer) = app
        .post_json(
            "/api/v1/consents",
            &other_key,
            &json!({"phone": ALICE, "category": "offers", "action": "grant",
                    "evidence": {"notice_version": "v1", "notice_text": "Offers from Beta."}}),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let mut payload = inbound_text(ALICE_WA, "wamid.fwd.other1", "Hello other number");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "12025550111", "phone_number_id": "100000000000002"});
    app.webhook(&payload).await;
    let handled: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM inbound_messages WHERE id = 'wamid.fwd.other1' AND state = 'released'",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        handled.0, 1,
        "the message was processed for the other number"
    );
    assert_eq!(
        app.count("forwards").await,
        0,
        "nothing queued for a number without a webhook"
    );
    assert!(
        business.requests().await.is_empty(),
        "the sandbox number's endpoint got the other number's traffic"
    );

    // The sandbox number's own traffic still reaches it.
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let got = business
        .wait_for(&app, "the sandbox number's consent event", |rs| {
            !rs.is_empty()
        })
        .await;
    assert_eq!(body(&got[0])["phone_number_id"], SANDBOX_ID);
}

#[tokio::test]
async fn held_messages_reach_the_business_in_order_once_the_terms_are_accepted() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    let secret = app.configure_forwarding(&business.url()).await;

    let first = inbound_text(BOB_WA, "wamid.fwd.held1", "Do you ship to Madrid?");
    let second = inbound_text(BOB_WA, "wamid.fwd.held2", "And to Lisbon?");
    app.webhook(&first).await;
    app.webhook(&second).await;
    let held: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, state FROM inbound_messages WHERE id IN ('wamid.fwd.held1', 'wamid.fwd.held2') ORDER BY id",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        held,
        vec![
            ("wamid.fwd.held1".to_owned(), "held".to_owned()),
            ("wamid.fwd.held2".to_owned(), "held".to_owned())
        ]
    );
    assert_eq!(app.count("forwards").await, 0, "nothing is owed while held");
    assert!(
        business.requests().await.is_empty(),
        "the business got something before the person accepted"
    );

    app.webhook(&inbound_button_reply(
        BOB_WA,
        "wamid.fwd.accept",
        "assent_terms_accept",
    ))
    .await;
    let got = business
        .wait_for(&app, "both held messages", |rs| messages(rs).len() >= 2)
        .await;
    let forwarded = messages(&got);
    assert_eq!(forwarded.len(), 2, "{forwarded:?}");
    let ids: Vec<&str> = forwarded
        .iter()
        .map(|(m, _)| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["wamid.fwd.held1", "wamid.fwd.held2"],
        "held messages are released in the order they were written"
    );
    assert_eq!(body(&forwarded[0].1), first);
    assert_eq!(body(&forwarded[1].1), second);
    for (_, r) in &forwarded {
        assert_signed(r, &secret);
    }
    // The accept button itself is Assent's, not the business's.
    assert!(
        !got.iter().any(
            |r| String::from_utf8_lossy(&r.body).contains("wamid.fwd.accept\"")
                && body(r)["object"] == "whatsapp_business_account"
        ),
        "the accept button reply was forwarded"
    );
    // The chat grant is reported as consent events.
    let granted = business
        .wait_for(&app, "consent.granted from the chat", |rs| {
            consent_events(rs)
                .iter()
                .any(|(e, _)| e["type"] == "consent.granted" && e["source"] == "chat")
        })
        .await;
    let events = consent_events(&granted);
    let (e, r) = events.iter().find(|(e, _)| e["source"] == "chat").unwrap();
    assert_signed(r, &secret);
    assert_eq!(e["contact"]["wa_id"], BOB_WA);
    assert_eq!(e["notice"]["version"], "chat-1");
}
