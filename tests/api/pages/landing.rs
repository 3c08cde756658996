//! The landing page `/`: what this site is, with nothing internal on it, and
//! the static files every page uses.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::*;

#[tokio::test]
async fn the_landing_page_says_what_this_is_and_shows_nothing_internal() {
    let app = TestApp::spawn().await;
    let r = app.page("/").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<h1>Consent for WhatsApp messages</h1>"),
        "{html}"
    );
    assert!(html.contains(r#"href="/login""#), "staff find the sign-in");
    assert!(
        html.contains(r#"href="/api/openapi.json""#),
        "developers find the API"
    );
    for internal in [SANDBOX_ID, "+12025550100", "sandbox", "apikey"] {
        assert!(
            !html.contains(internal),
            "{internal} on the public landing page"
        );
    }
}

#[tokio::test]
async fn static_files_have_content_hashed_names_and_long_caching() {
    let app = TestApp::spawn().await;
    let html = app.page("/").await.text().await.unwrap();
    let css = link(&html, "stylesheet");
    assert!(
        css.starts_with("/static/assent.") && css.ends_with(".css") && css.len() > 30,
        "{css}"
    );
    let r = app.page(&css).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let icon = link(&html, "icon");
    let r = app.page(&icon).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");

    // Only the current content has a name: an old or unhashed one is not found.
    for gone in ["/static/assent.css", "/static/assent.000000000000.css"] {
        assert_eq!(app.page(gone).await.status(), 404, "{gone}");
    }
    let favicon = app.page("/favicon.ico").await;
    assert_eq!(favicon.status(), 200);
    assert_eq!(favicon.headers()["content-type"], "image/x-icon");
    assert!(
        favicon.bytes().await.unwrap().starts_with(&[0, 0, 1, 0]),
        "an ICO file"
    );
}

/// The `href` of the `<link rel="{rel}">` of a page.
fn link(html: &str, rel: &str) -> String {
    let tag = html
        .split("<link ")
        .find(|t| t.contains(&format!(r#"rel="{rel}""#)))
        .unwrap_or_else(|| panic!("no link rel={rel} in {html}"));
    let href = tag.split(r#"href=""#).nth(1).unwrap();
    href[..href.find('"').unwrap()].to_owned()
}

#[tokio::test]
async fn the_landing_page_renders_in_a_browser_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        browser.goto(&app.url("/")).await;
        let title = browser.client.title().await.unwrap();
        assert_eq!(title, "Assent: consent for WhatsApp messages");
        let h1 = browser
            .eval("return document.querySelector('h1')?.textContent;")
            .await;
        assert_eq!(
            h1, "Consent for WhatsApp messages",
            "on the {}",
            viewport.name
        );
        let stylesheet_applied = browser
            .eval("return getComputedStyle(document.querySelector('main')).maxWidth;")
            .await;
        assert_eq!(
            stylesheet_applied, "736px",
            "the stylesheet loaded on the {}",
            viewport.name
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("landing").await;
    }
    browser.close().await;
}
