//! `POST|GET|PATCH /api/v1/forms[/{slug}]`: a form's settings, its versioned
//! notice, where people find it and how it does.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn a_form_is_created_with_its_link_embed_snippet_and_first_notice_version() {
    let app = TestApp::spawn().await;
    let form = app.with_form(form_body("spring")).await;
    assert_eq!(form["slug"], "spring");
    assert_eq!(form["url"], "https://assent.example/f/spring");
    let embed = form["embed_html"].as_str().unwrap();
    assert!(
        embed.starts_with(r#"<iframe src="https://assent.example/f/spring""#),
        "{embed}"
    );
    assert!(
        embed.contains(r#"title="News from Acme on WhatsApp""#),
        "{embed}"
    );
    assert_eq!(form["double_opt_in"], true, "double opt-in by default");
    assert_eq!(form["notice_version"], "spring-v1");
    assert_eq!(
        form["notice_sha256"],
        sha256_hex(form_body("x")["notice"].as_str().unwrap()).as_str()
    );
    assert_eq!(form["categories"], json!(["offers", "product_news"]));
    assert_eq!(
        form["welcome_template"],
        json!({"name": WELCOME, "language": "en"})
    );
    assert_eq!(
        form["translations"]["es"]["title"],
        "Novedades de Acme por WhatsApp"
    );
    assert_eq!(form["frame_ancestors"], json!([]));
    assert_eq!(
        form["stats"],
        json!({"views": 0, "submissions": 0, "confirmations": 0, "expiries": 0, "opt_ins": 0, "conversion": 0.0})
    );

    let (status, list) = app.get_json("/api/v1/forms", Some(&app.api_key)).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    let (status, one) = app
        .get_json("/api/v1/forms/spring", Some(&app.api_key))
        .await;
    assert_eq!(status, 200);
    assert_eq!(one, form);

    let (status, again) = app.new_form(&form_body("spring")).await;
    assert_eq!(status, 409, "{again}");
}

#[tokio::test]
async fn changing_the_words_makes_a_new_notice_version_and_other_settings_do_not() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("news")).await;
    let app = &app;
    let patch = |body| async move {
        let r = app
            .client
            .patch(app.url("/api/v1/forms/news"))
            .bearer_auth(&app.api_key)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json::<serde_json::Value>().await.unwrap())
    };
    let (status, form) = patch(json!({"categories": ["offers"], "double_opt_in": false})).await;
    assert_eq!(status, 200, "{form}");
    assert_eq!(form["notice_version"], "news-v1", "settings are not words");
    assert_eq!(form["categories"], json!(["offers"]));
    assert_eq!(form["double_opt_in"], false);

    let (_, form) = patch(json!({"notice": "A new text."})).await;
    assert_eq!(form["notice_version"], "news-v2");
    assert_eq!(form["notice"], "A new text.");
    assert_eq!(form["notice_sha256"], sha256_hex("A new text.").as_str());
    assert_eq!(
        form["translations"]["es"]["title"], "Novedades de Acme por WhatsApp",
        "a language not mentioned keeps its words"
    );
    let (_, form) =
        patch(json!({"translations": {"pt": {"title": "Novidades", "notice": "Texto."}}})).await;
    assert_eq!(form["notice_version"], "news-v3");
    assert_eq!(form["translations"]["pt"]["notice"], "Texto.");
    let (_, form) = patch(json!({"notice": "A new text."})).await;
    assert_eq!(
        form["notice_version"], "news-v3",
        "the same words are the same version"
    );
    let (status, answer) = patch(json!({"slug": "other"})).await;
    assert_eq!(status, 400, "{answer}");
}

#[tokio::test]
async fn bad_forms_are_refused_naming_the_field_and_nothing_is_made() {
    let app = TestApp::spawn().await;
    app.register_template(WELCOME, "UTILITY", "order_updates")
        .await;
    app.register_template("unmapped_later", "UTILITY", "order_updates")
        .await;
    let with = |field: &str, value: serde_json::Value| {
        let mut body = form_body("bad-form");
        body[field] = value;
        body
    };
    for (body, field) in [
        (with("slug", json!("Has Spaces")), "slug"),
        (with("slug", json!("ab")), "slug"),
        (with("categories", json!([])), "categories"),
        (
            with("categories", json!(["offers", "nonsense"])),
            "categories[1]",
        ),
        (
            with(
                "welcome_template",
                json!({"name": "not_registered", "language": "en"}),
            ),
            "welcome_template",
        ),
        (
            with(
                "welcome_template",
                json!({"name": WELCOME, "language": "<b>"}),
            ),
            "welcome_template.language",
        ),
        (with("title", json!("  ")), "title"),
        (with("notice", json!("x".repeat(5001))), "notice"),
        (
            with("frame_ancestors", json!(["https://shop.example/path"])),
            "frame_ancestors[0]",
        ),
        (
            with("frame_ancestors", json!(["javascript:alert(1)"])),
            "frame_ancestors[0]",
        ),
        (
            with("translations", json!({"fr": {"title": "T", "notice": "N"}})),
            "translations.fr",
        ),
        (with("language", json!("de")), "language"),
    ] {
        let (status, answer) = app.new_form(&body).await;
        assert_eq!(status, 400, "{field}: {answer}");
        assert!(details(&answer).starts_with(field), "{field}: {answer}");
    }
    assert_eq!(app.count("forms").await, 0);
}

#[tokio::test]
async fn a_form_belongs_to_its_number_only() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("ours")).await;
    let other = app
        .add_number(new_number("100000000000002", "+34911234567"))
        .await;
    let key = app.api_key_for(&other, "other").await;
    let (status, _) = app.get_json("/api/v1/forms/ours", Some(&key)).await;
    assert_eq!(status, 404);
    let (status, list) = app.get_json("/api/v1/forms", Some(&key)).await;
    assert_eq!(
        (status.as_u16(), list["data"].as_array().unwrap().len()),
        (200, 0)
    );
}

#[tokio::test]
async fn a_form_named_chat_and_the_chat_terms_keep_notices_of_their_own() {
    use crate::helpers::chat::*;
    let app = TestApp::spawn().await;
    let form = app.with_form(form_body("chat")).await;
    assert_eq!(form["notice_version"], "chat-v1");

    let wa_id = person(1);
    text(&app, &wa_id, "Hi").await;
    let sent = app.sent_to(&wa_id).await;
    let terms = terms_messages(&sent);
    assert_eq!(terms.len(), 1, "the chat terms go out: {sent:?}");
    let (_, notice_id) = notice_link(&said(terms[0]));
    let (version, body): (String, String) =
        sqlx::query_as("SELECT version, body FROM notices WHERE id = $1")
            .bind(&notice_id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(version, "chat-1");
    assert_ne!(
        body,
        form["notice"].as_str().unwrap(),
        "the chat's own terms"
    );

    let changed = app
        .client
        .patch(app.url("/api/v1/forms/chat"))
        .bearer_auth(&app.api_key)
        .json(&json!({"notice": "New words."}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let changed: serde_json::Value = changed.json().await.unwrap();
    assert_eq!(changed["notice_version"], "chat-v2");
}
