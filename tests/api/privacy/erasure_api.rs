//! `POST /api/v1/erasures`: erases the person of the key's number, answers what
//! was removed, and answers 200 again, saying that nothing was left, when asked
//! twice.

use crate::helpers::chat::e164;
use crate::helpers::ledger::verify;
use crate::helpers::people::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn an_erasure_request_erases_once_and_then_answers_that_nothing_was_left() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    history(&app, 2).await;
    let phone = e164(&ana.wa_id);
    let said = words(1);
    let needles = [&ana.wa_id[2..], &said, ana.accept_message.as_str()];
    let (sent,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM messages WHERE contact_id = $1")
        .bind(&ana.contact_id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    let events = app.count("ledger_events").await;

    let first = app.erase_through_api(&phone).await;
    assert_eq!(first["erased"], true, "{first}");
    assert_eq!(first["phone"], phone.as_str());
    assert_eq!(first["contact_id"], ana.contact_id.as_str());
    assert_eq!(
        first["removed"],
        json!({"contact": 1, "consent_evidence": 4, "messages_sent": sent,
               "messages_received": 2, "blocked_sends": 1, "forwards_owed": 0}),
        "{first}"
    );
    assert_eq!(first["kept"]["suppression_keys"], 1);
    assert_eq!(first["ledger_event"]["seq"], events + 1);
    assert!(find_everywhere(&app, &needles).await.is_empty());
    assert!(verify(&app).ok());
    let (source, actor, key_id): (String, String, String) = sqlx::query_as(
        "SELECT e.source, e.actor, k.id FROM ledger_events e, api_keys k \
         WHERE e.action = 'erased' AND k.name = 'tests'",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        (source.as_str(), actor.clone()),
        ("api", format!("api_key:{key_id}"))
    );
    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    assert_eq!(audited.len(), 1);
    assert_eq!(
        (
            audited[0].0.as_str(),
            audited[0].1.as_str(),
            audited[0].2.as_str()
        ),
        (actor.as_str(), "tests", "contact.erased")
    );

    let second = app.erase_through_api(&phone).await;
    assert_eq!(second["erased"], false, "{second}");
    assert_eq!(second["suppressed"], true);
    assert_eq!(
        second["removed"],
        json!({"contact": 0, "consent_evidence": 0, "messages_sent": 0,
               "messages_received": 0, "blocked_sends": 0, "forwards_owed": 0})
    );
    assert!(
        second["details"]
            .as_str()
            .unwrap()
            .starts_with("Nothing was left to erase"),
        "{second}"
    );
    assert_eq!(
        app.count("ledger_events").await,
        events + 1,
        "one erasure only"
    );
    assert_eq!(
        audit_of(&app, &format!("contact:{}", ana.contact_id))
            .await
            .len(),
        1
    );

    // She is not messaged again.
    let (status, body) = app.send(&template_body(&phone, "order_shipped")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470101), "{body}");
}

#[tokio::test]
async fn a_key_erases_only_its_own_numbers_people() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let other = app
        .add_number(new_number("200000000000002", "+12025550111"))
        .await;
    let other_key = app.api_key_for(&other, "other shop").await;
    let (status, answer) = app
        .erasure_request(&other_key, &json!({"phone": e164(&ana.wa_id)}))
        .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["erased"], false);
    assert_eq!(answer["suppressed"], false);
    assert!(
        answer["details"]
            .as_str()
            .unwrap()
            .contains("holds nothing")
    );
    assert_eq!(app.count("contacts").await, 1, "Ana is still there");
    assert_eq!(app.count("suppressions").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
}

#[tokio::test]
async fn a_person_known_by_user_id_is_erased_by_it() {
    let app = TestApp::spawn().await;
    let user_id = "US.13491208655302741918";
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"user_id": user_id, "category": "offers", "action": "grant"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let answer = app
        .erasure_request(&app.api_key, &json!({ "user_id": user_id }))
        .await;
    assert_eq!(answer.0, 200, "{}", answer.1);
    assert_eq!(answer.1["erased"], true);
    assert_eq!(answer.1["user_id"], user_id);
    assert!(find_everywhere(&app, &[user_id]).await.is_empty());
    let again = app
        .erasure_request(&app.api_key, &json!({ "user_id": user_id }))
        .await;
    assert_eq!(
        (again.1["erased"].clone(), again.1["suppressed"].clone()),
        (json!(false), json!(true))
    );
}

#[tokio::test]
async fn a_bad_erasure_request_gets_a_meta_shaped_error_and_erases_nothing() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let before = (
        app.count("contacts").await,
        app.count("ledger_events").await,
    );
    for (body, code_wanted, field) in [
        (json!({}), 131008, "phone"),
        (
            json!({"phone": e164(&ana.wa_id), "user_id": "US.1"}),
            100,
            "phone",
        ),
        (json!({"phone": "call me"}), 100, "phone"),
        (json!({"phone": "+34"}), 100, "phone"),
        (json!({"user_id": "nobody"}), 100, "user_id"),
        (
            json!({"phone": e164(&ana.wa_id), "reason": "asked"}),
            100,
            "reason",
        ),
        (json!({"phone": 34612345701u64}), 100, "phone"),
        (json!([e164(&ana.wa_id)]), 100, "(body)"),
    ] {
        let (status, answer) = app.erasure_request(&app.api_key, &body).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(code(&answer), code_wanted, "{body}: {answer}");
        assert!(details(&answer).contains(field), "{body}: {answer}");
    }
    let (status, answer) = app
        .post_raw(
            "/api/v1/erasures",
            &[("authorization", &format!("Bearer {}", app.api_key))],
            "{\"phone\":",
        )
        .await;
    assert_eq!(status, 400, "{answer}");
    let (status, answer) = app
        .erasure_request("not-a-key", &json!({"phone": e164(&ana.wa_id)}))
        .await;
    assert_eq!((status, code(&answer)), (401, 190));
    let (status, _) = app.get_json("/api/v1/erasures", Some(&app.api_key)).await;
    assert_eq!(status, 405);
    assert_eq!(
        (
            app.count("contacts").await,
            app.count("ledger_events").await
        ),
        before,
        "nothing erased"
    );
    assert!(
        audit_of(&app, &format!("contact:{}", ana.contact_id))
            .await
            .is_empty()
    );
}
