//! Recording and reading consent (SPEC §4): a grant with its evidence, a withdrawal
//! chained onto it, a double opt-in, and invalid requests that append nothing.

use crate::helpers::ledger::*;
use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn a_grant_is_recorded_with_its_evidence_and_a_withdrawal_chains_onto_it() {
    let app = TestApp::spawn().await;

    let body = ok_consent(&app, ALICE, "offers", "grant").await;
    let first = &body["event"];
    assert_eq!(first["category"], "offers");
    assert_eq!(first["action"], "granted");
    assert_eq!(first["source"], "api");
    assert_eq!(first["notice_version"], "v1");
    assert_eq!(first["notice_sha256"], sha256_hex(NOTICE).as_str());
    assert!(
        first["actor"].as_str().unwrap().starts_with("api_key:"),
        "{first}"
    );
    assert_eq!(first["seq"], 1);
    assert_eq!(
        first["prev_hash"], GENESIS,
        "the first event follows genesis"
    );
    assert!(is_hex64(first["hash"].as_str().unwrap()), "{first}");
    assert!(
        time::OffsetDateTime::parse(
            first["created_at"].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339
        )
        .is_ok(),
        "created_at is an RFC 3339 UTC time: {first}"
    );
    assert_eq!(body["state"]["state"], "granted");

    // The IP and user agent are kept as evidence of this event, outside the chain,
    // and the chain holds the SHA-256 of exactly that evidence.
    let (evidence, evidence_sha): (String, Option<String>) = sqlx::query_as(
        "SELECT ev.body, e.evidence_sha256 FROM ledger_evidence ev JOIN ledger_events e ON e.id = ev.event_id WHERE e.id = $1",
    )
    .bind(first["id"].as_str().unwrap())
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    let evidence_json: Value = serde_json::from_str(&evidence).unwrap();
    assert_eq!(evidence_json["evidence"]["ip"], ALICE_IP);
    assert_eq!(evidence_json["evidence"]["user_agent"], "test");
    assert_eq!(
        evidence_sha.as_deref(),
        Some(sha256_hex(&evidence).as_str())
    );

    let read = app.consents(ALICE).await;
    assert_eq!(read["phone"], ALICE);
    let categories = read["categories"].as_object().unwrap();
    let mut names: Vec<&str> = categories.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut expected = CATEGORIES.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "every known category is shown: {read}");
    assert_eq!(categories["offers"]["state"], "granted");
    assert_eq!(categories["order_updates"]["state"], "none");
    assert_eq!(categories["product_news"]["state"], "none");
    assert_eq!(read["events"].as_array().unwrap().len(), 1);

    let body = ok_consent(&app, ALICE, "offers", "withdraw").await;
    assert_eq!(body["event"]["action"], "withdrawn");
    assert_eq!(body["state"]["state"], "withdrawn");

    let read = app.consents(ALICE).await;
    assert_eq!(read["categories"]["offers"]["state"], "withdrawn");
    let events = read["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{read}");
    assert_eq!(
        (events[0]["seq"].as_i64(), events[1]["seq"].as_i64()),
        (Some(1), Some(2))
    );
    assert_eq!(events[0]["action"], "granted");
    assert_eq!(events[1]["action"], "withdrawn");
    assert_eq!(
        events[1]["prev_hash"], events[0]["hash"],
        "the withdrawal chains onto the grant"
    );
    assert_ne!(events[1]["hash"], events[0]["hash"]);
    assert_eq!(app.count("ledger_events").await, 2);
}

