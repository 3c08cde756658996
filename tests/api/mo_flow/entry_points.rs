//! The entry points API (SPEC §6): codes with their categories and language, and
//! wa.me links whose pre-filled text carries the code.

use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn entry_points_are_made_listed_and_validated() {
    let app = TestApp::spawn().await;
    const PREFIX: &str = "https://wa.me/12025550100?text=";

    let (status, ep) = app
        .new_entry_point(
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
    let (status, ep2) = app
        .new_entry_point(
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
    let (status, list) = app
        .get_json("/api/v1/entry-points", Some(&app.api_key))
        .await;
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
    let (status, one) = app
        .get_json("/api/v1/entry-points/SPRING-24", Some(&app.api_key))
        .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["code"], "SPRING-24");
    assert_eq!(one["wa_me_url"], ep["wa_me_url"]);
    assert_eq!(one["categories"], json!(["offers"]));
    let (status, _) = app
        .get_json("/api/v1/entry-points/NOPE-NOPE", Some(&app.api_key))
        .await;
    assert_eq!(status, 404);

    // Duplicate.
    let (status, body) = app
        .new_entry_point(&json!({"code": "SPRING-24", "name": "Again", "categories": ["offers"]}))
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
        let (status, answer) = app.new_entry_point(&body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(
            details(&answer).contains(field),
            "{body}: the error must name {field}: {answer}"
        );
    }
    // None of the refused ones exists.
    let (_, list) = app
        .get_json("/api/v1/entry-points", Some(&app.api_key))
        .await;
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
    let (status, _) = app.get_json("/api/v1/entry-points", None).await;
    assert_eq!(status, 401);
    let (status, _) = app.get_json("/api/v1/entry-points/SPRING-24", None).await;
    assert_eq!(status, 401);
}
