//! One rule for every language field (templates, keywords, sends, evidence): a
//! code as Meta and browsers write it (`en`, `es`, `pt_BR`, `en-US`); entry points
//! take only the languages Assent itself speaks. A refusal names the field.

use crate::helpers::*;
use serde_json::{Value, json};

fn template(name: &str, language: &str) -> Value {
    json!({"name": name, "language": language, "category": "UTILITY",
           "consent_category": "order_updates"})
}

#[tokio::test]
async fn templates_take_meta_language_codes_and_refuse_anything_else() {
    let app = TestApp::spawn().await;
    for (name, language) in [("order_shipped", "en_US"), ("pedido_enviado", "pt_BR")] {
        let (status, answer) = app
            .post_json("/api/v1/templates", &app.api_key, &template(name, language))
            .await;
        assert_eq!(status, 201, "{language}: {answer}");
    }
    let (_, list) = app.get_json("/api/v1/templates", Some(&app.api_key)).await;
    let mut languages: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["language"].as_str().unwrap())
        .collect();
    languages.sort_unstable();
    assert_eq!(languages, ["en_US", "pt_BR"], "kept as Meta writes them");

    let before = stored(&app).await;
    for language in ["english", "<b>", ""] {
        let (status, answer) = app
            .post_json(
                "/api/v1/templates",
                &app.api_key,
                &template("other", language),
            )
            .await;
        assert_meta_error(language, status, &answer, 400, 100, Some("language"));
        assert!(
            details(&answer).contains("language code"),
            "{language}: says what a language code is: {answer}"
        );
    }
    assert_eq!(stored(&app).await, before, "no template stored");
}

#[tokio::test]
async fn keywords_take_a_language_code_and_refuse_markup() {
    let app = TestApp::spawn().await;
    let keywords =
        |language: &str| json!({"language": language, "action": "stop", "words": ["BASTA"]});
    let (status, answer) = app
        .post_json("/api/v1/keywords", &app.api_key, &keywords("es"))
        .await;
    assert_eq!(status, 200, "{answer}");

    let (status, answer) = app
        .post_json("/api/v1/keywords", &app.api_key, &keywords("<b>"))
        .await;
    assert_meta_error("<b>", status, &answer, 400, 100, Some("language"));
    let (_, list) = app.get_json("/api/v1/keywords", Some(&app.api_key)).await;
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["language"] != "<b>"),
        "nothing stored under <b>: {list}"
    );
}

#[tokio::test]
async fn entry_points_take_only_the_languages_assent_speaks() {
    let app = TestApp::spawn().await;
    let (status, answer) = app
        .new_entry_point(
            &json!({"code": "PARIS-1", "name": "Paris", "categories": ["offers"],
                                 "language": "fr"}),
        )
        .await;
    assert_meta_error("fr", status, &answer, 400, 100, Some("language"));
    assert!(
        details(&answer).contains("en, es, pt"),
        "says which languages there are: {answer}"
    );
    let (status, list) = app
        .get_json("/api/v1/entry-points", Some(&app.api_key))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list["data"], json!([]), "nothing stored");
}

#[tokio::test]
async fn a_template_send_with_a_malformed_language_code_is_refused() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.register_template("order_shipped", "UTILITY", "order_updates")
            .await
            .0,
        201
    );
    assert_eq!(app.consent(ALICE, "order_updates", "grant").await.0, 201);
    let mut body = template_body(ALICE, "order_shipped");
    body["template"]["language"]["code"] = json!("en US");
    let before = stored(&app).await;
    let (status, answer) = app.send(&body).await;
    assert_meta_error(
        "en US",
        status,
        &answer,
        400,
        100,
        Some("template.language.code"),
    );
    assert_eq!(stored(&app).await, before, "nothing stored");
}
