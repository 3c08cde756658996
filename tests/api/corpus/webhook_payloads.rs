//! Every webhook payload of the fixture corpus (pywa's and Meta's OpenAPI examples)
//! must be accepted and processed: messages recorded, statuses applied, number
//! changes followed.

use crate::helpers::fixtures::corpus_root;
use crate::helpers::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const CORPUS_APP_SECRET: &str = "corpus-secret";

/// Every webhook payload of the corpus, named `file:example`, in a stable order:
/// pywa's files by name, then Meta's OpenAPI examples.
fn webhook_payloads(root: &std::path::Path) -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("pywa"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files.push(root.join("meta-openapi/webhook_examples.json"));
    let mut payloads = vec![];
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let examples: serde_json::Map<String, Value> =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for (name, payload) in examples {
            payloads.push((format!("{stem}:{name}"), payload));
        }
    }
    payloads
}

/// Each change of a payload: (its field, its value).
fn changes(payload: &Value) -> impl Iterator<Item = (&str, &Value)> {
    payload["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten())
        .map(|c| (c["field"].as_str().unwrap_or_default(), &c["value"]))
}

fn list(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// `metadata.phone_number_id` when it is a real id (digits), not a placeholder.
fn real_number(value: &Value) -> Option<&str> {
    value["metadata"]["phone_number_id"]
        .as_str()
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()))
}

