//! The compliance workspace in a real headless Chromium, on a phone and a
//! desktop: a compliance officer signs in, reads the dashboard, searches the
//! ledger for a person, downloads the result, checks the ledger's integrity and
//! reads the blocked sends. Clean console, no sideways scrolling, screenshots.

use super::*;
use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::ledger::ok_consent;

#[tokio::test]
async fn a_compliance_officer_searches_the_ledger_and_downloads_it_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    ok_consent(&app, BOB, "offers", "grant").await;
    ok_consent(&app, ALICE, "offers", "withdraw").await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    app.send(&template_body(ALICE, "spring_sale")).await;
    let email = "officer@acme.example";
    app.add_staff(email, Role::Compliance, PASSWORD).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    browser.goto(&app.url("/admin")).await;
    browser.fill("#email", email).await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;

    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        let name = viewport.name;

        browser.goto(&app.url("/admin")).await;
        let text = browser.text().await;
        assert!(
            text.contains("Compliance at a glance"),
            "on the {name}: {text}"
        );
        assert!(
            text.contains("Opt-ins (consent granted): 3"),
            "on the {name}"
        );
        let chart = browser
            .eval("const r = document.querySelector('figure.chart svg').getBoundingClientRect(); return [r.width, r.height];")
            .await;
        assert!(
            chart[0].as_f64().unwrap() > 300.0,
            "the chart is drawn: {chart}"
        );
        browser.check_whole("compliance-dashboard").await;

        browser.goto(&app.url("/admin/ledger")).await;
        browser.check_whole("ledger").await;
        browser.fill("#phone", "+34 612 34 56 78").await;
        browser
            .eval("document.getElementById('category').value = 'offers'; return null;")
            .await;
        browser
            .click("form[action='/admin/ledger'] button[type=submit]")
            .await;
        let found = browser
            .eval(
                "return [...document.querySelectorAll('tbody tr')].map(r => r.cells[3].innerText);",
            )
            .await;
        assert_eq!(
            found,
            serde_json::json!(["withdrawn", "granted"]),
            "on the {name}"
        );
        let kept = browser
            .eval("return document.getElementById('phone').value;")
            .await;
        assert_eq!(kept, "+34 612 34 56 78");
        browser.check_whole("ledger-search").await;

        // The download, as the browser fetches the page's own link.
        let csv = browser
            .eval("return fetch(document.querySelector('.downloads a').href).then(r => r.text());")
            .await;
        let csv = csv.as_str().unwrap();
        assert!(
            csv.starts_with("seq,id,created_at,"),
            "on the {name}: {csv}"
        );
        assert_eq!(
            csv.lines().count(),
            3,
            "the header and ALICE's two offers events"
        );
        assert!(csv.contains(ALICE));

        browser.goto(&app.url("/admin/ledger/verify")).await;
        browser
            .click("form[action='/admin/ledger/verify'] button")
            .await;
        assert!(browser.text().await.contains("Intact"), "on the {name}");
        browser.check_whole("ledger-verify").await;

        browser.goto(&app.url("/admin/blocked")).await;
        let text = browser.text().await;
        assert!(
            text.contains("No consent in the template's category"),
            "on the {name}"
        );
        browser.check_whole("blocked-sends").await;
    }
    assert_eq!(audited(&app, "ledger.exported").await.len(), 2);
    browser.close().await;
}

#[tokio::test]
async fn a_marketer_signs_in_and_is_refused_the_ledger_with_no_compliance_entries_in_the_menu() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, BOB, "offers", "grant").await;
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
    let menu = "return [...document.querySelectorAll('nav[aria-label=Console] a')].map(a => a.getAttribute('href'));";

    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        let name = viewport.name;

        browser.goto(&app.url("/admin")).await;
        let text = browser.text().await;
        assert!(
            text.contains(&format!("{email} (marketer)")),
            "signed in, on the {name}: {text}"
        );
        assert!(!text.contains("Compliance at a glance"), "on the {name}");
        assert_eq!(
            browser.eval(menu).await,
            serde_json::json!([
                "/admin",
                "/admin/forms",
                "/admin/entry-points",
                "/sandbox",
                "/admin/account"
            ]),
            "no compliance entries in the menu on the {name}"
        );
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("marketer-home").await;

        browser.goto(&app.url("/admin/ledger")).await;
        let heading = browser
            .eval("return document.querySelector('h1')?.innerText;")
            .await;
        assert_eq!(heading, "Not allowed", "on the {name}");
        let text = browser.text().await;
        assert!(
            text.contains("You do not have permission to open this page."),
            "on the {name}: {text}"
        );
        for leak in [&ALICE[1..], &BOB[1..], "offers", "granted"] {
            assert!(
                !text.contains(leak),
                "no ledger data ({leak}) on the {name}: {text}"
            );
        }
        let tables = browser
            .eval(
                "return document.querySelectorAll('table, form[action=\"/admin/ledger\"]').length;",
            )
            .await;
        assert_eq!(tables, 0, "no results and no search form on the {name}");
        let links = browser.eval(menu).await;
        for entry in [
            "/admin/ledger",
            "/admin/ledger/verify",
            "/admin/blocked",
            "/admin/audit",
            "/admin/import",
            "/admin/users",
        ] {
            assert!(
                !links.as_array().unwrap().iter().any(|l| l == entry),
                "{entry} in the menu of the 403 page on the {name}: {links}"
            );
        }
        // What the browser got, and the download behind the page.
        let answers = browser
            .eval(
                "return Promise.all(['/admin/ledger', '/admin/ledger/export?format=csv'].map(u => fetch(u).then(async r => [r.status, await r.text()])));",
            )
            .await;
        for answer in answers.as_array().unwrap() {
            assert_eq!(answer[0], 403, "on the {name}: {answer}");
            let body = answer[1].as_str().unwrap();
            assert!(
                !body.contains(&ALICE[1..]) && !body.contains("seq,id"),
                "{body}"
            );
        }
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("marketer-refused-ledger").await;
    }
    assert_eq!(audited(&app, "ledger.exported").await, vec![]);
    browser.close().await;
}
