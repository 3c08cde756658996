//! The terms in chat (SPEC §6): a first message is held and answered with the terms
//! and their notice, accepting grants what the terms showed and releases what was
//! held, and the terms are not repeated more than once an hour.

use crate::helpers::business::Business;
use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_first_message_with_a_code_is_held_answered_with_terms_and_released_on_accept() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    let (status, body) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": format!("{}/hook", business.server.uri())}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.entry_point("VERANO25", &["offers"], "es").await;
    let dana = person(1);

    let first = text(&app, &dana, "Hola, quiero las ofertas (VERANO25)").await;
    assert_eq!(inbound_state(&app, &first).await, "held");
    // Nothing forwarded: nothing queued, nothing delivered.
    assert_eq!(app.count("forwards").await, 0);
    assert!(
        business.requests().await.is_empty(),
        "a held message must not reach the business"
    );

    // One interactive message with the two buttons, in Spanish.
    let sent = app.sent_to(&dana).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let terms = &sent[0];
    assert_eq!(terms["type"], "interactive", "{terms}");
    assert_eq!(terms["interactive"]["type"], "button", "{terms}");
    let buttons = terms["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap();
    assert_eq!(buttons.len(), 2, "{terms}");
    assert_eq!(buttons[0]["reply"]["id"], "assent_terms_accept");
    assert_eq!(buttons[1]["reply"]["id"], "assent_terms_decline");
    assert_eq!(buttons[0]["reply"]["title"], "Aceptar");
    assert_eq!(buttons[1]["reply"]["title"], "Rechazar");
    for b in buttons {
        assert!(b["reply"]["title"].as_str().unwrap().chars().count() <= 20);
    }
    let body = said(terms);
    assert!(body.contains("+12025550100"), "names the business: {body}");
    assert!(
        body.contains("Offers and promotions"),
        "names the category: {body}"
    );
    assert!(
        !body.contains("Order updates") && !body.contains("Product news"),
        "only the entry point's category: {body}"
    );
    let (_, notice_id) = notice_link(&body);

    // The notice: stored with its hash, and public at the link.
    let (notice_body, notice_sha, version, language): (String, String, String, String) =
        sqlx::query_as("SELECT body, sha256, version, language FROM notices WHERE id = $1")
            .bind(&notice_id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(language, "es");
    assert_eq!(version, "chat-1");
    assert_eq!(notice_sha, sha256_hex(&notice_body));
    let page = app
        .client
        .get(format!("{}/notices/{notice_id}", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let content_type = page.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&notice_body),
        "the page shows the notice text:\n{notice_body}\n---\n{html}"
    );
    assert!(html.contains(&notice_sha), "the page shows the SHA-256");

    // Accept.
    let accept = press(&app, &dana, "assent_terms_accept").await;
    let consents = app.consents(&e164(&dana)).await;
    assert_eq!(
        states(&app, &dana).await,
        expect(&[
            ("offers", "granted"),
            ("order_updates", "none"),
            ("product_news", "none")
        ]),
        "{consents}"
    );
    let events = consents["events"].as_array().unwrap();
    assert_eq!(events.len(), 1, "{consents}");
    let event = &events[0];
    assert_eq!(event["action"], "granted");
    assert_eq!(event["category"], "offers");
    assert_eq!(event["source"], "chat");
    assert_eq!(event["source_ref"], "entry_point:VERANO25");
    assert_eq!(event["notice_version"], "chat-1");
    assert_eq!(event["notice_sha256"], sha256_hex(&notice_body).as_str());
    assert_eq!(event["language"], "es");
    assert_eq!(event["actor"], "system:chat");
    let (evidence,): (String,) =
        sqlx::query_as("SELECT body FROM ledger_evidence WHERE event_id = $1")
            .bind(event["id"].as_str().unwrap())
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(
        evidence.contains(&accept),
        "the evidence names the button reply {accept}: {evidence}"
    );

    // Released, and the business gets the held message.
    assert_eq!(inbound_state(&app, &first).await, "released");
    let got = business
        .wait_for(&app, "the held message", |rs| {
            rs.iter()
                .any(|r| String::from_utf8_lossy(&r.body).contains(&first))
        })
        .await;
    assert!(
        got.iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains(&first)),
        "the held message reaches the business after accept"
    );

    // The confirmation, in Spanish, says how to stop.
    let sent = app.sent_to(&dana).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1]["type"], "text", "{}", sent[1]);
    let thanks = said(&sent[1]);
    assert!(thanks.contains("PARAR"), "{thanks}");
    assert!(thanks.contains("Gracias"), "in Spanish: {thanks}");

    // Writing again: no new terms, the message goes through.
    let again = text(&app, &dana, "¿Cuándo llega mi pedido?").await;
    assert_eq!(inbound_state(&app, &again).await, "released");
    assert_eq!(app.sent_to(&dana).await.len(), 2);
    assert_eq!(event_count(&app, &dana).await, 1);

    // The whole conversation was logged without her number or her words.
    assert_not_logged(
        &masked_digits(&dana),
        &[&dana, "quiero las ofertas", "llega mi pedido"],
    );
}

