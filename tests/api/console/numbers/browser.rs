//! The number and template pages in a real headless Chromium, on a phone and a
//! desktop: clean console, no sideways scrolling, screenshots.

use super::*;
use crate::helpers::browser::{Browser, DESKTOP, PHONE};

#[tokio::test]
async fn an_admin_reads_the_number_and_template_pages_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    let shipped: (String,) =
        sqlx::query_as("SELECT id FROM templates WHERE name = 'order_shipped'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    sqlx::query("UPDATE templates SET consent_category = NULL WHERE id = $1")
        .bind(&shipped.0)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let sandbox = number_id(&app, SANDBOX_ID).await;
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
        browser.goto(&app.url("/admin/numbers")).await;
        browser.check_whole("admin-numbers").await;

        browser
            .goto(&app.url(&format!("/admin/numbers/{sandbox}")))
            .await;
        browser
            .click(&format!(
                "form[action='/admin/numbers/{sandbox}/test'] button"
            ))
            .await;
        let said = browser
            .eval("return document.getElementById('tested').innerText;")
            .await;
        assert!(
            said.as_str().unwrap().contains("needs no connection"),
            "{said}"
        );
        browser.check_whole("admin-number").await;

        browser.goto(&app.url("/admin/templates")).await;
        let unsendable = browser
            .eval("return document.querySelector('tr.unsendable').innerText;")
            .await;
        assert!(
            unsendable.as_str().unwrap().contains("cannot be sent"),
            "{unsendable}"
        );
        browser.check_whole("admin-templates").await;
    }
}
