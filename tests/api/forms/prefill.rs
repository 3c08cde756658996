//! Pre-filled links for known customers: the form opens with their number in it,
//! the number never in the URL in clear, and only until the link expires.

use crate::helpers::*;
use serde_json::json;
use std::time::Duration;

fn phone_field(html: &str) -> String {
    let at = html.find(r#"id="phone""#).expect("the phone field");
    let rest = &html[at..];
    let value = rest.find("value=\"").unwrap() + 7;
    rest[value..value + rest[value..].find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn a_prefilled_link_opens_the_form_with_the_number_filled_in() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let (status, link) = app
        .post_json(
            "/api/v1/forms/join/links",
            &app.api_key,
            &json!({"phone": "+34 612 34 56 78"}),
        )
        .await;
    assert_eq!(status, 201, "{link}");
    let url = link["url"].as_str().unwrap();
    assert!(url.starts_with("https://assent.example/f/join?t="), "{url}");
    for clear in ["34612345678", "612345678", "%2B34"] {
        assert!(!url.contains(clear), "the number is not in the URL: {url}");
    }
    assert!(
        link["expires_at"].as_str().unwrap().starts_with("20"),
        "{link}"
    );
    let path = url.strip_prefix("https://assent.example").unwrap();
    let html = app.page(path).await.text().await.unwrap();
    assert_eq!(phone_field(&html), ALICE);
    // Submitting it as it is signs the customer up.
    let token = csrf_token(&html);
    let r = app
        .post_form(
            path,
            &[
                ("csrf_token", &token),
                ("country", "US"),
                ("phone", ALICE),
                ("category", "offers"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_forged_expired_or_foreign_link_opens_an_empty_form() {
    let app = TestApp::spawn().await;
    let form = app.with_form(form_body("join")).await;
    app.with_form(form_body("other")).await;
    let (_, other) = app
        .post_json(
            "/api/v1/forms/other/links",
            &app.api_key,
            &json!({"phone": ALICE}),
        )
        .await;
    let other_token = other["url"]
        .as_str()
        .unwrap()
        .split("?t=")
        .nth(1)
        .unwrap()
        .to_owned();
    let joined = assent::forms::by_slug(&app.services.db, "join")
        .await
        .unwrap()
        .unwrap();
    let phone = assent::domain::PhoneNumber::parse(ALICE).unwrap();
    let expired = assent::opt_in::prefilled_link(&app.services, &joined, &phone, Duration::ZERO);
    let expired_token = expired.url.split("?t=").nth(1).unwrap().to_owned();
    let (_, good) = app
        .post_json(
            "/api/v1/forms/join/links",
            &app.api_key,
            &json!({"phone": ALICE}),
        )
        .await;
    let good_token = good["url"]
        .as_str()
        .unwrap()
        .split("?t=")
        .nth(1)
        .unwrap()
        .to_owned();
    let flipped = if &good_token[10..11] == "x" { "y" } else { "x" };
    let forged = format!("{}{flipped}{}", &good_token[..10], &good_token[11..]);
    for (what, token) in [
        ("forged", forged),
        ("expired", expired_token),
        ("another form's", other_token),
    ] {
        let r = app.page(&format!("/f/join?t={token}")).await;
        assert_eq!(r.status(), 200, "{what}");
        assert_eq!(
            phone_field(&r.text().await.unwrap()),
            "",
            "{what} link fills in nothing"
        );
    }
    assert_eq!(form["slug"], "join");
}

#[tokio::test]
async fn a_link_request_names_what_is_wrong() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    for (body, field) in [
        (json!({"phone": "12"}), "phone"),
        (
            json!({"phone": ALICE, "expires_in_days": 0}),
            "expires_in_days",
        ),
        (
            json!({"phone": ALICE, "expires_in_days": 91}),
            "expires_in_days",
        ),
    ] {
        let (status, answer) = app
            .post_json("/api/v1/forms/join/links", &app.api_key, &body)
            .await;
        assert_eq!(status, 400, "{answer}");
        assert!(details(&answer).starts_with(field), "{answer}");
    }
    let (status, _) = app
        .post_json(
            "/api/v1/forms/nothing/links",
            &app.api_key,
            &json!({"phone": ALICE}),
        )
        .await;
    assert_eq!(status, 404);
}
