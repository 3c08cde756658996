//! The phone simulator in a real headless Chromium: a marketer plays a person who
//! scans an entry point, accepts the terms and types STOP, on a phone-sized
//! screen, then looks at the same phone on a desktop.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::chat::{e164, state_of};
use crate::helpers::*;
use assent::users::Role;
use serde_json::json;

const PASSWORD: &str = "a long staff password";
const WA_ID: &str = "34699000333";

/// The phone once everything in flight has landed (opening it reads what was
/// delivered, which is itself a webhook to settle).
async fn settled_phone(browser: &Browser, app: &TestApp, url: &str) {
    app.settle().await;
    browser.goto(url).await;
    app.settle().await;
    browser.goto(url).await;
}

#[tokio::test]
async fn a_marketer_plays_a_person_through_the_chat_opt_in_and_a_stop() {
    let app = TestApp::spawn().await;
    let (status, ep) = app
        .new_entry_point(&json!({"code": "FLYER", "name": "Shop flyer",
            "categories": ["offers"], "prefilled_text": "Hello FLYER", "language": "en"}))
        .await;
    assert_eq!(status, 201, "{ep}");
    app.add_staff("mia@acme.example", Role::Marketer, PASSWORD)
        .await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.resize(PHONE).await;
    browser.goto(&app.url("/sandbox?scan=FLYER")).await;
    browser.fill("#email", "mia@acme.example").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    assert!(
        browser
            .text()
            .await
            .contains("They will scan the entry point FLYER"),
        "sign-in came back to the simulator with the scan"
    );
    browser.check("sandbox").await;

    browser.fill("#phone", "+34 699 000 333").await;
    browser
        .click("form[action='/sandbox/people'] button[type=submit]")
        .await;
    let typed = browser
        .eval("return document.getElementById('text').value;")
        .await;
    assert_eq!(
        typed, "Hello FLYER",
        "the scan typed the entry point's text"
    );
    let phone = browser
        .eval("return location.pathname;")
        .await
        .as_str()
        .unwrap()
        .to_owned();
    browser.click("form.composer button[type=submit]").await;
    settled_phone(&browser, &app, &app.url(&phone)).await;
    let text = browser.text().await;
    assert!(text.contains("Hello FLYER"), "{text}");
    browser.check("sandbox-terms").await;

    browser.click("button[aria-label='Tap Accept']").await;
    settled_phone(&browser, &app, &app.url(&phone)).await;
    let consents = app.consents(&e164(WA_ID)).await;
    assert_eq!(state_of(&consents, "offers"), "granted", "{consents}");
    browser.check("sandbox-accepted").await;

    browser.fill("#text", "STOP").await;
    browser.click("form.composer button[type=submit]").await;
    settled_phone(&browser, &app, &app.url(&phone)).await;
    let consents = app.consents(&e164(WA_ID)).await;
    assert_eq!(state_of(&consents, "offers"), "withdrawn", "{consents}");
    let bubbles = browser
        .eval("return [...document.querySelectorAll('.bubble.mine')].map(b => b.innerText.trim());")
        .await;
    let mine: Vec<String> = bubbles
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap().replace("You:", "").trim().to_owned())
        .collect();
    assert_eq!(mine, ["Hello FLYER", "Accept", "STOP"]);
    browser.check("sandbox-stopped").await;

    browser.resize(DESKTOP).await;
    browser.goto(&app.url(&phone)).await;
    browser.check("sandbox-stopped").await;
    browser.close().await;
}
