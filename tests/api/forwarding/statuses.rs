//! Statuses of the business's own sends are forwarded (a failed one with its error
//! and the Meta signal it caused); those of Assent's own replies are not.

use crate::helpers::business::*;
use crate::helpers::*;
use serde_json::Value;

const ALICE_WA: &str = "34612345678";
const BOB_WA: &str = "34612345679";

#[tokio::test]
async fn statuses_of_business_sends_are_forwarded_but_not_those_of_bot_replies() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    assert_eq!(
        app.register_template("order_shipped", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(ALICE, "order_updates", "grant").await.0, 201);
    let secret = app.configure_forwarding(&business.url()).await;

    // Bob writes first: the bot answers with the terms (a message of Assent's own).
    app.webhook(&inbound_text(BOB_WA, "wamid.fwd.bob1", "Hi"))
        .await;
    let terms: (String, String) = sqlx::query_as(
        "SELECT m.id, m.status FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1",
    )
    .bind(BOB_WA)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(terms.1, "delivered", "the sandbox delivered the terms");

    let (status, answer) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    app.drain().await;

    let got = business
        .wait_for(&app, "sent and delivered for the template", |rs| {
            let sts = statuses(rs);
            ["sent", "delivered"].iter().all(|s| {
                sts.iter()
                    .any(|st| st["id"] == id.as_str() && st["status"] == *s)
            })
        })
        .await;
    for r in &got {
        assert_signed(r, &secret);
    }
    let sts = statuses(&got);
    let mine: Vec<&Value> = sts.iter().filter(|st| st["id"] == id.as_str()).collect();
    assert_eq!(mine.len(), 2, "one forward per status: {sts:?}");
    for st in &mine {
        assert_eq!(st["recipient_id"], ALICE_WA);
        assert!(st["timestamp"].is_string(), "{st}");
    }
    let envelope = got
        .iter()
        .map(body)
        .find(|b| b["entry"][0]["changes"][0]["value"]["statuses"].is_array())
        .unwrap();
    assert_eq!(envelope["object"], "whatsapp_business_account");
    assert_eq!(envelope["entry"][0]["changes"][0]["field"], "messages");
    assert_eq!(
        envelope["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"],
        SANDBOX_ID
    );
    // The terms went out before the template; their statuses were never queued.
    assert!(
        sts.iter().all(|st| st["id"] == id.as_str()),
        "statuses of the bot's own reply {} were forwarded: {sts:?}",
        terms.0
    );
    // Bob has not accepted: his message is held, not forwarded.
    assert!(messages(&got).is_empty(), "{:?}", messages(&got));
    app.wait_until("every forward delivered", async || {
        app.count("forwards").await == 0
    })
    .await;
    let late = statuses(&business.requests().await);
    assert!(
        late.iter().all(|st| st["id"] == id.as_str()),
        "statuses of the bot's reply were forwarded: {late:?}"
    );
}

#[tokio::test]
async fn a_failed_status_is_forwarded_with_its_error_and_the_meta_signal() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    // The sandbox fails every send to this number with 131050 (the person stopped
    // marketing messages inside WhatsApp).
    const STOPPED: &str = "+12025550150";
    assert_eq!(
        app.register_template("spring_sale", "MARKETING", "offers")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(STOPPED, "offers", "grant").await.0, 201);
    let secret = app.configure_forwarding(&business.url()).await;

    let (status, answer) = app.send(&template_body(STOPPED, "spring_sale")).await;
    assert_eq!(status, 200, "{answer}");
    let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
    app.drain().await;

    let got = business
        .wait_for(&app, "the failed status and the withdrawal", |rs| {
            statuses(rs)
                .iter()
                .any(|st| st["id"] == id.as_str() && st["status"] == "failed")
                && consent_events(rs)
                    .iter()
                    .any(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        })
        .await;
    for r in &got {
        assert_signed(r, &secret);
    }
    let sts = statuses(&got);
    let failed = sts
        .iter()
        .find(|st| st["id"] == id.as_str() && st["status"] == "failed")
        .unwrap();
    assert_eq!(failed["recipient_id"], "12025550150");
    assert_eq!(failed["errors"][0]["code"], 131050, "{failed}");
    let events = consent_events(&got);
    let (withdrawn, _) = events
        .iter()
        .find(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        .unwrap();
    assert_eq!(withdrawn["source"], "meta_signal");
    assert_eq!(withdrawn["contact"]["wa_id"], "12025550150");
}
