//! The MO-flow (the person writes first): entry points, the terms in chat with
//! accept and decline buttons, and the opt-out keywords (SPEC §6–7, issue 3).

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

// ---------------------------------------------------------------------------
// Local helpers
// ---------------------------------------------------------------------------

/// A distinct, valid Spanish mobile per person: 346123457NN.
fn person(n: u32) -> String {
    assert!(n < 100);
    format!("346123457{n:02}")
}

fn e164(wa_id: &str) -> String {
    format!("+{wa_id}")
}

/// A message id that names nobody (real wamids encode the phone number; these do
/// not, so a search for the digits only finds real copies of the number).
fn wamid() -> String {
    format!("wamid.T{}", uuid::Uuid::new_v4().simple())
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// POSTs a signed payload without waiting for it to be processed (call
/// `app.settle()` after a batch).
async fn post(app: &TestApp, payload: &Value) {
    let body = serde_json::to_vec(payload).unwrap();
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
}

async fn text(app: &TestApp, wa_id: &str, body: &str) -> String {
    let id = wamid();
    app.webhook(&inbound_text(wa_id, &id, body)).await;
    id
}

async fn press(app: &TestApp, wa_id: &str, button_id: &str) -> String {
    let id = wamid();
    app.webhook(&inbound_button_reply(wa_id, &id, button_id))
        .await;
    id
}

async fn get(app: &TestApp, path: &str, key: Option<&str>) -> (StatusCode, Value) {
    let mut req = app.client.get(format!("{}{path}", app.address));
    if let Some(key) = key {
        req = req.bearer_auth(key);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn new_entry_point(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    app.post_json("/api/v1/entry-points", &app.api_key, body)
        .await
}

/// Makes an entry point and expects 201.
async fn entry_point(app: &TestApp, code: &str, categories: &[&str], language: &str) {
    let (status, body) = new_entry_point(
        app,
        &json!({"code": code, "name": format!("Campaign {code}"), "categories": categories,
                "language": language}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
}

fn details(body: &Value) -> String {
    body["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("no error details in {body}"))
        .to_owned()
}

/// category → state ("granted", "withdrawn", "none").
async fn states(app: &TestApp, wa_id: &str) -> BTreeMap<String, String> {
    let body = app.consents(&e164(wa_id)).await;
    body["categories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["state"].as_str().unwrap().to_owned()))
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn all_granted() -> BTreeMap<String, String> {
    expect(&[
        ("offers", "granted"),
        ("order_updates", "granted"),
        ("product_news", "granted"),
    ])
}

fn all_withdrawn() -> BTreeMap<String, String> {
    expect(&[
        ("offers", "withdrawn"),
        ("order_updates", "withdrawn"),
        ("product_news", "withdrawn"),
    ])
}

async fn event_count(app: &TestApp, wa_id: &str) -> usize {
    app.consents(&e164(wa_id)).await["events"]
        .as_array()
        .unwrap()
        .len()
}

/// The text of a text message, or the body of an interactive one.
fn said(message: &Value) -> String {
    match message["type"].as_str() {
        Some("text") => message["text"]["body"].as_str().unwrap().to_owned(),
        Some("interactive") => message["interactive"]["body"]["text"]
            .as_str()
            .unwrap()
            .to_owned(),
        _ => panic!("unexpected message {message}"),
    }
}

fn terms_messages(sent: &[Value]) -> Vec<&Value> {
    sent.iter()
        .filter(|m| {
            m["type"] == "interactive"
                && m["interactive"]["action"]["buttons"][0]["reply"]["id"] == "assent_terms_accept"
        })
        .collect()
}

async fn inbound_state(app: &TestApp, id: &str) -> String {
    let (state,): (String,) = sqlx::query_as("SELECT state FROM inbound_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    state
}

async fn number_declines(app: &TestApp) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT declines FROM business_numbers WHERE phone_number_id = $1")
            .bind(SANDBOX_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    n
}

/// Each person writes (a first message containing the entry point's code when
/// they have one) and then accepts the terms: all in two batches.
async fn accepted_people(app: &TestApp, people: &[(String, Option<&str>)]) {
    for (wa_id, code) in people {
        let first = match code {
            Some(code) => format!("Hi ({code})"),
            None => "Hi".to_owned(),
        };
        post(app, &inbound_text(wa_id, &wamid(), &first)).await;
    }
    app.settle().await;
    for (wa_id, _) in people {
        post(
            app,
            &inbound_button_reply(wa_id, &wamid(), "assent_terms_accept"),
        )
        .await;
    }
    app.settle().await;
    for (wa_id, _) in people {
        assert_eq!(
            states(app, wa_id).await,
            all_granted(),
            "{wa_id} should have accepted every category"
        );
    }
}

/// Sends one text per person (in one batch) and waits until all are processed.
async fn each_says(app: &TestApp, messages: &[(String, String)]) {
    for (wa_id, words) in messages {
        post(app, &inbound_text(wa_id, &wamid(), words)).await;
    }
    app.settle().await;
}

async fn last_reply(app: &TestApp, wa_id: &str) -> String {
    said(app.sent_to(wa_id).await.last().expect("a reply"))
}

// ---------------------------------------------------------------------------
// 1. Entry points API
// ---------------------------------------------------------------------------

#[tokio::test]
async fn entry_points_are_made_listed_and_validated() {
    let app = TestApp::spawn().await;
    const PREFIX: &str = "https://wa.me/12025550100?text=";

    let (status, ep) = new_entry_point(
        &app,
        &json!({"code": "SPRING-24", "name": "Spring flyer", "categories": ["offers"],
                "prefilled_text": "Hola, quiero las ofertas SPRING-24 ¡ya!", "language": "es"}),
    )
    .await;
    assert_eq!(status, 201, "{ep}");
    assert_eq!(ep["code"], "SPRING-24");
    assert_eq!(ep["name"], "Spring flyer");
    assert_eq!(ep["categories"], json!(["offers"]));
    assert_eq!(ep["language"], "es");
    assert_eq!(ep["declines"], 0);
    assert_eq!(
        ep["prefilled_text"],
        "Hola, quiero las ofertas SPRING-24 ¡ya!"
    );
    let url = ep["wa_me_url"].as_str().unwrap();
    let encoded = url
        .strip_prefix(PREFIX)
        .unwrap_or_else(|| panic!("{url} must start with {PREFIX}"));
    assert!(
        encoded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "%-._~".contains(c)),
        "the text must be percent-encoded: {encoded}"
    );
    assert!(encoded.contains("%20"), "spaces as %20: {encoded}");
    let decoded = percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded, "Hola, quiero las ofertas SPRING-24 ¡ya!");
    assert!(decoded.contains("SPRING-24"));

    // A text without the code gets it appended; the language defaults to en.
    let (status, ep2) = new_entry_point(
        &app,
        &json!({"code": "flyer_7", "name": "Flyer", "categories": ["offers", "product_news"],
                "prefilled_text": "Hello there"}),
    )
    .await;
    assert_eq!(status, 201, "{ep2}");
    let text2 = ep2["prefilled_text"].as_str().unwrap();
    assert!(text2.starts_with("Hello there"), "{text2}");
    assert!(text2.contains("flyer_7"), "the code is appended: {text2}");
    assert_eq!(ep2["language"], "en");
    assert_eq!(ep2["categories"], json!(["offers", "product_news"]));
    let url2 = ep2["wa_me_url"].as_str().unwrap();
    let decoded2 = percent_encoding::percent_decode_str(url2.strip_prefix(PREFIX).unwrap())
        .decode_utf8()
        .unwrap();
    assert_eq!(decoded2, text2);
    assert!(decoded2.contains("flyer_7"));

    // Listed and shown.
    let (status, list) = get(&app, "/api/v1/entry-points", Some(&app.api_key)).await;
    assert_eq!(status, 200, "{list}");
    let codes: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 2, "{list}");
    assert!(
        codes.contains(&"SPRING-24") && codes.contains(&"flyer_7"),
        "{list}"
    );
    let (status, one) = get(&app, "/api/v1/entry-points/SPRING-24", Some(&app.api_key)).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["code"], "SPRING-24");
    assert_eq!(one["wa_me_url"], ep["wa_me_url"]);
    assert_eq!(one["categories"], json!(["offers"]));
    let (status, _) = get(&app, "/api/v1/entry-points/NOPE-NOPE", Some(&app.api_key)).await;
    assert_eq!(status, 404);

    // Duplicate.
    let (status, body) = new_entry_point(
        &app,
        &json!({"code": "SPRING-24", "name": "Again", "categories": ["offers"]}),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    // Invalid fields, each named.
    let bad = [
        (
            json!({"code": "ab", "name": "n", "categories": ["offers"]}),
            "code",
        ),
        (
            json!({"code": "has space", "name": "n", "categories": ["offers"]}),
            "code",
        ),
        (
            json!({"code": "x".repeat(33), "name": "n", "categories": ["offers"]}),
            "code",
        ),
        (
            json!({"code": "GOOD1", "name": "n", "categories": ["nonexistent"]}),
            "categories",
        ),
        (
            json!({"code": "GOOD2", "name": "n", "categories": []}),
            "categories",
        ),
        (
            json!({"code": "GOOD3", "name": "n", "categories": ["offers"], "language": "fr"}),
            "language",
        ),
        (json!({"code": "GOOD4", "categories": ["offers"]}), "name"),
    ];
    for (body, field) in bad {
        let (status, answer) = new_entry_point(&app, &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(
            details(&answer).contains(field),
            "{body}: the error must name {field}: {answer}"
        );
    }
    // None of the refused ones exists.
    let (_, list) = get(&app, "/api/v1/entry-points", Some(&app.api_key)).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2, "{list}");

    // Without a key.
    let r = app
        .client
        .post(format!("{}/api/v1/entry-points", app.address))
        .json(&json!({"code": "NOKEY", "name": "n", "categories": ["offers"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let (status, _) = get(&app, "/api/v1/entry-points", None).await;
    assert_eq!(status, 401);
    let (status, _) = get(&app, "/api/v1/entry-points/SPRING-24", None).await;
    assert_eq!(status, 401);
}

// ---------------------------------------------------------------------------
// 2–4. Terms and accept
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_first_message_with_a_code_is_held_answered_with_terms_and_released_on_accept() {
    let app = TestApp::spawn().await;
    let business = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&business)
        .await;
    let (status, body) = app
        .post_json(
            "/v1/configs/webhook",
            &app.api_key,
            &json!({"url": format!("{}/hook", business.uri())}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    entry_point(&app, "VERANO25", &["offers"], "es").await;
    let dana = person(1);

    let first = text(&app, &dana, "Hola, quiero las ofertas (VERANO25)").await;
    assert_eq!(inbound_state(&app, &first).await, "held");
    // Nothing forwarded: nothing queued, nothing delivered.
    assert_eq!(app.count("forwards").await, 0);
    assert!(
        business.received_requests().await.unwrap().is_empty(),
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
    let at = body
        .find("https://assent.example/notices/")
        .unwrap_or_else(|| panic!("a link to the notice: {body}"));
    let link: String = body[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let notice_id = link
        .strip_prefix("https://assent.example/notices/")
        .unwrap()
        .trim_end_matches(['.', ')', ','])
        .to_owned();
    assert!(!notice_id.is_empty(), "{link}");

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
    let mut forwarded = false;
    for _ in 0..600 {
        forwarded = business
            .received_requests()
            .await
            .unwrap()
            .iter()
            .any(|r| String::from_utf8_lossy(&r.body).contains(&first));
        if forwarded {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(
        forwarded,
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

// ---------------------------------------------------------------------------
// 5. Decline
// ---------------------------------------------------------------------------

#[tokio::test]
async fn declining_erases_every_trace_and_only_counts_the_decline() {
    let app = TestApp::spawn().await;
    entry_point(&app, "FLYER-9", &["offers"], "en").await;
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
    let (_, ep) = get(&app, "/api/v1/entry-points/FLYER-9", Some(&app.api_key)).await;
    assert_eq!(ep["declines"], 1, "{ep}");
    assert_eq!(number_declines(&app).await, declines_before);

    // Meta delivers the same decline again: still no trace, counted once.
    app.webhook(&decline_payload).await;
    let hits = find_everywhere(&app, &all_needles).await;
    assert!(
        hits.is_empty(),
        "traces left after a repeated decline: {hits:?}"
    );
    let (_, ep) = get(&app, "/api/v1/entry-points/FLYER-9", Some(&app.api_key)).await;
    assert_eq!(ep["declines"], 1, "{ep}");
    assert_eq!(number_declines(&app).await, declines_before);

    // Hugo came through no entry point: the number counts his decline.
    let secret2 = text(&app, &hugo, "My secret text 67890").await;
    assert_eq!(terms_messages(&app.sent_to(&hugo).await).len(), 1);
    let decline2 = press(&app, &hugo, "assent_terms_decline").await;
    let hits = find_everywhere(&app, &[&hugo, "My secret text", &secret2, &decline2]).await;
    assert!(hits.is_empty(), "traces left after a decline: {hits:?}");
    assert_eq!(number_declines(&app).await, declines_before + 1);
    let (_, ep) = get(&app, "/api/v1/entry-points/FLYER-9", Some(&app.api_key)).await;
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

// ---------------------------------------------------------------------------
// 6. Default keywords
// ---------------------------------------------------------------------------

/// The phrase that shows a STOP reply is in `language`.
fn stop_phrase(language: &str) -> &'static str {
    match language {
        "es" => "Ya no recibirás",
        "pt" => "não receberá",
        _ => "no longer receive",
    }
}

/// Entry points that set each person's language (en has none: the default).
async fn language_entry_points(app: &TestApp) {
    let all = ["order_updates", "offers", "product_news"];
    entry_point(app, "LANG-ES", &all, "es").await;
    entry_point(app, "LANG-PT", &all, "pt").await;
}

fn code_for(language: &str) -> Option<&'static str> {
    match language {
        "es" => Some("LANG-ES"),
        "pt" => Some("LANG-PT"),
        _ => None,
    }
}

#[tokio::test]
async fn every_default_stop_word_withdraws_everything_in_its_language() {
    let app = TestApp::spawn().await;
    language_entry_points(&app).await;
    // (language of the person, word, language of the reply)
    let cases = [
        ("en", "STOP", "en"),
        ("en", "UNSUBSCRIBE", "en"),
        ("en", "STOP ALL", "en"),
        ("en", "CANCEL", "en"),
        ("en", "END", "en"),
        ("en", "QUIT", "en"),
        ("es", "PARAR", "es"),
        ("es", "BAJA", "es"),
        ("es", "CANCELAR", "es"),
        ("es", "DETENER", "es"),
        ("pt", "SAIR", "pt"),
        ("pt", "PARE", "pt"),
        ("pt", "PARAR", "pt"),
        ("pt", "CANCELAR", "pt"),
        // Shared words go to Spanish for someone whose language is not known.
        ("en", "PARAR", "es"),
        // Case, spaces and punctuation do not matter.
        ("en", "  stop! ", "en"),
        ("es", "baja.", "es"),
        ("pt", "Saír", "pt"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(10 + i as u32), code_for(cases[i].0)))
        .collect();
    accepted_people(&app, &people).await;
    let replies_before: Vec<usize> = {
        let mut v = vec![];
        for (wa_id, _) in &people {
            v.push(app.sent_to(wa_id).await.len());
        }
        v
    };
    let messages: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((wa_id, _), (_, word, _))| (wa_id.clone(), word.to_owned()))
        .collect();
    each_says(&app, &messages).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (lang, word, reply_lang) = cases[i];
        assert_eq!(
            states(&app, wa_id).await,
            all_withdrawn(),
            "{word:?} said by a {lang} speaker withdraws everything"
        );
        let sent = app.sent_to(wa_id).await;
        assert_eq!(
            sent.len(),
            replies_before[i] + 1,
            "{word:?}: one reply: {sent:?}"
        );
        let reply = said(sent.last().unwrap());
        assert!(
            reply.contains(stop_phrase(reply_lang)),
            "{word:?} said by a {lang} speaker: reply in {reply_lang}: {reply}"
        );
        let consents = app.consents(&e164(wa_id)).await;
        for e in consents["events"].as_array().unwrap() {
            if e["action"] == "withdrawn" {
                assert_eq!(e["source"], "keyword", "{e}");
                assert!(
                    e["source_ref"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("stop:") && !r.contains("wamid")),
                    "{e}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_default_start_word_restores_what_stop_withdrew() {
    let app = TestApp::spawn().await;
    language_entry_points(&app).await;
    // (language, STOP word, START word, phrase of the START reply)
    let cases = [
        ("en", "STOP", "START", "again"),
        ("en", "STOP", "SUBSCRIBE", "again"),
        ("en", "STOP", "UNSTOP", "again"),
        ("en", "STOP", "  start!! ", "again"),
        ("es", "PARAR", "ALTA", "Vuelves a recibir"),
        ("es", "PARAR", "COMENZAR", "Vuelves a recibir"),
        ("es", "PARAR", "REANUDAR", "Vuelves a recibir"),
        ("pt", "SAIR", "VOLTAR", "voltou a receber"),
        ("pt", "SAIR", "INICIAR", "voltou a receber"),
        ("pt", "SAIR", "RETOMAR", "voltou a receber"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(30 + i as u32), code_for(cases[i].0)))
        .collect();
    accepted_people(&app, &people).await;
    let stops: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.1.to_owned()))
        .collect();
    each_says(&app, &stops).await;
    for (wa_id, _) in &people {
        assert_eq!(states(&app, wa_id).await, all_withdrawn());
    }
    let starts: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.2.to_owned()))
        .collect();
    each_says(&app, &starts).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (lang, _, word, phrase) = cases[i];
        assert_eq!(
            states(&app, wa_id).await,
            all_granted(),
            "{word:?} ({lang}) restores everything STOP withdrew"
        );
        let reply = last_reply(&app, wa_id).await;
        assert!(reply.contains(phrase), "{word:?} ({lang}): {reply}");
        let consents = app.consents(&e164(wa_id)).await;
        let regranted: Vec<&Value> = consents["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["source_ref"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("start:"))
            })
            .collect();
        assert_eq!(regranted.len(), 3, "{consents}");
        for e in regranted {
            assert_eq!(e["action"], "granted");
            assert_eq!(e["source"], "keyword");
        }
    }
}

#[tokio::test]
async fn start_restores_only_what_the_last_stop_withdrew() {
    let app = TestApp::spawn().await;
    let ines = person(40);
    let jon = person(41);
    accepted_people(&app, &[(ines.clone(), None), (jon.clone(), None)]).await;

    // Ines: STOP offers, then STOP, then START → offers stays withdrawn.
    text(&app, &ines, "STOP offers").await;
    assert_eq!(
        states(&app, &ines).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted")
        ])
    );
    text(&app, &ines, "STOP").await;
    assert_eq!(states(&app, &ines).await, all_withdrawn());
    text(&app, &ines, "START").await;
    assert_eq!(
        states(&app, &ines).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted")
        ]),
        "START restores only what the last STOP withdrew"
    );

    // Jon: STOP, START, then STOP product news, START → only product news back.
    text(&app, &jon, "STOP").await;
    text(&app, &jon, "START").await;
    assert_eq!(states(&app, &jon).await, all_granted());
    text(&app, &jon, "stop product news").await;
    assert_eq!(
        states(&app, &jon).await,
        expect(&[
            ("offers", "granted"),
            ("order_updates", "granted"),
            ("product_news", "withdrawn")
        ])
    );
    text(&app, &jon, "START").await;
    assert_eq!(states(&app, &jon).await, all_granted());
    // START with nothing to restore changes nothing but still answers.
    let before = event_count(&app, &jon).await;
    let replies = app.sent_to(&jon).await.len();
    text(&app, &jon, "START").await;
    assert_eq!(event_count(&app, &jon).await, before);
    assert_eq!(app.sent_to(&jon).await.len(), replies + 1);
}

#[tokio::test]
async fn every_default_help_word_answers_in_its_language() {
    let app = TestApp::spawn().await;
    language_entry_points(&app).await;
    // (language, word, phrase the reply contains)
    let cases = [
        ("en", "HELP", "+12025550100: reply STOP"),
        ("en", "INFO", "+12025550100: reply STOP"),
        ("en", "help?", "+12025550100: reply STOP"),
        ("es", "AYUDA", "responde PARAR"),
        ("es", "  ayuda  ", "responde PARAR"),
        ("pt", "AJUDA", "responda SAIR"),
        ("pt", "AjUdÁ", "responda SAIR"),
        // The word decides the language, not only the person.
        ("en", "AJUDA", "responda SAIR"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(50 + i as u32), code_for(cases[i].0)))
        .collect();
    accepted_people(&app, &people).await;
    let mut before = vec![];
    for (wa_id, _) in &people {
        before.push((
            app.sent_to(wa_id).await.len(),
            event_count(&app, wa_id).await,
        ));
    }
    let messages: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.1.to_owned()))
        .collect();
    each_says(&app, &messages).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (lang, word, phrase) = cases[i];
        assert_eq!(
            states(&app, wa_id).await,
            all_granted(),
            "{word:?}: HELP changes nothing"
        );
        assert_eq!(event_count(&app, wa_id).await, before[i].1, "{word:?}");
        let sent = app.sent_to(wa_id).await;
        assert_eq!(sent.len(), before[i].0 + 1, "{word:?}: one reply");
        let reply = said(sent.last().unwrap());
        assert!(reply.contains(phrase), "{word:?} ({lang}): {reply}");
    }
}

#[tokio::test]
async fn stop_with_a_category_withdraws_only_that_category() {
    let app = TestApp::spawn().await;
    // (text, the category withdrawn, phrase of the reply)
    let cases = [
        ("STOP offers", "offers", "no longer receive"),
        ("stop product news", "product_news", "no longer receive"),
        ("stop product_news", "product_news", "no longer receive"),
        ("BAJA Offers and promotions", "offers", "Ya no recibirás"),
        ("Stop order updates!", "order_updates", "no longer receive"),
        ("sair offers", "offers", "não receberá"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(60 + i as u32), None))
        .collect();
    accepted_people(&app, &people).await;
    let messages: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.0.to_owned()))
        .collect();
    each_says(&app, &messages).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (words, category, phrase) = cases[i];
        let mut want = all_granted();
        want.insert(category.into(), "withdrawn".into());
        assert_eq!(states(&app, wa_id).await, want, "{words:?}");
        let reply = last_reply(&app, wa_id).await;
        assert!(reply.contains(phrase), "{words:?}: {reply}");
    }
}

#[tokio::test]
async fn a_message_that_merely_contains_a_keyword_is_not_one() {
    let app = TestApp::spawn().await;
    let cases = [
        "please stop that",
        "STOP STOP",
        "I want to unsubscribe",
        "stop everything",
        "ayuda por favor",
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(70 + i as u32), None))
        .collect();
    accepted_people(&app, &people).await;
    let mut before = vec![];
    for (wa_id, _) in &people {
        before.push((
            app.sent_to(wa_id).await.len(),
            event_count(&app, wa_id).await,
        ));
    }
    let mut ids = vec![];
    for ((wa_id, _), words) in people.iter().zip(cases) {
        let id = wamid();
        post(&app, &inbound_text(wa_id, &id, words)).await;
        ids.push(id);
    }
    app.settle().await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let words = cases[i];
        assert_eq!(states(&app, wa_id).await, all_granted(), "{words:?}");
        assert_eq!(event_count(&app, wa_id).await, before[i].1, "{words:?}");
        assert_eq!(
            app.sent_to(wa_id).await.len(),
            before[i].0,
            "{words:?}: no reply"
        );
        assert_eq!(
            inbound_state(&app, &ids[i]).await,
            "released",
            "{words:?} goes to the business"
        );
    }

    // For someone who has not accepted, it is held (and answered with the terms).
    let kim = person(79);
    let id = text(&app, &kim, "please stop that").await;
    assert_eq!(inbound_state(&app, &id).await, "held");
    assert_eq!(terms_messages(&app.sent_to(&kim).await).len(), 1);
}

