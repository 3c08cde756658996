//! Erasure from a person's page: a page that says what will go and what stays,
//! then a form (POST, with the session's CSRF token) that erases through
//! `privacy::erase`; afterwards the page shows the suppression entry and a
//! ledger that still verifies.

use crate::helpers::chat::e164;
use crate::helpers::ledger::verify;
use crate::helpers::people::*;
use crate::helpers::*;

async fn messages_of(app: &TestApp, contact_id: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM messages WHERE contact_id = $1")
        .bind(contact_id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn the_confirmation_page_says_exactly_what_goes_and_what_stays() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    app.as_compliance().await;
    let sent = messages_of(&app, &ana.contact_id).await;
    let html = app
        .console_page(&format!("/admin/contacts/{}/erase", ana.contact_id))
        .await;
    let phone = e164(&ana.wa_id);
    assert!(html.contains(&format!("<h1>Erase {phone}?</h1>")), "{html}");
    for line in [
        format!("The contact: phone number {phone}"),
        "The evidence of 4 consent events".to_owned(),
        format!("{sent} messages sent to them"),
        "2 messages received from them".to_owned(),
        "1 refused send to them".to_owned(),
        "The 4 consent events in the ledger, which name only the random id".to_owned(),
        "A keyed hash of the number on the suppression list".to_owned(),
        "An entry in the audit log".to_owned(),
    ] {
        assert!(html.contains(&line), "{line}: {html}");
    }
    assert!(html.contains(&format!(
        r#"<form method="post" action="/admin/contacts/{}/erase""#,
        ana.contact_id
    )));
    assert_eq!(
        app.count("contacts").await,
        1,
        "opening the page erases nothing"
    );
}

#[tokio::test]
async fn erasing_needs_the_form_with_the_sessions_token_and_leaves_a_suppressed_verifiable_ledger()
{
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let bob = history(&app, 2).await;
    app.as_compliance().await;
    let path = format!("/admin/contacts/{}/erase", ana.contact_id);
    let said = words(1);
    let needles = [
        ana.wa_id.as_str(),
        &ana.wa_id[2..],
        &said,
        ana.first_message.as_str(),
        ana.accept_message.as_str(),
    ];
    assert!(!find_everywhere(&app, &needles).await.is_empty());
    let events = app.count("ledger_events").await;

    // Refused without the token, with a wrong one, or from another site.
    let token = csrf_token(&app.console_page(&path).await);
    for (fields, headers) in [
        (vec![], vec![("origin", app.address.as_str())]),
        (
            vec![("csrf_token", "forged")],
            vec![("origin", app.address.as_str())],
        ),
        (
            vec![("csrf_token", token.as_str())],
            vec![("origin", "https://evil.example")],
        ),
    ] {
        let r = app.post_form_with(&path, &fields, &headers).await;
        assert_eq!(r.status(), 403, "{fields:?} {headers:?}");
    }
    assert_eq!(app.count("contacts").await, 2, "nothing erased");
    assert_eq!(app.count("ledger_events").await, events);
    assert!(
        audit_of(&app, &format!("contact:{}", ana.contact_id))
            .await
            .is_empty()
    );

    let r = app.post_form(&path, &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/admin/contacts/{}", ana.contact_id));

    // Everything privacy's erasure removes is gone; Bob is untouched.
    let left = find_everywhere(&app, &needles).await;
    assert!(left.is_empty(), "still in the database: {left:#?}");
    assert!(
        !find_everywhere(&app, &[bob.wa_id.as_str()])
            .await
            .is_empty()
    );
    assert_eq!(app.count("ledger_events").await, events + 1);
    let run = verify(&app);
    assert!(run.ok(), "{run}");
    let (source, actor): (String, String) = sqlx::query_as(
        "SELECT source, actor FROM ledger_events WHERE action = 'erased' AND subject_id = $1",
    )
    .bind(&ana.contact_id)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(source, "staff");
    assert!(actor.starts_with("staff:"), "{actor}");
    let (key_hash,): (String,) = sqlx::query_as("SELECT key_hash FROM suppressions")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();

    // The page afterwards: the erasure, the suppression entry, a verified ledger.
    let html = app
        .console_page(&format!("/admin/contacts/{}", ana.contact_id))
        .await;
    assert!(html.contains("<h1>Erased person</h1>"), "{html}");
    assert!(
        html.contains("Erased. Removed 1 contact, evidence of 4 consent events"),
        "the flash: {html}"
    );
    assert!(html.contains(&format!("by {COMPLIANCE}")), "{html}");
    assert!(html.contains(&format!("<code>{key_hash}</code>")), "{html}");
    assert!(
        html.contains(&format!(
            "the ledger is intact. {} events verified",
            events + 1
        )),
        "{html}"
    );
    assert!(
        html.contains("Erased: everything"),
        "the erasure in the timeline"
    );
    assert!(html.contains("Deleted with the erasure"), "{html}");
    assert!(!html.contains(&ana.wa_id), "{html}");
    assert!(!html.contains("Erase this person"), "nothing left to erase");

    // Audited with who did it, in no phone number's name.
    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    let (actor, name, action, detail) = &audited[0];
    assert!(actor.starts_with("staff:"));
    assert_eq!(
        (name.as_str(), action.as_str()),
        (COMPLIANCE, "contact.erased")
    );
    assert!(detail.contains("removed 1 contact"), "{detail}");
    assert!(!detail.contains(&ana.wa_id[2..]), "{detail}");

    // Again: nothing is left, nothing changes.
    let r = app.post_form(&path, &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    let html = app
        .console_page(&format!("/admin/contacts/{}", ana.contact_id))
        .await;
    assert!(html.contains("erased already"), "{html}");
    assert_eq!(app.count("ledger_events").await, events + 1);
    assert_eq!(
        audit_of(&app, &format!("contact:{}", ana.contact_id))
            .await
            .len(),
        1
    );
    let r = app.page(&path).await;
    assert_eq!(r.status(), 303, "no confirmation page for the erased");

    // The access file of the erased person: the chain's events, nothing personal.
    let file = app
        .console_download(&format!("/admin/contacts/{}/access.json", ana.contact_id))
        .await;
    assert!(file["contact"].is_null());
    assert_eq!(file["events"].as_array().unwrap().len(), 5);
    assert!(file["events"][0]["evidence"].is_null());
    assert_eq!(file["suppression"][0]["key_hash"], key_hash.as_str());
}

#[tokio::test]
async fn the_page_shows_the_check_run_since_the_erasure_and_asks_for_one_when_there_is_none() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    app.erase_through_api(&e164(&ana.wa_id)).await;
    app.as_compliance().await;
    let person = format!("/admin/contacts/{}", ana.contact_id);

    // Erased by the business's systems: no check has run since.
    let html = app.console_page(&person).await;
    assert!(html.contains("<h1>Erased person</h1>"), "{html}");
    assert!(html.contains("Not checked since the erasure"), "{html}");
    assert!(!html.contains("the ledger is intact"), "{html}");

    // Once staff run the check, the page shows its result, when and by whom.
    let token = csrf_token(&app.console_page("/admin/ledger/verify").await);
    let r = app
        .post_form("/admin/ledger/verify", &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    let html = app.console_page(&person).await;
    let events = app.count("ledger_events").await;
    assert!(
        html.contains(&format!("by {COMPLIANCE}, as <code>assent ledger verify</code> does: the ledger is intact. {events} events verified")),
        "{html}"
    );
    assert!(!html.contains("Not checked since the erasure"), "{html}");
}
