//! The notice page `/notices/{id}`: the exact terms a person was shown in chat,
//! public at the link the terms message carries.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::chat::*;
use crate::helpers::*;

#[tokio::test]
async fn the_notice_linked_from_the_chat_terms_renders_in_a_browser_on_a_phone_and_a_desktop() {
    let app = TestApp::spawn().await;
    // A new person writes: the terms they get link to the notice.
    let kim = person(99);
    text(&app, &kim, "Hello").await;
    let sent = app.sent_to(&kim).await;
    let terms = terms_messages(&sent);
    assert_eq!(terms.len(), 1, "{sent:?}");
    let (link, notice_id) = notice_link(&said(terms[0]));
    // Links use the public URL (https://assent.example); the page is served here.
    let path = link
        .strip_prefix("https://assent.example")
        .unwrap()
        .trim_end_matches(['.', ')', ',']);
    assert_eq!(path, format!("/notices/{notice_id}"));
    let (body, sha256): (String, String) =
        sqlx::query_as("SELECT body, sha256 FROM notices WHERE id = $1")
            .bind(&notice_id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();

    let Some(mut browser) = Browser::start().await else {
        return;
    };
    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        browser.goto(&app.url(path)).await;
        let title = browser.client.title().await.unwrap();
        assert_eq!(title, "Messages from +12025550100");
        let h1 = browser
            .eval("return document.querySelector('h1')?.textContent;")
            .await;
        assert!(
            h1.as_str().is_some_and(|h| h.starts_with("Messages from ")),
            "h1 on the {}: {h1}",
            viewport.name
        );
        let text = browser.eval("return document.body.innerText;").await;
        let text = text.as_str().unwrap();
        for line in body.lines().filter(|l| !l.trim().is_empty()) {
            assert!(
                text.contains(line.trim()),
                "the {} shows the notice line {line:?}:\n{text}",
                viewport.name
            );
        }
        assert!(
            text.contains(&sha256),
            "the {} shows the SHA-256",
            viewport.name
        );
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("notice").await;
    }
    browser.close().await;
}