async fn scalar(app: &TestApp, sql: &str, binds: &[&str]) -> i64 {
    let mut q = sqlx::query_as::<_, (i64,)>(sqlx::AssertSqlSafe(sql.to_owned()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.fetch_one(&app.raw_db().pool).await.unwrap().0
}

#[tokio::test]
async fn every_webhook_payload_of_the_corpus_is_accepted_and_processed() {
    let Some(root) = corpus_root() else { return };
    let payloads = webhook_payloads(&root);
    assert!(
        payloads.len() >= 74 + 16,
        "pywa's 74 and Meta's 16 payloads, got {}",
        payloads.len()
    );

    // What the corpus carries, for the numbers it names.
    let mut numbers = BTreeSet::new();
    // (phone_number_id, message id) of every inbound message that must be recorded.
    let mut messages = BTreeSet::new();
    // (phone_number_id, old wa_id, new wa_id) of number changes.
    let mut number_changes = BTreeSet::new();
    // (phone_number_id, status id, status) of every message status.
    let mut statuses = BTreeSet::new();
    for (_, payload) in &payloads {
        for (field, value) in changes(payload) {
            let Some(number) = real_number(value) else {
                continue;
            };
            numbers.insert(number.to_owned());
            if field != "messages" {
                continue;
            }
            for m in list(&value["messages"]) {
                let id = m["id"].as_str().unwrap().to_owned();
                if m["type"] == "system" && m["system"]["type"] == "user_changed_number" {
                    number_changes.insert((
                        number.to_owned(),
                        m["from"].as_str().unwrap().to_owned(),
                        m["system"]["wa_id"].as_str().unwrap().to_owned(),
                    ));
                } else {
                    messages.insert((number.to_owned(), id));
                }
            }
            for st in list(&value["statuses"]) {
                statuses.insert((
                    number.to_owned(),
                    st["id"].as_str().unwrap().to_owned(),
                    st["status"].as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    assert!(numbers.len() >= 3, "{numbers:?}");
    assert!(messages.len() >= 15, "{messages:?}");
    assert!(!statuses.is_empty());
    assert!(!number_changes.is_empty());

    let app = TestApp::spawn().await;
    for (n, id) in numbers.iter().enumerate() {
        let display = format!("+120255502{n:02}");
        let out = cli(
            &app.db.url,
            &[
                "number",
                "add",
                "--phone-number-id",
                id,
                "--display-number",
                &display,
                "--provider",
                "sandbox",
                "--app-secret",
                CORPUS_APP_SECRET,
            ],
            None,
        );
        assert!(out.ok(), "number add {id}: {}", out.stderr);
    }

    // One message of ours per status id the corpus reports on: sent through the API,
    // then given the fixture's id as Meta's id, with no status recorded yet.
    let status_ids: BTreeSet<(String, String)> = statuses
        .iter()
        .map(|(number, id, _)| (number.clone(), id.clone()))
        .collect();
    let mut ours: BTreeMap<(String, String), String> = BTreeMap::new();
    for (number, fixture_id) in &status_ids {
        let key = app.api_key_for_id(number, "corpus").await;
        app.inbound_on(number, ALICE, Duration::ZERO).await;
        let (status, answer) = app
            .post_json(
                &format!("/v23.0/{number}/messages"),
                &key,
                &text_body(ALICE, "Your order shipped"),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        let id = answer["messages"][0]["id"].as_str().unwrap().to_owned();
        app.drain().await;
        sqlx::query("UPDATE messages SET provider_message_id = $1 WHERE id = $2")
            .bind(fixture_id)
            .bind(&id)
            .execute(&app.raw_db().pool)
            .await
            .unwrap();
        sqlx::query("DELETE FROM message_statuses WHERE message_id = $1")
            .bind(&id)
            .execute(&app.raw_db().pool)
            .await
            .unwrap();
        ours.insert((number.clone(), fixture_id.clone()), id);
    }

    // Every payload, exactly as a signed POST from Meta.
    let mut refused = vec![];
    for (name, payload) in &payloads {
        let bytes = serde_json::to_vec(payload).unwrap();
        let r = app.webhook_signed(&bytes, Some(CORPUS_APP_SECRET)).await;
        let status = r.status();
        if status != 200 {
            refused.push(format!(
                "{name}: {status} {}",
                r.text().await.unwrap_or_default()
            ));
        }
    }
    assert!(
        refused.is_empty(),
        "{} of {} corpus payloads were refused:\n{}",
        refused.len(),
        payloads.len(),
        refused.join("\n")
    );

    // Processed: nothing pending, nothing failing.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let pending = scalar(
            &app,
            "SELECT COUNT(*) FROM webhook_payloads WHERE state = 'pending'",
            &[],
        )
        .await;
        let outbox = assent::sending::outbox::depth(app.raw_db()).await.unwrap();
        if pending == 0 && outbox == 0 {
            break;
        }
        if Instant::now() > deadline {
            let stuck: Vec<(i64, Option<String>, String)> = sqlx::query_as(
                "SELECT attempts, last_error, body FROM webhook_payloads WHERE state = 'pending'",
            )
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
            panic!("{pending} payloads still pending after 20 s (outbox {outbox}): {stuck:#?}");
        }
        if !app.step().await {
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    let errored: Vec<(Option<String>,)> =
        sqlx::query_as("SELECT last_error FROM webhook_payloads WHERE last_error IS NOT NULL")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(errored.is_empty(), "{errored:?}");

    let mut missing = vec![];
    for (number, id) in &messages {
        let n = scalar(
            &app,
            "SELECT COUNT(*) FROM inbound_messages im JOIN business_numbers b ON b.id = im.business_number_id \
             WHERE b.phone_number_id = $1 AND im.id = $2",
            &[number, id],
        )
        .await;
        if n != 1 {
            missing.push(format!("message {id} on {number}: {n} rows"));
        }
    }
    for (number, id, status) in &statuses {
        let n = scalar(
            &app,
            "SELECT COUNT(*) FROM message_statuses s JOIN messages m ON m.id = s.message_id \
             JOIN business_numbers b ON b.id = m.business_number_id \
             WHERE b.phone_number_id = $1 AND m.provider_message_id = $2 AND s.status = $3",
            &[number, id, status],
        )
        .await;
        if n != 1 {
            missing.push(format!("status {status} of {id} on {number}: {n} rows"));
        }
    }
    for (number, old, new) in &number_changes {
        let n = scalar(
            &app,
            "SELECT COUNT(*) FROM contacts c JOIN business_numbers b ON b.id = c.business_number_id \
             WHERE b.phone_number_id = $1 AND c.wa_id = $2",
            &[number, new],
        )
        .await;
        if n != 1 {
            missing.push(format!("contact {new} (was {old}) on {number}: {n} rows"));
        }
    }
    assert!(missing.is_empty(), "not processed:\n{}", missing.join("\n"));

    // A status never moves a message backwards: the last word on each is the
    // highest-ranked status the corpus carried for it.
    for ((number, fixture_id), id) in &ours {
        let carried: Vec<&str> = statuses
            .iter()
            .filter(|(n, i, _)| n == number && i == fixture_id)
            .map(|(_, _, s)| s.as_str())
            .collect();
        let (status, error_code): (String, Option<i64>) =
            sqlx::query_as("SELECT status, error_code FROM messages WHERE id = $1")
                .bind(id)
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
        if carried.contains(&"failed") {
            assert_eq!(status, "failed", "{fixture_id}: {carried:?}");
            assert!(error_code.is_some(), "{fixture_id}: the error code is kept");
        }
    }
}
