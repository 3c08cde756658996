//! Errors on pages are pages: the right status, in the person's language, with the
//! security headers every page has. Machines get JSON (see validation::bodies).

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::*;

#[tokio::test]
async fn an_unknown_page_is_an_html_404_in_the_persons_language() {
    let app = TestApp::spawn().await;
    for (how, r, lang, title) in [
        (
            "default",
            app.page("/no/such/page").await,
            "en",
            "Page not found",
        ),
        (
            "Accept-Language",
            app.page_in("/no/such/page", "es-ES,es;q=0.9,en;q=0.5")
                .await,
            "es",
            "Página no encontrada",
        ),
        (
            "Accept-Language",
            app.page_in("/no/such/page", "pt-BR").await,
            "pt",
            "Página não encontrada",
        ),
        (
            "?lang=",
            app.page("/no/such/page?lang=pt").await,
            "pt",
            "Página não encontrada",
        ),
        (
            "a language Assent does not speak",
            app.page_in("/no/such/page", "de-DE").await,
            "en",
            "Page not found",
        ),
    ] {
        assert_eq!(r.status(), 404, "{how}");
        assert_eq!(
            r.headers()["content-type"],
            "text/html; charset=utf-8",
            "{how}"
        );
        let html = r.text().await.unwrap();
        assert!(
            html.contains(&format!(r#"<html lang="{lang}">"#)),
            "{how}: {html}"
        );
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{how}: {html}");
        assert!(html.contains(r#"href="/""#), "{how}: a way back home");
    }
}

#[tokio::test]
async fn a_page_used_with_the_wrong_method_answers_405_with_allow() {
    let app = TestApp::spawn().await;
    let r = app.page("/logout").await;
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>Not possible here</h1>")
    );
    let r = app.page_in("/logout", "es").await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>No es posible aquí</h1>")
    );
}

#[tokio::test]
async fn every_page_and_error_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/no/such/page", "/favicon.ico"] {
        let r = app.page(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        for directive in [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {csp}");
        }
        assert!(
            !csp.contains("unsafe-inline") && !csp.contains("http"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
    }
}

#[tokio::test]
async fn pages_hold_no_inline_script_or_style() {
    let app = TestApp::spawn().await;
    for path in ["/", "/login", "/no/such/page", "/logout"] {
        let html = app.page(path).await.text().await.unwrap();
        for inline in ["<script", "<style", " style=", " onclick=", " onload="] {
            assert!(!html.contains(inline), "{path} has {inline}");
        }
    }
}

#[tokio::test]
async fn the_404_page_renders_in_a_browser_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        browser.goto(&app.url("/no/such/page?lang=es")).await;
        let h1 = browser
            .eval("return document.querySelector('h1')?.textContent;")
            .await;
        assert_eq!(h1, "Página no encontrada", "on the {}", viewport.name);
        // The language links lead to the same page in the other languages.
        let english = browser
            .eval("return document.querySelector('a[hreflang=en]')?.getAttribute('href');")
            .await;
        assert_eq!(english, "/no/such/page?lang=en");
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("not-found").await;
        // The 404 itself is in the console; nothing else may be.
        let others: Vec<_> = browser
            .console()
            .await
            .into_iter()
            .filter(|e| e.level == "SEVERE" && !e.message.contains("status of 404"))
            .collect();
        assert!(others.is_empty(), "{others:#?}");
    }
    browser.close().await;
}
