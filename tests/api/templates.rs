//! The templates API (SPEC §11): registered once per name and language, listed, and
//! validated field by field.

use crate::helpers::*;
use serde_json::{Value, json};

#[tokio::test]
async fn templates_are_registered_once_listed_and_validated() {
    let app = TestApp::spawn().await;
    let body = json!({"name": "order_shipped", "language": "en_US", "category": "UTILITY", "consent_category": "order_updates"});
    let (status, created) = app
        .post_json("/api/v1/templates", &app.api_key, &body)
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["name"], "order_shipped");
    assert_eq!(created["language"], "en_US");
    assert_eq!(created["category"], "UTILITY");
    assert_eq!(created["consent_category"], "order_updates");
    assert_eq!(app.count("templates").await, 1);

    let before = stored(&app).await;
    let (status, answer) = app
        .post_json("/api/v1/templates", &app.api_key, &body)
        .await;
    assert_meta_error("duplicate", status, &answer, 409, 100, None);
    assert!(details(&answer).contains("order_shipped"), "{answer}");
    assert_eq!(stored(&app).await, before, "duplicate: nothing stored");

    let (status, text) = app.get_text("/api/v1/templates", Some(&app.api_key)).await;
    assert_eq!(status, 200);
    let list: Value = serde_json::from_str(&text).unwrap();
    let data = list["data"].as_array().expect("templates under data");
    assert_eq!(data.len(), 1, "{list}");
    assert_eq!(data[0]["name"], "order_shipped");
    assert_eq!(data[0]["consent_category"], "order_updates");

    let template = |name: &str, category: &str, consent: &str| json!({"name": name, "language": "en", "category": category, "consent_category": consent});
    let mut unknown_field = template("spring_sale", "MARKETING", "offers");
    unknown_field["colour"] = json!("red");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "unknown consent_category",
            template("spring_sale", "MARKETING", "vip_offers"),
            "consent_category",
        ),
        (
            "MARKETING template on a utility category",
            template("spring_sale", "MARKETING", "order_updates"),
            "consent_category",
        ),
        (
            "consent_category not a category name",
            template(
                "spring_sale",
                "MARKETING",
                "Offers'; DROP TABLE templates; --",
            ),
            "consent_category",
        ),
        (
            "category PROMO",
            template("spring_sale", "PROMO", "offers"),
            "category",
        ),
        (
            "template name with uppercase",
            template("Spring_Sale", "MARKETING", "offers"),
            "name",
        ),
        (
            "HTML in the name",
            template("<b>sale</b>", "MARKETING", "offers"),
            "name",
        ),
        (
            "bad language",
            json!({"name": "spring_sale", "language": "english!", "category": "MARKETING", "consent_category": "offers"}),
            "language",
        ),
        (
            "name of the wrong type",
            json!({"name": 7, "language": "en", "category": "MARKETING", "consent_category": "offers"}),
            "name",
        ),
    ];
    for (label, body, field) in &cases {
        let (status, answer) = app.post_json("/api/v1/templates", &app.api_key, body).await;
        assert_meta_error(label, status, &answer, 400, 100, Some(field));
        assert_eq!(stored(&app).await, before, "{label}: nothing stored");
    }
    let (status, answer) = app
        .post_json("/api/v1/templates", &app.api_key, &unknown_field)
        .await;
    assert_meta_error("unknown field", status, &answer, 400, 100, None);
    eprintln!("PROBE unknown field: {}", details(&answer));
    assert!(details(&answer).contains("colour"), "{answer}");
    let (status, answer) = app
        .post_json(
            "/api/v1/templates",
            &app.api_key,
            &json!({"name": "spring_sale", "language": "en", "category": "MARKETING"}),
        )
        .await;
    assert_meta_error("missing consent_category", status, &answer, 400, 100, None);
    assert!(details(&answer).contains("consent_category"), "{answer}");
    assert_eq!(stored(&app).await, before, "nothing stored");
}
