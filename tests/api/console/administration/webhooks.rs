//! `/admin/webhooks`: an admin sets a number's forwarding URL and headers (by the
//! API's rules), gets the signing secret once (and a new one, once, on each
//! rotation, which changes what the receiver's signatures verify with), reads the
//! forwards still owed and the recent attempts, and retries one now. Bad input
//! comes back with what was typed and changes nothing. Audited.

use super::*;
use crate::helpers::business::{Business, assert_signed, consent_events, header};

/// The secret on the page that shows it once.
fn shown_secret(html: &str) -> String {
    let at = html
        .find(r#"<input id="webhook-secret""#)
        .unwrap_or_else(|| panic!("no secret on the page:\n{html}"));
    let rest = &html[at..];
    let start = rest.find(r#"value=""#).unwrap() + r#"value=""#.len();
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

async fn save(app: &TestApp, number: &str, url: &str, headers: &str) -> reqwest::Response {
    let path = format!("/admin/webhooks/{number}");
    submit(app, &path, &path, &[("url", url), ("headers", headers)]).await
}

/// Sets the sandbox number's webhook through the console; its first secret.
async fn configured(app: &TestApp, business: &Business) -> (String, String) {
    let number = sandbox_row_id(app).await;
    let r = save(
        app,
        &number,
        &business.url(),
        "X-Api-Token: abc\nX-Env: test",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    (number, shown_secret(&r.text().await.unwrap()))
}

/// The last consent event the business received.
async fn next_event(app: &TestApp, business: &Business, n: usize) -> wiremock::Request {
    let got = business
        .wait_for(app, &format!("{n} consent events"), |rs| {
            consent_events(rs).len() >= n
        })
        .await;
    consent_events(&got)[n - 1].1.clone()
}

#[tokio::test]
async fn the_secret_is_shown_once_and_rotating_it_changes_what_the_receiver_verifies_with() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let business = Business::start().await;
    let list = html(&app, "/admin/webhooks", 200).await;
    assert!(
        rows(&list, "webhooks")
            .iter()
            .any(|r| r[0].contains(SANDBOX_ID) && r[1] == "not set up"),
        "{list}"
    );
    let (number, first) = configured(&app, &business).await;
    assert!(is_hex64(&first), "{first}");
    let (_, config) = app.webhook_config(&app.api_key).await;
    assert_eq!(config["secret"], first.as_str(), "the secret in force");

    // No later page shows it; the form shows what is set.
    let page = html(&app, &format!("/admin/webhooks/{number}"), 200).await;
    for later in [
        page.clone(),
        html(&app, "/admin/webhooks", 200).await,
        html(&app, "/admin/audit", 200).await,
    ] {
        assert!(!later.contains(&first), "{later}");
    }
    assert_eq!(input_value(&page, "url"), business.url());
    assert!(
        page.contains("X-Api-Token: abc\nX-Env: test</textarea>"),
        "{page}"
    );

    // Forwards are signed with it, with the headers.
    app.consent(ALICE, "offers", "grant").await;
    let signed = next_event(&app, &business, 1).await;
    assert_signed(&signed, &first);
    assert_eq!(header(&signed, "x-api-token"), Some("abc"));

    // Rotation: a new secret, shown once, and the receiver sees its signature.
    let path = format!("/admin/webhooks/{number}/secret");
    let r = submit(&app, &format!("/admin/webhooks/{number}"), &path, &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let second = shown_secret(&r.text().await.unwrap());
    assert!(is_hex64(&second) && second != first);
    let page = html(&app, &format!("/admin/webhooks/{number}"), 200).await;
    assert!(!page.contains(&second) && !page.contains(&first));
    app.consent(BOB, "offers", "grant").await;
    let signed = next_event(&app, &business, 2).await;
    assert_signed(&signed, &second);
    let sig = header(&signed, "x-hub-signature-256").unwrap();
    assert!(
        !assent::signature::verify(&first, &signed.body, sig),
        "the old secret no longer verifies"
    );

    // Changing the URL keeps the secret and says so.
    let r = save(&app, &number, &business.url(), "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("/admin/webhooks/{number}"));
    let page = html(&app, &format!("/admin/webhooks/{number}"), 200).await;
    assert!(text(&page).contains("Saved. New forwards go to this URL."));
    assert_eq!(
        app.webhook_config(&app.api_key).await.1["secret"],
        second.as_str()
    );

    let target = format!("webhook:{number}");
    let entries: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.2 == target)
        .map(|e| (e.0, e.1, e.3))
        .collect();
    let url = business.url();
    assert_eq!(
        entries,
        vec![
            (
                ADMIN.to_owned(),
                "webhook.created".to_owned(),
                format!("{url} with headers X-Api-Token, X-Env")
            ),
            (
                ADMIN.to_owned(),
                "webhook.secret_rotated".to_owned(),
                String::new()
            ),
            (ADMIN.to_owned(), "webhook.changed".to_owned(), url.clone()),
        ]
    );
    assert!(
        audit(&app).await.iter().all(|e| !e.3.contains("abc")),
        "no header values"
    );
}

async fn owed(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as("SELECT id, state, attempts FROM forwards ORDER BY created_at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn retry_now_delivers_a_waiting_or_failed_forward_at_once() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let business = Business::start().await;
    let (number, secret) = configured(&app, &business).await;
    business.set_down(true);
    app.consent(ALICE, "offers", "grant").await;
    business
        .wait_for(&app, "a first try", |rs| !rs.is_empty())
        .await;
    // The endpoint is back, but the forward waits an hour for its next try, as
    // after a long outage.
    business.set_down(false);
    sqlx::query("UPDATE forwards SET next_attempt_at = next_attempt_at + 3600000")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    for _ in 0..5 {
        app.step().await;
    }
    assert_eq!(business.requests().await.len(), 1, "nothing due");
    let waiting = owed(&app).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!((waiting[0].1.as_str(), waiting[0].2), ("pending", 1));
    let page = html(&app, &format!("/admin/webhooks/{number}"), 200).await;
    let queued = rows(&page, r#"class="owed""#);
    assert_eq!(queued.len(), 1, "{page}");
    assert_eq!(&queued[0][1..4], ["consent", "waiting", "1"]);
    assert_eq!(queued[0][5], "answered HTTP 500");
    let tried = rows(&page, r#"class="attempts""#);
    assert_eq!(
        &tried[0][1..],
        ["consent", "not delivered", "answered HTTP 500"]
    );

    let retry = format!("/admin/webhooks/{number}/forwards/{}/retry", waiting[0].0);
    let r = submit(&app, &format!("/admin/webhooks/{number}"), &retry, &[]).await;
    assert_eq!(r.status(), 303);
    let got = business
        .wait_for(&app, "the retry", |rs| rs.len() == 2)
        .await;
    assert_signed(&got[1], &secret);
    assert_eq!(got[0].body, got[1].body, "the same forward again");
    assert!(owed(&app).await.is_empty(), "delivered");
    let page = html(&app, &format!("/admin/webhooks/{number}"), 200).await;
    assert!(text(&page).contains("The forward is due now"), "{page}");
    assert!(text(&page).contains("Nothing is waiting"), "{page}");
    let tried = rows(&page, r#"class="attempts""#);
    assert_eq!(
        &tried[0][1..],
        ["consent", "delivered", "answered HTTP 200"]
    );
    assert_eq!(tried.len(), 2);
    let retried = audited(&app, "webhook.retried").await;
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].2, format!("forward:{}", waiting[0].0));

    // One given up (failed after 7 days) goes again too.
    business.set_down(true);
    app.consent(BOB, "offers", "grant").await;
    business.wait_for(&app, "a try", |rs| rs.len() == 3).await;
    business.set_down(false);
    sqlx::query("UPDATE forwards SET state = 'failed'")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let failed = owed(&app).await;
    let page = html(&app, &format!("/admin/webhooks/{number}"), 200).await;
    assert_eq!(rows(&page, r#"class="owed""#)[0][2], "failed");
    let retry = format!("/admin/webhooks/{number}/forwards/{}/retry", failed[0].0);
    assert_eq!(
        submit(&app, &format!("/admin/webhooks/{number}"), &retry, &[])
            .await
            .status(),
        303
    );
    business
        .wait_for(&app, "the retry", |rs| rs.len() == 4)
        .await;
    assert!(owed(&app).await.is_empty());

    // A forward that is gone is not retried, and nothing is audited.
    let entries = app.count("audit_log").await;
    let r = submit(&app, &format!("/admin/webhooks/{number}"), &retry, &[]).await;
    assert_eq!(r.status(), 303);
    assert!(
        text(&html(&app, &format!("/admin/webhooks/{number}"), 200).await)
            .contains("delivered already")
    );
    assert_eq!(app.count("audit_log").await, entries);
}

#[tokio::test]
async fn bad_settings_come_back_with_what_was_typed_and_change_nothing() {
    let db = TestDb::new().await;
    let mut settings = settings(&db.url);
    settings.forward.to_internal = false;
    let app = TestApp::spawn_with(db, settings).await;
    admin(&app).await;
    let number = sandbox_row_id(&app).await;
    let entries = app.count("audit_log").await;
    for (url, headers, field, says) in [
        ("not a url", "", "url", "The URL is not a URL"),
        (
            "ftp://files.example/hook",
            "",
            "url",
            "must be an http:// or https:// URL",
        ),
        (
            "http://127.0.0.1:9/hook",
            "",
            "url",
            "127.0.0.1 is an internal address",
        ),
        (
            "http://169.254.169.254/latest",
            "",
            "url",
            "internal address",
        ),
        (
            "https://crm.example/hook",
            "X-Ok: 1\nno colon here",
            "headers",
            "Line 2 is not Name: value",
        ),
        (
            "https://crm.example/hook",
            "Content-Type: text/plain",
            "headers",
            "Content-Type is set by Assent itself",
        ),
        (
            "https://crm.example/<b>",
            "X-Bad Name: 1",
            "headers",
            "is not a valid header name",
        ),
    ] {
        let r = save(&app, &number, url, headers).await;
        assert_eq!(r.status(), 422, "{url} {headers:?}");
        let page = r.text().await.unwrap();
        let error = page
            .split(&format!(r#"id="{field}-error">"#))
            .nth(1)
            .unwrap_or_else(|| panic!("no {field} error: {page}"));
        assert!(
            text(&error[..error.find("</p>").unwrap()]).contains(says),
            "{url}: {error}"
        );
        let escaped = |s: &str| s.replace('<', "&#60;").replace('>', "&#62;");
        assert_eq!(input_value(&page, "url"), escaped(url));
        assert!(
            page.contains(&format!("{}</textarea>", escaped(headers))),
            "{page}"
        );
        assert!(!page.contains("webhook-secret"));
    }
    assert_eq!(app.count("webhook_configs").await, 0);
    assert_eq!(app.count("audit_log").await, entries);
    // Rotating a secret that does not exist makes none.
    let r = submit(
        &app,
        "/admin/webhooks",
        &format!("/admin/webhooks/{number}/secret"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.count("webhook_configs").await, 0);
    assert_eq!(
        app.page("/admin/webhooks/no-such-number").await.status(),
        404
    );
}
