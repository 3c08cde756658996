//! `GET /f/{slug}`: what a person sees before signing up.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn the_form_shows_the_business_the_notice_and_an_unticked_box_per_topic() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let r = app.page("/f/join").await;
    assert_eq!(r.status(), 200);
    assert_eq!(session_cookie(&r), None, "a public form sets no cookie");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    let html = r.text().await.unwrap();
    for shown in [
        "+12025550100",
        "<h1>News from Acme on WhatsApp</h1>",
        "Acme will send you WhatsApp messages about the topics you choose.",
        "<legend>What would you like to receive on WhatsApp?</legend>",
        r#"<label for="category-offers">Offers and promotions</label>"#,
        "Discounts, sales and special offers.",
        r#"<label for="category-product_news">Product news</label>"#,
        "<legend>Your WhatsApp number</legend>",
        r#"<label for="phone">Number</label>"#,
        r#"<label for="country">Country</label>"#,
        "We will send you a WhatsApp message to confirm.",
        r#"<button type="submit">Sign up on WhatsApp</button>"#,
    ] {
        assert!(html.contains(shown), "{shown} missing:\n{html}");
    }
    assert!(
        !html.contains("checked"),
        "nothing is ticked for the person"
    );
    assert!(!html.contains("order_updates"), "only the form's topics");
    assert!(html.contains(r#"name="csrf_token""#));
}

#[tokio::test]
async fn the_form_speaks_the_persons_language_and_picks_their_country() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let selected = |html: &str| {
        let at = html.find(" selected>").expect("a country is selected");
        let start = html[..at].rfind("value=\"").unwrap() + 7;
        html[start..at - 1].to_owned()
    };
    let es = app
        .page_in("/f/join", "es-MX,es;q=0.9")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        es.contains("<h1>Novedades de Acme por WhatsApp</h1>"),
        "{es}"
    );
    assert!(es.contains("Acme te enviará mensajes de WhatsApp"));
    assert!(es.contains("Ofertas y promociones") && es.contains(r#"<html lang="es">"#));
    assert_eq!(selected(&es), "MX");
    // Portuguese has no translation of this form: its own words, Portuguese around them.
    let pt = app.page("/f/join?lang=pt").await.text().await.unwrap();
    assert!(
        pt.contains("<h1>News from Acme on WhatsApp</h1>")
            && pt.contains(r#"<p lang="en">Acme will"#)
    );
    assert!(pt.contains("Ofertas e promoções") && pt.contains("Inscrever-me no WhatsApp"));
    assert_eq!(selected(&pt), "BR");
    let en = app.page_in("/f/join", "en-GB").await.text().await.unwrap();
    assert_eq!(selected(&en), "GB");
}

#[tokio::test]
async fn a_form_may_be_framed_only_by_the_origins_it_lists() {
    let app = TestApp::spawn().await;
    let mut body = form_body("embedded");
    body["frame_ancestors"] = json!(["https://shop.example", "http://localhost:3000"]);
    let form = app.with_form(body).await;
    assert_eq!(
        form["frame_ancestors"],
        json!(["https://shop.example", "http://localhost:3000"])
    );
    let r = app.page("/f/embedded").await;
    let csp = r.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors https://shop.example http://localhost:3000"),
        "{csp}"
    );
    assert!(
        !csp.contains("'none'; ") || csp.contains("default-src 'none'"),
        "{csp}"
    );
    // Every other page stays unframeable.
    let landing = app.page("/").await;
    assert!(
        landing.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn views_are_counted_and_an_unknown_form_is_a_404_page() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    for _ in 0..3 {
        app.page("/f/join").await;
    }
    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(form["stats"]["views"], 3);
    let r = app.page("/f/nothing-here").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("<h1>Page not found</h1>"));
}

#[tokio::test]
async fn a_person_signs_up_in_a_browser_on_a_phone() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    for (viewport, phone) in [(PHONE, "612 34 56 78"), (DESKTOP, "612 34 56 79")] {
        browser.resize(viewport).await;
        browser.goto(&app.url("/f/join?lang=es")).await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("form").await;
        // A number that is not one: the error beside the field, what was typed kept.
        browser
            .eval("document.querySelector('#country').value = 'ES'; return null;")
            .await;
        browser.fill("#phone", "612 34").await;
        browser.tick("#category-offers").await;
        browser.click("button[type=submit]").await;
        let error = browser
            .eval("return document.querySelector('#phone-error')?.textContent;")
            .await;
        assert_eq!(
            error,
            "No es un número válido en el país elegido: revisa las cifras y el país."
        );
        let kept = browser.eval("return [document.querySelector('#phone').value, document.querySelector('#category-offers').checked];").await;
        assert_eq!(kept, json!(["612 34", true]));
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("form-error").await;
        let logged = browser.console().await;
        assert!(
            logged.iter().all(|e| e.message.contains("status of 422")),
            "{logged:#?}"
        );
        // Now right: the page that says what happens next.
        browser.fill("#phone", phone).await;
        browser.click("button[type=submit]").await;
        let h1 = browser
            .eval("return document.querySelector('h1')?.textContent;")
            .await;
        assert_eq!(h1, "¡Gracias!", "on the {}", viewport.name);
        let text = browser.eval("return document.body.innerText;").await;
        assert!(
            text.as_str()
                .unwrap()
                .contains("Pulsa Confirmar o responde SÍ"),
            "{text}"
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("form-thanks").await;
    }
    browser.close().await;
    app.settle().await;
    assert_eq!(
        app.count("ledger_events").await,
        2,
        "one offers opt-in per person"
    );
}
