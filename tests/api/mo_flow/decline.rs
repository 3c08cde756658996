//! Declining the terms (SPEC §6): every trace of the person goes and only the
//! decline is counted; an old Accept button or a redelivered message after it does
//! not bring them back.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn declining_erases_every_trace_and_only_counts_the_decline() {
    let app = TestApp::spawn().await;
    app.entry_point("FLYER-9", &["offers"], "en").await;
    let gina = person(4);
    let hugo = person(5);
    let declines_before = number_declines(&app).await;

    // Gina came through the entry point, under her own profile name.
    let secret = wamid();
    let mut first = inbound_text(&gina, &secret, "My secret text 12345 (FLYER-9)");
    first["entry"][0]["changes"][0]["value"]["contacts"][0]["profile"]["name"] =
        json!("Gina Secretname");
    app.webhook(&first).await;
    assert_eq!(inbound_state(&app, &secret).await, "held");
    assert_eq!(terms_messages(&app.sent_to(&gina).await).len(), 1);
    // Meta reports the terms message read: a payload naming her.
    let (terms_wamid,): (String,) = sqlx::query_as(
        "SELECT m.provider_message_id FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1",
    )
    .bind(&gina)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    app.webhook(&json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{
        "field": "messages", "value": {"messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "12025550100", "phone_number_id": SANDBOX_ID},
            "statuses": [{"id": terms_wamid, "status": "read",
                          "timestamp": format!("{}", assent::db::now_ms() / 1000), "recipient_id": gina}]}}]}]}))
    .await;
    let needles = [
        gina.as_str(),
        "My secret text",
        "Secretname",
        secret.as_str(),
        terms_wamid.as_str(),
    ];
    // The scan does find her before she declines.
    let before = find_everywhere(&app, &needles).await;
    for needle in needles {
        assert!(
            before.iter().any(|h| h.contains(needle)),
            "{needle} stored before the decline: {before:?}"
        );
    }
    assert!(
        before.iter().any(|h| h.starts_with("contacts.")),
        "{before:?}"
    );
    let decline = wamid();
    let decline_payload = inbound_button_reply(&gina, &decline, "assent_terms_decline");
    app.webhook(&decline_payload).await;
    let mut all_needles = needles.to_vec();
    all_needles.push(&decline);
    let hits = find_everywhere(&app, &all_needles).await;
    assert!(hits.is_empty(), "traces left after a decline: {hits:?}");
    // Nor in the log, which did see her (masked) while she was there.
    assert_not_logged(&masked_digits(&gina), &all_needles);
    // No reply to a decline (and nothing to reply to: she is gone).
    assert!(app.sent_to(&gina).await.is_empty());
    let (_, ep) = app
        .get_json("/api/v1/entry-points/FLYER-9", Some(&app.api_key))
        .await;
    assert_eq!(ep["declines"], 1, "{ep}");
    assert_eq!(number_declines(&app).await, declines_before);

    // Meta delivers the same decline again: still no trace, counted once.
    app.webhook(&decline_payload).await;
    let hits = find_everywhere(&app, &all_needles).await;
    assert!(
        hits.is_empty(),
        "traces left after a repeated decline: {hits:?}"
    );
    let (_, ep) = app
        .get_json("/api/v1/entry-points/FLYER-9", Some(&app.api_key))
        .await;
    assert_eq!(ep["declines"], 1, "{ep}");
    assert_eq!(number_declines(&app).await, declines_before);

    // Hugo came through no entry point: the number counts his decline.
    let secret2 = text(&app, &hugo, "My secret text 67890").await;
    assert_eq!(terms_messages(&app.sent_to(&hugo).await).len(), 1);
    let decline2 = press(&app, &hugo, "assent_terms_decline").await;
    let hits = find_everywhere(&app, &[&hugo, "My secret text", &secret2, &decline2]).await;
    assert!(hits.is_empty(), "traces left after a decline: {hits:?}");
    assert_eq!(number_declines(&app).await, declines_before + 1);
    let (_, ep) = app
        .get_json("/api/v1/entry-points/FLYER-9", Some(&app.api_key))
        .await;
    assert_eq!(ep["declines"], 1, "{ep}");

    // Writing again starts over.
    let again = text(&app, &gina, "Hello again").await;
    assert_eq!(inbound_state(&app, &again).await, "held");
    let sent = app.sent_to(&gina).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(terms_messages(&sent).len(), 1, "new terms: {sent:?}");
}

