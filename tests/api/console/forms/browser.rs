//! A marketer creates a form and opens its preview in a real headless Chromium,
//! on a phone and a desktop: a mistake comes back marked beside its field, the
//! form's page offers its link and embed code with working copy buttons, and the
//! preview counts no view. Clean console, no sideways scrolling, screenshots.

use super::*;
use crate::helpers::browser::{Browser, DESKTOP, PHONE};

#[tokio::test]
async fn a_marketer_creates_a_form_and_opens_its_preview_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    with_welcome(&app).await;
    let email = "marketer@acme.example";
    app.add_staff(email, Role::Marketer, PASSWORD).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.goto(&app.url("/login")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;

    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        let name = viewport.name;
        let slug = format!("spring-{name}");

        browser.goto(&app.url("/admin")).await;
        browser.click("nav a[href='/admin/forms']").await;
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot_whole("forms-list").await;

        // The first try leaves out the title: it comes back marked.
        browser.fill("#slug", &slug).await;
        browser
            .fill(
                "#notice_en",
                "Acme may message you about what you tick. Reply STOP to stop.",
            )
            .await;
        browser.tick("#category-offers").await;
        browser.tick("#opt-in-single").await;
        browser.fill("#origins", "https://shop.example").await;
        browser
            .click("form[action='/admin/forms'] button[type=submit]")
            .await;
        browser.assert_clean_console_except_422().await;
        let said = browser
            .eval("return document.getElementById('title_en-error')?.innerText;")
            .await;
        assert_eq!(said, "Must not be empty.", "on the {name}");
        let kept = browser
            .eval("return [document.getElementById('slug').value, document.getElementById('category-offers').checked, document.getElementById('opt-in-single').checked];")
            .await;
        assert_eq!(kept, serde_json::json!([slug, true, true]), "on the {name}");
        browser.assert_no_sideways_scroll().await;
        browser.screenshot_whole("forms-create-error").await;

        browser.fill("#title_en", "Spring offers").await;
        browser
            .click("form[action='/admin/forms'] button[type=submit]")
            .await;
        browser.assert_clean_console().await;
        let text = browser.text().await;
        assert!(
            text.contains(&format!(
                "The form is ready at https://assent.example/f/{slug}."
            )),
            "on the {name}: {text}"
        );
        // The copy buttons are there once the script has run.
        let buttons = browser
            .eval("return [...document.querySelectorAll('button[data-copy]')].map(b => b.hidden);")
            .await;
        assert_eq!(buttons, serde_json::json!([false, false]), "on the {name}");
        let embed = browser
            .eval("return document.getElementById('form-embed').value;")
            .await;
        assert!(
            embed
                .as_str()
                .unwrap()
                .starts_with(&format!(r#"<iframe src="https://assent.example/f/{slug}""#)),
            "{embed}"
        );
        browser.tick("button[data-copy='form-link']").await;
        let mut said = serde_json::Value::Null;
        for _ in 0..50 {
            said = browser
                .eval("return document.querySelector('button[data-copy=form-link] + .copied').innerText;")
                .await;
            if said != "" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            said == "Copied."
                || said
                    .as_str()
                    .unwrap()
                    .starts_with("The browser did not allow copying"),
            "the copy button answers on the {name}: {said}"
        );
        browser.assert_no_sideways_scroll().await;
        browser.screenshot_whole("form-settings").await;

        browser.click("a[href$='/preview']").await;
        browser.assert_clean_console().await;
        let heading = browser
            .eval("return document.querySelector('h1').innerText;")
            .await;
        assert_eq!(heading, "Spring offers", "on the {name}");
        let off = browser
            .eval("return document.querySelector('button[type=submit]').disabled;")
            .await;
        assert_eq!(off, true, "sending is off in the preview on the {name}");
        assert!(
            browser
                .text()
                .await
                .contains("Preview: this is the form as people see it.")
        );
        browser.assert_no_sideways_scroll().await;
        browser.screenshot_whole("form-preview").await;
        assert_eq!(
            tallies(&app, &slug).await.0,
            0,
            "no view counted on the {name}"
        );
    }
    browser.close().await;
    assert_eq!(app.count("forms").await, 2);
}
