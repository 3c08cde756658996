//! The administration pages in a real headless Chromium, on a phone and a
//! desktop: an admin creates an API key (shown once, with a working copy button
//! from the page's own script), then revokes it after the page that asks. Clean
//! console, no sideways scrolling, screenshots.

use super::*;
use crate::helpers::browser::{Browser, DESKTOP, PHONE};

#[tokio::test]
async fn an_admin_creates_an_api_key_and_revokes_it_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    app.add_staff(ADMIN, Role::Admin, PASSWORD).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.goto(&app.url("/admin")).await;
    browser.fill("#email", ADMIN).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;

    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        let name = format!("{} integration", viewport.name);

        browser.goto(&app.url("/admin/api-keys")).await;
        browser.check("api-keys").await;
        browser.fill("#name", &name).await;
        browser
            .click("form[action='/admin/api-keys'] button[type=submit]")
            .await;
        let text = browser.text().await;
        assert!(text.contains("Your new API key"), "{text}");
        let key = browser
            .eval("return document.getElementById('api-key').value;")
            .await
            .as_str()
            .unwrap()
            .to_owned();
        assert!(key.starts_with("assent_"), "{key}");
        // The copy button is the script's: shown, and it answers a click.
        let button = "button[data-copy='api-key']";
        let visible = browser
            .eval(&format!(
                "return !document.querySelector(\"{button}\").hidden;"
            ))
            .await;
        assert_eq!(
            visible,
            serde_json::json!(true),
            "the script showed the button"
        );
        browser.tick(button).await;
        let mut said = String::new();
        for _ in 0..50 {
            said = browser
                .eval("return document.querySelector('.copied').innerText;")
                .await
                .as_str()
                .unwrap()
                .to_owned();
            if !said.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            said == "Copied." || said.starts_with("Could not copy"),
            "{said:?}"
        );
        browser.check("api-key-created").await;
        assert_eq!(
            app.get_json("/api/v1/keywords", Some(&key)).await.0,
            200,
            "the key works"
        );

        browser.goto(&app.url("/admin/api-keys")).await;
        let list = browser.text().await;
        assert!(list.contains(&name), "{list}");
        assert!(!list.contains(&key), "the key is not shown again");
        browser
            .click(&format!("a[aria-label='Revoke the key {name}']"))
            .await;
        let ask = browser.text().await;
        assert!(ask.contains(&format!("Revoke the key {name}?")), "{ask}");
        browser.check("api-key-revoke").await;
        browser.click("button.danger").await;
        let done = browser.text().await;
        assert!(
            done.contains(&format!("The key {name} is revoked")),
            "{done}"
        );
        browser.check("api-keys-revoked").await;
        assert_eq!(app.get_json("/api/v1/keywords", Some(&key)).await.0, 401);
    }
    browser.close().await;
}

/// The other administration pages, filled in, read on a phone and a desktop:
/// clean console, no sideways scrolling, screenshots.
#[tokio::test]
async fn the_administration_pages_read_well_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    app.add_staff(ADMIN, Role::Admin, PASSWORD).await;
    app.add_staff("mia@acme.example", Role::Marketer, PASSWORD)
        .await;
    let number = sandbox_row_id(&app).await;
    assent::forwarding::config::set(
        app.raw_db(),
        &number,
        "https://crm.example/hooks/whatsapp",
        &[("X-Api-Token".to_owned(), "abc".to_owned())].into(),
    )
    .await
    .unwrap();
    assert!(app.consent(ALICE, "offers", "grant").await.0.is_success());
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.goto(&app.url("/admin")).await;
    browser.fill("#email", ADMIN).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        for (path, name, says) in [
            ("/admin/users".to_owned(), "staff", "Invite a staff member"),
            ("/admin/webhooks".to_owned(), "webhooks", "crm.example"),
            (
                format!("/admin/webhooks/{number}"),
                "webhook",
                "Waiting and failed",
            ),
            ("/admin/categories".to_owned(), "categories", "STOP offers"),
            (
                "/admin/categories/offers".to_owned(),
                "category",
                "Category offers",
            ),
            (
                format!("/admin/categories/keywords/{number}"),
                "keywords",
                "UNSUBSCRIBE",
            ),
        ] {
            browser.goto(&app.url(&path)).await;
            let text = browser.text().await;
            assert!(
                text.contains(says),
                "{path} on the {}: {text}",
                viewport.name
            );
            browser.check(name).await;
        }
    }
    browser.close().await;
}