// ---------------------------------------------------------------------------
// 7. Configured keywords
// ---------------------------------------------------------------------------

#[tokio::test]
async fn configured_keywords_replace_the_defaults() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post_json(
            "/api/v1/keywords",
            &app.api_key,
            &json!({"language": "en", "action": "stop", "words": ["HALT"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, list) = get(&app, "/api/v1/keywords", Some(&app.api_key)).await;
    assert_eq!(status, 200, "{list}");
    let words = list["data"].as_array().unwrap();
    let en_stop: Vec<&str> = words
        .iter()
        .filter(|w| w["language"] == "en" && w["action"] == "stop")
        .map(|w| w["word"].as_str().unwrap())
        .collect();
    assert_eq!(en_stop, vec!["HALT"], "{list}");
    // Other lists keep their defaults.
    assert!(
        words
            .iter()
            .any(|w| w["language"] == "es" && w["action"] == "stop" && w["word"] == "PARAR"),
        "{list}"
    );
    assert!(
        words
            .iter()
            .any(|w| w["language"] == "en" && w["action"] == "start" && w["word"] == "START"),
        "{list}"
    );

    let lea = person(80);
    let max = person(81);
    accepted_people(&app, &[(lea.clone(), None), (max.clone(), None)]).await;
    text(&app, &lea, "halt").await;
    assert_eq!(states(&app, &lea).await, all_withdrawn());
    assert!(last_reply(&app, &lea).await.contains("no longer receive"));

    let replies = app.sent_to(&max).await.len();
    let id = text(&app, &max, "STOP").await;
    assert_eq!(
        states(&app, &max).await,
        all_granted(),
        "STOP was replaced by HALT"
    );
    assert_eq!(inbound_state(&app, &id).await, "released");
    assert_eq!(app.sent_to(&max).await.len(), replies);

    // Bad requests name their field; nothing changes.
    for (body, field) in [
        (
            json!({"language": "en", "action": "explode", "words": ["X"]}),
            "action",
        ),
        (
            json!({"language": "EN!", "action": "stop", "words": ["X"]}),
            "language",
        ),
        (
            json!({"language": "en", "action": "stop", "words": [""]}),
            "words",
        ),
    ] {
        let (status, answer) = app.post_json("/api/v1/keywords", &app.api_key, &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(details(&answer).contains(field), "{body}: {answer}");
    }
    let r = app
        .client
        .get(format!("{}/api/v1/keywords", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // An empty list restores the defaults.
    let (status, body) = app
        .post_json(
            "/api/v1/keywords",
            &app.api_key,
            &json!({"language": "en", "action": "stop", "words": []}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    text(&app, &max, "STOP").await;
    assert_eq!(states(&app, &max).await, all_withdrawn());
}

// ---------------------------------------------------------------------------
// 8. The Stop promotions button
// ---------------------------------------------------------------------------

#[tokio::test]
async fn the_stop_promotions_button_withdraws_marketing_only() {
    let app = TestApp::spawn().await;
    let ned = person(85);
    let olga = person(86);
    let pia = person(87);
    accepted_people(
        &app,
        &[
            (ned.clone(), None),
            (olga.clone(), None),
            (pia.clone(), None),
        ],
    )
    .await;
    let marketing_withdrawn = expect(&[
        ("offers", "withdrawn"),
        ("order_updates", "granted"),
        ("product_news", "withdrawn"),
    ]);

    app.webhook(&inbound_message(
        &ned,
        &wamid(),
        json!({"type": "button", "button": {"payload": "STOP_PROMOTIONS", "text": "Stop promotions"}}),
    ))
    .await;
    assert_eq!(states(&app, &ned).await, marketing_withdrawn);
    let reply = last_reply(&app, &ned).await;
    assert!(reply.contains("promotions"), "{reply}");

    app.webhook(&inbound_message(
        &olga,
        &wamid(),
        json!({"type": "button", "button": {"payload": "campaign-42-unsub", "text": "Detener promociones"}}),
    ))
    .await;
    assert_eq!(states(&app, &olga).await, marketing_withdrawn);
    let reply = last_reply(&app, &olga).await;
    assert!(reply.contains("Ya no recibirás promociones"), "{reply}");

    // Another quick reply is not a stop.
    app.webhook(&inbound_message(
        &pia,
        &wamid(),
        json!({"type": "button", "button": {"payload": "MORE_INFO", "text": "Tell me more"}}),
    ))
    .await;
    assert_eq!(states(&app, &pia).await, all_granted());
}

// ---------------------------------------------------------------------------
// 9. Idempotence
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_second_stop_writes_no_new_events() {
    let app = TestApp::spawn().await;
    let quin = person(90);
    accepted_people(&app, &[(quin.clone(), None)]).await;
    text(&app, &quin, "STOP").await;
    assert_eq!(states(&app, &quin).await, all_withdrawn());
    let events = event_count(&app, &quin).await;
    assert_eq!(events, 6, "three grants and three withdrawals");
    let ledger = app.count("ledger_events").await;

    text(&app, &quin, "STOP").await;
    assert_eq!(event_count(&app, &quin).await, events);
    assert_eq!(app.count("ledger_events").await, ledger);
    assert_eq!(states(&app, &quin).await, all_withdrawn());

    // The same START delivered twice (in two different payloads): one effect, one reply.
    let id = wamid();
    let replies = app.sent_to(&quin).await.len();
    app.webhook(&inbound_text(&quin, &id, "START")).await;
    app.webhook(&inbound_text(&quin, &id, "START ")).await;
    assert_eq!(app.sent_to(&quin).await.len(), replies + 1);
    assert_eq!(states(&app, &quin).await, all_granted());
    assert_eq!(event_count(&app, &quin).await, events + 3);
}

#[tokio::test]
async fn start_leaves_alone_what_was_changed_after_the_stop() {
    let app = TestApp::spawn().await;
    let fay = person(90);
    text(&app, &fay, "Hi").await;
    press(&app, &fay, "assent_terms_accept").await;
    text(&app, &fay, "STOP").await;
    // After the STOP, offers is granted again and then withdrawn through the API:
    // that later choice is the person's last word, not the STOP's.
    app.consent(&e164(&fay), "offers", "grant").await;
    app.consent(&e164(&fay), "offers", "withdraw").await;
    text(&app, &fay, "START").await;
    assert_eq!(
        states(&app, &fay).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted")
        ])
    );
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
async fn accepting_grants_what_the_terms_showed_even_if_a_code_comes_later() {
    let app = TestApp::spawn().await;
    entry_point(&app, "LATE01", &["offers"], "en").await;
    let hal = person(92);
    text(&app, &hal, "Hi").await;
    // A code after the terms were shown must not change what accepting grants.
    text(&app, &hal, "LATE01").await;
    press(&app, &hal, "assent_terms_accept").await;
    assert_eq!(states(&app, &hal).await, all_granted());
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