#[tokio::test]
async fn accepting_without_an_entry_point_grants_every_category() {
    let app = TestApp::spawn().await;
    let eve = person(2);
    let first = text(&app, &eve, "Hello, is the shop open?").await;
    assert_eq!(inbound_state(&app, &first).await, "held");
    let sent = app.sent_to(&eve).await;
    assert_eq!(terms_messages(&sent).len(), 1, "{sent:?}");
    let body = said(&sent[0]);
    for title in ["Order updates", "Offers and promotions", "Product news"] {
        assert!(body.contains(title), "{title} in {body}");
    }
    // English by default.
    let buttons = &sent[0]["interactive"]["action"]["buttons"];
    assert_eq!(buttons[0]["reply"]["title"], "Accept");
    assert_eq!(buttons[1]["reply"]["title"], "Decline");

    press(&app, &eve, "assent_terms_accept").await;
    assert_eq!(states(&app, &eve).await, all_granted());
    let thanks = last_reply(&app, &eve).await;
    assert!(thanks.contains("STOP"), "{thanks}");
    let consents = app.consents(&e164(&eve)).await;
    for e in consents["events"].as_array().unwrap() {
        assert_eq!(e["source"], "chat", "{e}");
        assert_eq!(e["source_ref"], Value::Null, "{e}");
        assert_eq!(e["notice_version"], "chat-1", "{e}");
    }
    // The old Decline button pressed after accepting withdraws, as STOP does, and
    // deletes nothing.
    press(&app, &eve, "assent_terms_decline").await;
    let consents = app.consents(&e164(&eve)).await;
    for category in ["order_updates", "offers", "product_news"] {
        assert_eq!(
            consents["categories"][category]["state"], "withdrawn",
            "{consents}"
        );
    }
    assert_eq!(inbound_state(&app, &first).await, "released");
    assert_eq!(number_declines(&app).await, 0);
    let reply = last_reply(&app, &eve).await;
    assert!(reply.contains("no longer receive"), "{reply}");
}

#[tokio::test]
async fn accepting_grants_what_the_terms_showed_even_if_a_code_comes_later() {
    let app = TestApp::spawn().await;
    app.entry_point("LATE01", &["offers"], "en").await;
    let hal = person(92);
    text(&app, &hal, "Hi").await;
    // A code after the terms were shown must not change what accepting grants.
    text(&app, &hal, "LATE01").await;
    press(&app, &hal, "assent_terms_accept").await;
    assert_eq!(states(&app, &hal).await, all_granted());
}

#[tokio::test]
async fn terms_are_sent_again_at_most_once_an_hour() {
    let app = TestApp::spawn().await;
    let finn = person(3);
    let mut ids = vec![];
    for words in ["Hello", "Are you there?", "Hello??"] {
        ids.push(text(&app, &finn, words).await);
    }
    for id in &ids {
        assert_eq!(inbound_state(&app, id).await, "held");
    }
    let sent = app.sent_to(&finn).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(terms_messages(&sent).len(), 1);

    // An hour and a minute later.
    let earlier = assent::db::now_ms() - 61 * 60 * 1000;
    sqlx::query("UPDATE contacts SET terms_sent_at = $1 WHERE wa_id = $2")
        .bind(earlier)
        .bind(&finn)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let later = text(&app, &finn, "Anyone?").await;
    assert_eq!(inbound_state(&app, &later).await, "held");
    let sent = app.sent_to(&finn).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(terms_messages(&sent).len(), 2);

    // And not a third right after.
    text(&app, &finn, "Hello again").await;
    assert_eq!(app.sent_to(&finn).await.len(), 2);
}

#[tokio::test]
async fn terms_too_long_for_buttons_come_as_a_text_then_the_question() {
    let app = TestApp::spawn().await;
    for n in 0..30 {
        sqlx::query(
            "INSERT INTO categories (name, kind, title, created_at) VALUES ($1, 'utility', $2, 0)",
        )
        .bind(format!("topic_{n:02}"))
        .bind(format!("A rather long category title number {n:02}"))
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    }
    let ida = person(93);
    text(&app, &ida, "Hi").await;
    let sent = app.sent_to(&ida).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[0]["type"], "text");
    assert!(said(&sent[0]).contains("https://assent.example/notices/"));
    assert!(said(&sent[0]).contains("number 29"));
    assert_eq!(sent[1]["type"], "interactive");
    assert!(said(&sent[1]).chars().count() <= 1024);
    press(&app, &ida, "assent_terms_accept").await;
    assert_eq!(states(&app, &ida).await.len(), 33);
}
