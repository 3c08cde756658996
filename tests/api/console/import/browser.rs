//! A compliance user imports a small file with one bad row in a real headless
//! Chromium, on a phone and a desktop: the form, the page that follows the
//! import (it refreshes itself, without script), and the summary with the
//! rejected row.

use super::*;
use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use std::time::{Duration, Instant};

async fn text_of(browser: &Browser, selector: &str) -> String {
    browser
        .eval(&format!(
            "return document.querySelector('{selector}')?.innerText ?? '';"
        ))
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_compliance_user_imports_a_file_with_one_bad_row_and_sees_why_it_was_rejected() {
    let app = TestApp::spawn().await;
    app.add_staff(STAFF, Role::Compliance, PASSWORD).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (viewport, phone) in [(PHONE, "+34612345600"), (DESKTOP, "+34612345601")] {
        let name = viewport.name;
        browser.resize(viewport).await;
        let file = dir.path().join(format!("shop-consents-{name}.csv"));
        std::fs::write(
            &file,
            format!(
                "{HEADER}\
                 {phone},offers,2024-03-01T09:30:00Z,\"paper form, shop 12\",2023-09,slip 4411\n\
                 {phone},newsletter,2024-03-01T09:30:00Z,\"paper form, shop 12\",2023-09,slip 4412\n"
            ),
        )
        .unwrap();

        browser.goto(&app.url("/admin/import")).await;
        browser.fill("#email", STAFF).await;
        browser.fill("#password", PASSWORD).await;
        browser.click("button[type=submit]").await;
        assert_eq!(text_of(&browser, "h1").await, "Import consents", "{name}");
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("import-form").await;

        // Sent without a file: the form says so beside the field.
        browser.click("form[enctype] button[type=submit]").await;
        assert_eq!(
            text_of(&browser, "#file-error").await,
            "Choose a CSV file.",
            "{name}"
        );
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("import-form-error").await;
        let logged = browser.console().await;
        assert!(
            logged.iter().all(|e| e.message.contains("status of 422")),
            "{logged:#?}"
        );

        browser
            .client
            .find(fantoccini::Locator::Css("#file"))
            .await
            .unwrap()
            .send_keys(file.to_str().unwrap())
            .await
            .unwrap();
        browser.click("form[enctype] button[type=submit]").await;
        let path = browser.eval("return location.pathname;").await;
        let id = path
            .as_str()
            .unwrap()
            .strip_prefix("/admin/import/")
            .unwrap_or_else(|| panic!("on the import's page: {path}"))
            .to_owned();
        assert!(
            text_of(&browser, "[role=status]")
                .await
                .contains("Waiting to start"),
            "{name}"
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("import-waiting").await;

        // The worker records it; the page shows the outcome by itself.
        finish(&app, &id).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while !text_of(&browser, "[role=status]")
            .await
            .contains("Finished")
        {
            assert!(
                Instant::now() < deadline,
                "the page did not refresh itself on the {name}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let status = text_of(&browser, "[role=status]").await;
        assert!(
            status.contains("Finished: 1 recorded, 0 already granted, 1 rejected"),
            "{status}"
        );
        let rejected = text_of(&browser, "table tbody").await;
        assert!(rejected.contains("3"), "line 3: {rejected}");
        assert!(
            rejected.contains("category: \"newsletter\" is not a category"),
            "{rejected}"
        );
        let download = browser
            .eval("return document.querySelector('a[href$=\"rejected.csv\"]')?.innerText;")
            .await;
        assert_eq!(download, "Download the rejected rows (CSV)");
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("import-finished").await;
        browser
            .eval("document.getElementById('rejected').scrollIntoView(); return null;")
            .await;
        browser.screenshot("import-rejected").await;
        browser.click(".sign-out button").await;
    }
    browser.close().await;
}
