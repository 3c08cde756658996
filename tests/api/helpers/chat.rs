//! A person's side of the chat: people with their own numbers, messages and button
//! presses posted as Meta would, and readers for what Assent answered and recorded.

use super::{TestApp, for_number, inbound_button_reply, inbound_text};
use serde_json::Value;
use std::collections::BTreeMap;

/// A distinct, valid Spanish mobile per person: 346123457NN.
pub fn person(n: u32) -> String {
    assert!(n < 100);
    format!("346123457{n:02}")
}

pub fn e164(wa_id: &str) -> String {
    format!("+{wa_id}")
}

/// A message id that names nobody (real wamids encode the phone number; these do
/// not, so a search for the digits only finds real copies of the number).
pub fn wamid() -> String {
    format!("wamid.T{}", uuid::Uuid::new_v4().simple())
}

/// The person writes `body`; returns the message id once it is processed.
pub async fn text(app: &TestApp, wa_id: &str, body: &str) -> String {
    let id = wamid();
    app.webhook(&inbound_text(wa_id, &id, body)).await;
    id
}

/// The person writes `body` to another of our numbers, whose webhooks Meta signs
/// with `app_secret`; returns the message id once it is processed.
pub async fn text_to(
    app: &TestApp,
    phone_number_id: &str,
    app_secret: &str,
    wa_id: &str,
    body: &str,
) -> String {
    let id = wamid();
    let payload = for_number(inbound_text(wa_id, &id, body), phone_number_id);
    app.webhook_with_secret(&payload, app_secret).await;
    id
}

/// The person presses a reply button; returns the message id once it is processed.
pub async fn press(app: &TestApp, wa_id: &str, button_id: &str) -> String {
    let id = wamid();
    app.webhook(&inbound_button_reply(wa_id, &id, button_id))
        .await;
    id
}

/// category → state ("granted", "withdrawn", "none").
pub async fn states(app: &TestApp, wa_id: &str) -> BTreeMap<String, String> {
    let body = app.consents(&e164(wa_id)).await;
    body["categories"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v["state"].as_str().unwrap().to_owned()))
        .collect()
}

pub fn expect(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn all_granted() -> BTreeMap<String, String> {
    expect(&[
        ("offers", "granted"),
        ("order_updates", "granted"),
        ("product_news", "granted"),
    ])
}

pub fn all_withdrawn() -> BTreeMap<String, String> {
    expect(&[
        ("offers", "withdrawn"),
        ("order_updates", "withdrawn"),
        ("product_news", "withdrawn"),
    ])
}

pub async fn event_count(app: &TestApp, wa_id: &str) -> usize {
    app.consents(&e164(wa_id)).await["events"]
        .as_array()
        .unwrap()
        .len()
}

/// The state of one category in a `GET /api/v1/consents` answer.
pub fn state_of(consents: &Value, category: &str) -> String {
    consents["categories"][category]["state"]
        .as_str()
        .unwrap_or("none")
        .to_owned()
}

/// The events of a `GET /api/v1/consents` answer with this source.
pub fn events_by_source<'a>(consents: &'a Value, source: &str) -> Vec<&'a Value> {
    consents["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == source)
        .collect()
}

/// The text of a text message, or the body of an interactive one.
pub fn said(message: &Value) -> String {
    match message["type"].as_str() {
        Some("text") => message["text"]["body"].as_str().unwrap().to_owned(),
        Some("interactive") => message["interactive"]["body"]["text"]
            .as_str()
            .unwrap()
            .to_owned(),
        _ => panic!("unexpected message {message}"),
    }
}

/// Whether a message Assent sent is the terms (with the Accept button).
pub fn is_terms(message: &Value) -> bool {
    message["type"] == "interactive"
        && message["interactive"]["action"]["buttons"][0]["reply"]["id"] == "assent_terms_accept"
}

pub fn terms_messages(sent: &[Value]) -> Vec<&Value> {
    sent.iter().filter(|m| is_terms(m)).collect()
}

/// The link to the notice in the terms Assent sent, and the notice's id.
pub fn notice_link(terms: &str) -> (String, String) {
    let at = terms
        .find("https://assent.example/notices/")
        .unwrap_or_else(|| panic!("a link to the notice: {terms}"));
    let link: String = terms[at..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let notice_id = link
        .strip_prefix("https://assent.example/notices/")
        .unwrap()
        .trim_end_matches(['.', ')', ','])
        .to_owned();
    assert!(!notice_id.is_empty(), "{link}");
    (link, notice_id)
}

/// Each person writes (a first message containing the entry point's code when
/// they have one) and then accepts the terms: all in two batches.
pub async fn accepted_people(app: &TestApp, people: &[(String, Option<&str>)]) {
    for (wa_id, code) in people {
        let first = match code {
            Some(code) => format!("Hi ({code})"),
            None => "Hi".to_owned(),
        };
        app.webhook_unsettled(&inbound_text(wa_id, &wamid(), &first))
            .await;
    }
    app.settle().await;
    for (wa_id, _) in people {
        app.webhook_unsettled(&inbound_button_reply(
            wa_id,
            &wamid(),
            "assent_terms_accept",
        ))
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
pub async fn each_says(app: &TestApp, messages: &[(String, String)]) {
    for (wa_id, words) in messages {
        app.webhook_unsettled(&inbound_text(wa_id, &wamid(), words))
            .await;
    }
    app.settle().await;
}

pub async fn last_reply(app: &TestApp, wa_id: &str) -> String {
    said(app.sent_to(wa_id).await.last().expect("a reply"))
}
