//! `POST /f/{slug}`: a submission is checked field by field and CSRF-checked;
//! a good one answers the same page whoever the number belongs to, and is then
//! recorded with its evidence and welcomed through the sending core.

use crate::helpers::chat::state_of;
use crate::helpers::*;
use serde_json::{Value, json};

/// Ledger events, SQL-side: (category, action, source, source_ref, notice_version,
/// notice_sha256, language, confirmation_template).
async fn events(
    app: &TestApp,
) -> Vec<(
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
)> {
    sqlx::query_as(
        "SELECT category, action, source, source_ref, notice_version, notice_sha256, language, confirmation_template \
         FROM ledger_events ORDER BY seq",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_bad_number_or_no_topic_comes_back_with_the_input_kept_and_nothing_recorded() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let r = app
        .submit_form("join", "ES", "612 34", &["product_news"])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains(r#"<p class="error" id="phone-error">This is not a valid number in the country chosen: check the digits and the country.</p>"#), "{html}");
    assert!(
        html.contains(r#"value="612 34""#),
        "the number typed is kept"
    );
    assert!(
        html.contains(r#"value="product_news" checked"#),
        "the topic ticked is kept"
    );
    assert!(
        html.contains(r#"<option value="ES" selected>"#),
        "the country chosen is kept"
    );
    assert!(html.contains(r#"aria-invalid="true""#));

    let r = app.submit_form("join", "ES", "612 34 56 78", &[]).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"<p class="error" id="categories-error">Choose at least one topic.</p>"#),
        "{html}"
    );
    assert!(html.contains(r#"value="612 34 56 78""#));

    // A topic the form does not offer is not taken quietly.
    let r = app
        .submit_form("join", "ES", "612 34 56 78", &["order_updates"])
        .await;
    assert_eq!(r.status(), 422);
    // Letters, in Spanish.
    let path = "/f/join?lang=es";
    let token = app.form_token(path).await;
    let r = app
        .post_form(
            path,
            &[
                ("csrf_token", &token),
                ("country", "ES"),
                ("phone", "llámame"),
                ("category", "offers"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Usa solo cifras, sin letras.")
    );

    app.settle().await;
    assert_eq!(
        stored(&app).await,
        [0, 0, 0, 1],
        "no message, no event, no blocked send; one template"
    );
    assert_eq!(app.count("form_submissions").await, 0);
    assert_eq!(app.count("contacts").await, 0);
}

#[tokio::test]
async fn a_submission_without_the_forms_token_or_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    app.with_form(form_body("other")).await;
    let fields = |token: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("country".into(), "ES".into()),
            ("phone".into(), "612345678".into()),
            ("category".into(), "offers".into()),
        ]
    };
    let app = &app;
    let post = |fields: Vec<(String, String)>, headers: Vec<(&'static str, &'static str)>| async move {
        let refs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        app.post_form_with("/f/join", &refs, &headers).await
    };
    let same_site = vec![("sec-fetch-site", "same-origin")];
    assert_eq!(
        post(fields(""), same_site.clone()).await.status(),
        403,
        "no token"
    );
    let other = app.form_token("/f/other").await;
    assert_eq!(
        post(fields(&other), same_site.clone()).await.status(),
        403,
        "another form's token"
    );
    let token = app.form_token("/f/join").await;
    // A character in the middle: the last one may only carry padding bits.
    let middle = token.len() / 2;
    let flipped = if &token[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    let tampered = format!("{}{flipped}{}", &token[..middle], &token[middle + 1..]);
    assert_eq!(
        post(fields(&tampered), same_site.clone()).await.status(),
        403,
        "a tampered token"
    );
    for cross in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
    ] {
        assert_eq!(post(fields(&token), cross).await.status(), 403);
    }
    app.settle().await;
    assert_eq!(
        app.count("form_submissions").await + app.count("ledger_events").await,
        0
    );
    // The real thing goes through.
    assert_eq!(post(fields(&token), same_site).await.status(), 200);
}

#[tokio::test]
async fn a_double_opt_in_is_recorded_pending_with_its_evidence_and_welcomed() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let r = app
        .client
        .post(app.url("/f/join?lang=es"))
        .header("user-agent", "Mozilla/5.0 (Phone) Test")
        .header("sec-fetch-site", "same-origin")
        .form(&[
            (
                "csrf_token",
                app.form_token("/f/join?lang=es").await.as_str(),
            ),
            ("country", "ES"),
            ("phone", "612 34 56 78"),
            ("category", "offers"),
            ("category", "product_news"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let thanks = r.text().await.unwrap();
    assert!(
        thanks.contains("<h1>¡Gracias!</h1>") && thanks.contains("https://wa.me/12025550100?text="),
        "{thanks}"
    );
    app.settle().await;

    let notice_sha = sha256_hex("Acme te enviará mensajes de WhatsApp sobre los temas que elijas.");
    let recorded = events(&app).await;
    assert_eq!(recorded.len(), 2, "{recorded:?}");
    for (category, e) in ["offers", "product_news"].iter().zip(&recorded) {
        assert_eq!(
            e,
            &(
                category.to_string(),
                "granted".into(),
                "web_form".into(),
                Some("form:join".into()),
                Some("join-v1".into()),
                Some(notice_sha.clone()),
                Some("es".into()),
                Some(WELCOME.into())
            )
        );
    }
    let consents = app.consents(ALICE).await;
    assert_eq!(state_of(&consents, "offers"), "pending");
    assert_eq!(state_of(&consents, "product_news"), "pending");
    let (evidence,): (String,) = sqlx::query_as("SELECT body FROM ledger_evidence LIMIT 1")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    let evidence: Value = serde_json::from_str(&evidence).unwrap();
    assert_eq!(evidence["evidence"]["ip"], "127.0.0.1");
    assert_eq!(
        evidence["evidence"]["user_agent"],
        "Mozilla/5.0 (Phone) Test"
    );

    let sent = app.sent_to(&ALICE[1..]).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let welcome = &sent[0]["template"];
    assert_eq!(welcome["name"], WELCOME);
    let link = welcome["components"][0]["parameters"][0]["text"]
        .as_str()
        .unwrap();
    assert!(link.starts_with("https://assent.example/p/"), "{welcome}");
    assert_eq!(
        welcome["components"][1],
        json!({"type": "button", "sub_type": "quick_reply", "index": "0",
               "parameters": [{"type": "payload", "payload": "assent_confirm"}]})
    );
    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(form["stats"]["submissions"], 1);
    assert_eq!(app.count("form_submissions").await, 0, "processed and gone");

    // Until they confirm, nothing else reaches them: a template of a pending
    // category is refused.
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (status, answer) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&answer)), (400, 470103), "{answer}");
}

#[tokio::test]
async fn a_single_opt_in_is_granted_at_once_and_still_welcomed() {
    let app = TestApp::spawn().await;
    let mut body = form_body("quick");
    body["double_opt_in"] = json!(false);
    app.with_form(body).await;
    assert_eq!(
        app.submit_form("quick", "ES", "+34 612 34 56 78", &["offers"])
            .await
            .status(),
        200
    );
    app.settle().await;
    let consents = app.consents(ALICE).await;
    assert_eq!(state_of(&consents, "offers"), "granted");
    assert_eq!(state_of(&consents, "product_news"), "none");
    let sent = app.sent_to(&ALICE[1..]).await;
    assert_eq!(sent.len(), 1);
    let components = sent[0]["template"]["components"].as_array().unwrap();
    assert_eq!(
        components.len(),
        1,
        "no confirm button on a single opt-in: {components:?}"
    );
    assert_eq!(
        app.message_status(&message_id(&app, &ALICE[1..]).await)
            .await
            .0,
        "delivered"
    );
}

async fn message_id(app: &TestApp, wa_id: &str) -> String {
    let (id,): (String,) = sqlx::query_as(
        "SELECT m.id FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1",
    )
    .bind(wa_id)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    id
}

#[tokio::test]
async fn each_event_names_the_notice_version_the_person_was_shown() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    assert_eq!(
        app.submit_form("join", "ES", ALICE, &["offers"])
            .await
            .status(),
        200
    );
    app.settle().await;
    let r = app
        .client
        .patch(app.url("/api/v1/forms/join"))
        .bearer_auth(&app.api_key)
        .json(&json!({"notice": "Version two of the notice."}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        app.submit_form("join", "ES", BOB, &["offers"])
            .await
            .status(),
        200
    );
    app.settle().await;
    let recorded = events(&app).await;
    assert_eq!(recorded[0].4.as_deref(), Some("join-v1"));
    assert_eq!(recorded[1].4.as_deref(), Some("join-v2"));
    assert_eq!(
        recorded[1].5.as_deref(),
        Some(sha256_hex("Version two of the notice.").as_str())
    );
}

#[tokio::test]
async fn an_erased_number_gets_the_same_page_and_no_message_at_all() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    // Alice opted in once and was erased since; Bob is new.
    app.consent(ALICE, "offers", "grant").await;
    app.erase(ALICE).await;
    let events_before = app.count("ledger_events").await;
    let alice = app.submit_form("join", "ES", ALICE, &["offers"]).await;
    let bob = app.submit_form("join", "ES", BOB, &["offers"]).await;
    assert_eq!((alice.status().as_u16(), bob.status().as_u16()), (200, 200));
    let without_tokens = |html: String| html.split("csrf_token").next().unwrap().to_owned();
    assert_eq!(
        without_tokens(alice.text().await.unwrap()),
        without_tokens(bob.text().await.unwrap()),
        "nothing on the page tells the two apart"
    );
    app.settle().await;
    assert!(
        app.sent_to(&ALICE[1..]).await.is_empty(),
        "no message to the erased person"
    );
    assert_eq!(app.sent_to(&BOB[1..]).await.len(), 1);
    assert_eq!(
        app.count("ledger_events").await,
        events_before + 1,
        "only Bob's opt-in"
    );
    assert_eq!(
        app.count("blocked_sends").await,
        0,
        "not even a refused send was tried"
    );
    assert_eq!(
        contacts(&app).await.len(),
        1,
        "no contact row for her either"
    );
}