#[tokio::test]
async fn a_double_opt_in_is_pending_until_confirmed_and_only_a_pending_one_can_be_confirmed() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .register_template("confirm_offers", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");

    let (status, body) = consent_body(
        &app,
        json!({"phone": ALICE, "category": "offers", "action": "grant",
               "confirmation_template": "confirm_offers",
               "evidence": {"notice_version": "v1", "notice_text": NOTICE}}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["event"]["action"], "granted");
    assert_eq!(body["event"]["confirmation_template"], "confirm_offers");
    assert_eq!(body["state"]["state"], "pending");
    assert_eq!(
        app.consents(ALICE).await["categories"]["offers"]["state"],
        "pending"
    );

    let body = ok_consent(&app, ALICE, "offers", "confirm").await;
    assert_eq!(body["event"]["action"], "confirmed");
    assert_eq!(body["state"]["state"], "granted");
    assert_eq!(
        app.consents(ALICE).await["categories"]["offers"]["state"],
        "granted"
    );
    assert_eq!(app.count("ledger_events").await, 2);

    // Nothing is pending any more, nor was anything ever pending for product_news.
    for category in ["offers", "product_news"] {
        let (status, body) = app.consent(ALICE, category, "confirm").await;
        assert_eq!(status, 400, "confirm {category}: {body}");
        let details = body["error"]["error_data"]["details"].as_str().unwrap();
        assert!(details.starts_with("action:"), "{details}");
    }
    assert_eq!(
        app.count("ledger_events").await,
        2,
        "a refused confirmation appends nothing"
    );
}

#[tokio::test]
async fn invalid_consent_requests_are_refused_naming_the_field_and_append_nothing() {
    let app = TestApp::spawn().await;
    let valid = json!({"phone": ALICE, "category": "offers", "action": "grant",
        "evidence": {"notice_version": "v1", "notice_text": NOTICE, "notice_sha256": sha256_hex(NOTICE),
                     "ip": ALICE_IP, "user_agent": "test"}});
    let (status, body) = consent_body(&app, valid.clone()).await;
    assert_eq!(status, 201, "the valid request the others alter: {body}");
    let events = app.count("ledger_events").await;
    let contacts = app.count("contacts").await;

    let with = |path: &[&str], value: Value| {
        let mut body = valid.clone();
        let mut at = &mut body;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        body
    };
    let cases = [
        (
            "unknown category",
            with(&["category"], json!("newsletter")),
            "category",
        ),
        (
            "letters in phone",
            with(&["phone"], json!("+34 abc")),
            "phone",
        ),
        (
            "category of the wrong type",
            with(&["category"], json!(5)),
            "category",
        ),
        (
            "unknown evidence field",
            with(&["evidence", "colour"], json!("red")),
            "evidence",
        ),
        (
            "bad evidence.ip",
            with(&["evidence", "ip"], json!("203.0.113.999")),
            "evidence.ip",
        ),
        (
            "notice_sha256 not of notice_text",
            with(
                &["evidence", "notice_sha256"],
                json!(sha256_hex("Another notice.")),
            ),
            "evidence.notice_sha256",
        ),
    ];
    for (what, body, field) in cases {
        // A new person each time, so a wrongly accepted request would also show as a
        // new contact.
        let body = if field == "phone" {
            body
        } else {
            let mut b = body;
            b["phone"] = json!(BOB);
            b
        };
        let (status, answer) = consent_body(&app, body).await;
        assert_eq!(status, 400, "{what}: {answer}");
        let details = details(&answer);
        assert!(
            details.starts_with(field),
            "{what}: details should name {field}: {details}"
        );
        match what {
            "unknown category" => {
                for known in CATEGORIES {
                    assert!(details.contains(known), "lists {known}: {details}");
                }
            }
            "unknown evidence field" => assert!(details.contains("colour"), "{details}"),
            _ => {}
        }
    }
    assert_eq!(app.count("ledger_events").await, events, "nothing appended");
    assert_eq!(app.count("contacts").await, contacts, "nobody stored");
}

#[tokio::test]
async fn a_read_finds_a_person_by_user_id_and_names_every_category_for_someone_unknown() {
    let app = TestApp::spawn().await;
    let get = |query: (&'static str, &'static str)| {
        let app = &app;
        async move {
            let r = app
                .client
                .get(app.url("/api/v1/consents"))
                .query(&[query])
                .bearer_auth(&app.api_key)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    let user = "US.13491208655302741918";
    let (status, body) = consent_body(
        &app,
        json!({"user_id": user, "category": "offers", "action": "grant"}),
    )
    .await;
    assert_eq!(status, 201, "{body}");

    let known = get(("user_id", user)).await;
    assert_eq!(known["user_id"], user);
    assert_eq!(known["categories"]["offers"]["state"], "granted", "{known}");
    assert_eq!(
        known["categories"]["order_updates"]["state"], "none",
        "{known}"
    );
    assert_eq!(known["events"].as_array().unwrap().len(), 1, "{known}");
    assert_eq!(known["events"][0]["category"], "offers");

    // Nobody by this number: every category, none of them given, no events.
    let unknown = get(("phone", "+34699000111")).await;
    let categories = unknown["categories"].as_object().unwrap();
    let mut names: Vec<&str> = categories.keys().map(String::as_str).collect();
    names.sort_unstable();
    let mut expected = CATEGORIES.to_vec();
    expected.sort_unstable();
    assert_eq!(names, expected, "{unknown}");
    assert!(
        categories
            .values()
            .all(|c| c["state"] == "none" && c["since"].is_null()),
        "{unknown}"
    );
    assert_eq!(unknown["events"], json!([]));
    assert!(unknown.get("events_before").is_none(), "{unknown}");
}