#[tokio::test]
async fn a_decline_batched_with_someone_elses_message_takes_only_the_decliner_away() {
    let app = TestApp::spawn().await;
    let gina = person(6);
    let hugo = person(7);
    let gina_text = text(&app, &gina, "Gina private words 2468").await;
    assert_eq!(terms_messages(&app.sent_to(&gina).await).len(), 1);

    // Meta batches Gina's decline and Hugo's first message into one payload.
    let decline = wamid();
    let hugo_text = wamid();
    let mut batch = inbound_button_reply(&gina, &decline, "assent_terms_decline");
    let hugo_payload = inbound_text(&hugo, &hugo_text, "Hugo asks about opening hours");
    let value = &mut batch["entry"][0]["changes"][0]["value"];
    let hugo_value = &hugo_payload["entry"][0]["changes"][0]["value"];
    value["contacts"]
        .as_array_mut()
        .unwrap()
        .push(hugo_value["contacts"][0].clone());
    value["messages"]
        .as_array_mut()
        .unwrap()
        .push(hugo_value["messages"][0].clone());
    app.webhook(&batch).await;

    let gina_needles = [gina.as_str(), "Gina private words", &gina_text, &decline];
    let hits = find_everywhere(&app, &gina_needles).await;
    assert!(
        hits.is_empty(),
        "traces of Gina after her decline: {hits:?}"
    );
    assert_eq!(inbound_state(&app, &hugo_text).await, "held");
    assert_eq!(terms_messages(&app.sent_to(&hugo).await).len(), 1);
    // Hugo's message is still on record in the stored payload.
    let kept = find_everywhere(&app, &["Hugo asks about opening hours"]).await;
    assert!(
        kept.iter().any(|h| h.starts_with("webhook_payloads.body")),
        "{kept:?}"
    );

    // Processing of the batch is retried (as after a crash or a failed
    // transaction): Hugo's message is still there to process, once, and Gina
    // does not come back.
    let retried = sqlx::query(
        "UPDATE webhook_payloads SET state = 'pending', next_attempt_at = 0, lease_until = NULL \
         WHERE body LIKE '%opening hours%'",
    )
    .execute(&app.raw_db().pool)
    .await
    .unwrap()
    .rows_affected();
    assert_eq!(retried, 1, "the batch payload is kept for a retry");
    app.settle().await;
    assert_eq!(terms_messages(&app.sent_to(&hugo).await).len(), 1);
    assert_eq!(inbound_state(&app, &hugo_text).await, "held");
    let hits = find_everywhere(&app, &gina_needles).await;
    assert!(hits.is_empty(), "traces of Gina after the retry: {hits:?}");
    assert_not_logged(
        &masked_digits(&hugo),
        &[&gina_needles[..], &["Hugo asks about", &hugo]].concat(),
    );
    assert!(app.sent_to(&gina).await.is_empty());
}

#[tokio::test]
async fn an_old_accept_button_after_a_decline_grants_nothing() {
    let app = TestApp::spawn().await;
    let gus = person(91);
    text(&app, &gus, "Hi").await;
    press(&app, &gus, "assent_terms_decline").await;
    assert_eq!(app.count("contacts").await, 0);
    // The Accept button of the terms they declined is still on their screen.
    press(&app, &gus, "assent_terms_accept").await;
    assert_eq!(app.count("ledger_events").await, 0);
    assert!(
        states(&app, &gus).await.values().all(|s| s == "none"),
        "{:?}",
        states(&app, &gus).await
    );
}

#[tokio::test]
async fn a_redelivered_message_of_someone_who_declined_does_not_start_over() {
    let app = TestApp::spawn().await;
    let joe = person(94);
    let id = wamid();
    let first = inbound_text(&joe, &id, "Hi there");
    app.webhook(&first).await;
    press(&app, &joe, "assent_terms_decline").await;
    assert_eq!(app.count("contacts").await, 0);
    // Meta delivers the first message again (or someone replays it).
    app.webhook(&first).await;
    assert_eq!(app.count("contacts").await, 0);
    assert_eq!(app.count("messages").await, 0, "no terms are sent again");
    // A new message is someone writing again: that starts over.
    text(&app, &joe, "Hello again").await;
    assert_eq!(terms_messages(&app.sent_to(&joe).await).len(), 1);
}
