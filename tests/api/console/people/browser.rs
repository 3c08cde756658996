//! In a real browser, on a phone and on a desktop: a compliance officer opens a
//! person's timeline, opens and downloads a receipt, and erases the person
//! through the confirmation step. Screenshots of each page go to
//! target/screenshots/.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::chat::e164;
use crate::helpers::people::*;
use crate::helpers::*;
use assent::users::Role;

async fn h1(browser: &Browser) -> String {
    browser
        .eval("return document.querySelector('h1')?.textContent;")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

async fn looks_right(browser: &Browser, name: &str) {
    browser.assert_clean_console().await;
    browser.assert_no_sideways_scroll().await;
    browser.screenshot(name).await;
}

#[tokio::test]
async fn a_compliance_officer_reads_a_timeline_takes_a_receipt_and_erases_a_person() {
    let app = TestApp::spawn().await;
    let people = [history(&app, 1).await, history(&app, 2).await];
    app.add_staff(COMPLIANCE, Role::Compliance, STAFF_PASSWORD)
        .await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.goto(&app.url("/login")).await;
    browser.fill("#email", COMPLIANCE).await;
    browser.fill("#password", STAFF_PASSWORD).await;
    browser.click("button[type=submit]").await;
    assert_eq!(h1(&browser).await, "Console");

    for (viewport, person) in [(PHONE, &people[0]), (DESKTOP, &people[1])] {
        browser.resize(viewport).await;
        let page = app.url(&format!("/admin/contacts/{}", person.contact_id));
        browser.goto(&page).await;
        assert_eq!(h1(&browser).await, e164(&person.wa_id));
        looks_right(&browser, "person").await;
        browser
            .eval("document.querySelector('#timeline').scrollIntoView(); return null;")
            .await;
        browser.screenshot("person-timeline").await;
        browser
            .eval("document.querySelector('#sent').scrollIntoView(); return null;")
            .await;
        browser.screenshot("person-messages").await;

        // The newest event's receipt, as a page and as the file.
        browser.click(".timeline .links a:not([download])").await;
        assert_eq!(h1(&browser).await, "Consent receipt");
        looks_right(&browser, "receipt").await;
        let receipt = browser
            .eval(
                "return fetch(document.querySelector('a[download]').href)\
                 .then(r => r.json().then(j => [r.headers.get('content-disposition'), j]));",
            )
            .await;
        assert!(
            receipt[0].as_str().unwrap().starts_with("attachment"),
            "{receipt}"
        );
        assert_eq!(receipt[1]["version"], "KI-CR-v1.1.0");
        assert_eq!(receipt[1]["piiPrincipalId"], e164(&person.wa_id));

        // Erasure: the confirmation first, then the form.
        browser.goto(&page).await;
        browser.click("a.button.danger").await;
        assert_eq!(
            h1(&browser).await,
            format!("Erase {}?", e164(&person.wa_id))
        );
        looks_right(&browser, "erase-confirm").await;
        browser.click("button.danger").await;
        assert_eq!(h1(&browser).await, "Erased person");
        let said = browser
            .eval("return document.querySelector('main').innerText;")
            .await;
        let said = said.as_str().unwrap();
        assert!(said.contains("Erased. Removed 1 contact"), "{said}");
        assert!(said.contains("the ledger is intact"), "{said}");
        assert!(said.contains("Suppression entry"), "{said}");
        looks_right(&browser, "person-erased").await;
    }
    browser.close().await;
    assert_eq!(app.count("contacts").await, 0, "both erased");
    assert!(crate::helpers::ledger::verify(&app).ok());
}
