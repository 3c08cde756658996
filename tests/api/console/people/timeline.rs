//! `/admin/contacts/{id}`: the person's consent per category, every event with
//! the notice text shown at the time and the evidence kept, and the messages
//! sent, refused and received.

use crate::helpers::chat::{e164, person};
use crate::helpers::people::*;
use crate::helpers::*;
use serde_json::json;

/// Text as the page writes it (HTML-escaped, as askama escapes).
fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn the_timeline_shows_each_event_with_the_notice_shown_the_evidence_and_the_messages() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let other = history(&app, 2).await;
    app.as_compliance().await;

    let html = app
        .console_page(&format!("/admin/contacts/{}", ana.contact_id))
        .await;
    assert!(
        html.contains(&format!("<h1>{}</h1>", e164(&ana.wa_id))),
        "{html}"
    );
    // Consent now, per category.
    for (title, state) in [
        ("Offers and promotions", "granted"),
        ("Order updates", "granted"),
        ("Product news", "withdrawn"),
    ] {
        let at = html
            .find(title)
            .unwrap_or_else(|| panic!("{title}: {html}"));
        let row = &html[at..at + html[at..].find("</tr>").unwrap()];
        assert!(row.contains(&format!("<td>{state}</td>")), "{title}: {row}");
    }
    // The chat grants: the notice's exact text of the version shown, its
    // version and hash, and the Accept button's message as evidence.
    assert!(html.contains("Granted: Offers and promotions"), "{html}");
    assert!(
        html.contains(&escaped(&ana.notice_text)),
        "the notice text: {html}"
    );
    assert!(html.contains("version chat-1"), "{html}");
    assert!(html.contains(&sha256_hex(&ana.notice_text)));
    assert!(html.contains(&format!(r#"href="/notices/{}""#, ana.notice_id)));
    assert!(
        html.contains(&ana.accept_message),
        "inbound message id evidence"
    );
    assert!(html.contains("Inbound message id"));
    // The withdrawal through the API: its IP and user agent, the key that made
    // it, and a notice Assent only knows by its hash.
    assert!(html.contains("Withdrawn: Product news"), "{html}");
    assert!(html.contains("203.0.113.7") && html.contains("Browser (user agent)"));
    assert!(html.contains("API key “tests”"), "{html}");
    assert!(
        html.contains("Assent holds only this text's SHA-256"),
        "{html}"
    );
    // Every event has its receipt, as a page and as JSON.
    let events: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM ledger_events WHERE subject_id = $1 ORDER BY seq")
            .bind(&ana.contact_id)
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(events.len(), 4, "three grants and a withdrawal");
    for (id,) in &events {
        let href = format!("/admin/contacts/{}/receipts/{id}", ana.contact_id);
        assert!(html.contains(&format!(r#"href="{href}""#)), "{href}");
        assert!(
            html.contains(&format!(r#"href="{href}.json""#)),
            "{href}.json"
        );
    }
    // Messages sent (the terms, the confirmation and the template), refused and
    // received.
    assert!(html.contains("template order_shipped"), "{html}");
    assert!(html.contains("template spring_sale (en)"), "{html}");
    assert!(
        html.contains("no consent") && html.contains("470102"),
        "{html}"
    );
    let sent_rows = html[html.find(r#"id="sent""#).unwrap()..html.find(r#"id="blocked""#).unwrap()]
        .matches(r#"<tr><td class="when">"#)
        .count();
    assert!(sent_rows >= 3, "terms, confirmation and template: {html}");
    let received = &html[html.find(r#"id="received""#).unwrap()..];
    assert_eq!(
        received.matches(r#"<tr><td class="when">"#).count(),
        2,
        "{received}"
    );
    // Nothing of the other person.
    assert!(!html.contains(&other.wa_id) && !html.contains(&other.accept_message));
}

#[tokio::test]
async fn a_web_form_sign_up_shows_the_forms_notice_the_ip_and_the_pending_confirmation() {
    let app = TestApp::spawn().await;
    let mut form = form_body("join");
    let notice = "Acme <b>will</b> send you offers & news on WhatsApp. Reply STOP at any time.";
    form["notice"] = json!(notice);
    app.with_form(form).await;
    let wa_id = person(3);
    let r = app
        .submit_form("join", "US", &e164(&wa_id), &["offers"])
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    app.as_compliance().await;

    let id = app.contact_id(&wa_id).await;
    let html = app.console_page(&format!("/admin/contacts/{id}")).await;
    assert!(html.contains("Granted: Offers and promotions"), "{html}");
    assert!(html.contains("web form <code>form:join</code>"), "{html}");
    assert!(
        html.contains(&escaped(notice)),
        "escaped, never run: {html}"
    );
    assert!(!html.contains("<b>will</b>"));
    assert!(html.contains("version join-v1"), "{html}");
    assert!(html.contains("127.0.0.1"), "the sender's IP: {html}");
    assert!(html.contains("pending confirmation"), "{html}");
    assert!(html.contains("Awaits confirmation by"), "{html}");
    assert!(
        html.contains("template welcome_optin"),
        "the welcome: {html}"
    );
}

#[tokio::test]
async fn an_unknown_person_is_a_404_page() {
    let app = TestApp::spawn().await;
    app.as_compliance().await;
    let audited = app.count("audit_log").await;
    for path in [
        "/admin/contacts/no-such-id",
        "/admin/contacts/no-such-id/access.json",
        "/admin/contacts/no-such-id/erase",
        "/admin/contacts/no-such-id/receipts/no-such-event",
        "/admin/contacts/no-such-id/receipts/no-such-event.json",
    ] {
        let r = app.page(path).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.text().await.unwrap().contains("<h1>"), "a page: {path}");
    }
    assert_eq!(
        app.count("audit_log").await,
        audited,
        "nothing was read out"
    );
}
