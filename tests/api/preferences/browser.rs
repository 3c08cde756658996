//! The preference center in a real headless Chromium, on a phone and a desktop:
//! the person opens their link, unticks a topic and saves, then stops everything.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::chat::*;
use crate::helpers::preferences::*;
use crate::helpers::*;
use serde_json::{Value, json};

/// (ticked, state text) of every category as the browser shows them.
async fn shown(browser: &Browser) -> Value {
    browser
        .eval(
            "return ['order_updates', 'offers', 'product_news'].map(c => [
                document.getElementById('category-' + c).checked,
                document.getElementById('category-' + c + '-state').textContent.trim()]);",
        )
        .await
}

#[tokio::test]
async fn a_person_unticks_a_topic_then_stops_everything_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    let people = [person(50), person(51)];
    accepted_people(
        &app,
        &people.iter().map(|p| (p.clone(), None)).collect::<Vec<_>>(),
    )
    .await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    for (viewport, who) in [PHONE, DESKTOP].into_iter().zip(&people) {
        let name = viewport.name;
        browser.resize(viewport).await;
        let path = ends_with_choices(&last_reply(&app, who).await, CHOICES_EN);
        browser.goto(&app.url(&path)).await;
        let h1 = browser
            .eval("return document.querySelector('h1')?.textContent;")
            .await;
        assert!(
            h1.as_str().is_some_and(|h| !h.is_empty()),
            "a heading on the {name}"
        );
        assert_eq!(
            shown(&browser).await,
            json!([
                [true, "receiving"],
                [true, "receiving"],
                [true, "receiving"]
            ]),
            "on the {name}"
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("preferences-open").await;

        // Untick offers (by its label, as a thumb would) and save.
        browser
            .client
            .find(fantoccini::Locator::Css(r#"label[for="category-offers"]"#))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        browser.click(r#"button[name="save"]"#).await;
        assert!(
            browser.text().await.contains("Your choices are saved."),
            "on the {name}"
        );
        assert_eq!(
            shown(&browser).await,
            json!([
                [true, "receiving"],
                [false, "not receiving"],
                [true, "receiving"]
            ]),
            "on the {name}"
        );
        assert_eq!(
            states(&app, who).await,
            expect(&[
                ("offers", "withdrawn"),
                ("order_updates", "granted"),
                ("product_news", "granted")
            ]),
            "on the {name}"
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("preferences-saved").await;

        // Stop everything.
        browser.click(r#"button[name="stop_all"]"#).await;
        assert!(browser.text().await.contains("Your choices are saved."));
        assert_eq!(
            shown(&browser).await,
            json!([
                [false, "not receiving"],
                [false, "not receiving"],
                [false, "not receiving"]
            ]),
            "on the {name}"
        );
        assert_eq!(states(&app, who).await, all_withdrawn(), "on the {name}");
        let events = app.consents(&e164(who)).await;
        assert_eq!(
            events_by_source(&events, "preference_center").len(),
            3,
            "offers, then the other two: {events}"
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("preferences-stopped").await;
    }
    browser.close().await;
}
