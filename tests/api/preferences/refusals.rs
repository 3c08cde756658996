//! What the preference center refuses, changing nothing: a POST without the page's
//! token, with another page's, or from another site (403); a link we did not make
//! (403) or one past its time, or of a person erased since (410), each answered with
//! a page in the person's language that says how to get a new link.

use crate::helpers::chat::*;
use crate::helpers::preferences::*;
use crate::helpers::*;
use std::time::Duration;

/// Form fields or headers.
type Pairs<'a> = Vec<(&'a str, &'a str)>;

/// What a refused request must leave as it was.
async fn unchanged(app: &TestApp, wa_id: &str, events: i64, label: &str) {
    assert_eq!(
        app.count("ledger_events").await,
        events,
        "{label}: no event"
    );
    assert_eq!(states(app, wa_id).await, all_granted(), "{label}");
}

#[tokio::test]
async fn a_post_without_the_pages_token_or_from_another_site_is_refused() {
    let app = TestApp::spawn().await;
    let ana = person(40);
    let ben = person(41);
    accepted_people(&app, &[(ana.clone(), None), (ben.clone(), None)]).await;
    let path = ends_with_choices(&last_reply(&app, &ana).await, CHOICES_EN);
    let other = ends_with_choices(&last_reply(&app, &ben).await, CHOICES_EN);
    let token = app.prefs_page(&path).await.1;
    let token = csrf_token(&token);
    let others_token = csrf_token(&app.prefs_page(&other).await.1);
    assert_ne!(token, others_token);
    let events = app.count("ledger_events").await;

    let here = app.address.as_str();
    let (token, others_token) = (token.as_str(), others_token.as_str());
    let cases: [(&str, Pairs, Pairs); 5] = [
        (
            "no token",
            vec![("stop_all", "1")],
            vec![("origin", here), ("sec-fetch-site", "same-origin")],
        ),
        (
            "another page's token",
            vec![("csrf_token", others_token), ("stop_all", "1")],
            vec![("origin", here), ("sec-fetch-site", "same-origin")],
        ),
        (
            "from another origin",
            vec![("csrf_token", token), ("stop_all", "1")],
            vec![
                ("origin", "https://evil.example"),
                ("sec-fetch-site", "cross-site"),
            ],
        ),
        (
            "Origin of another site alone",
            vec![("csrf_token", token), ("stop_all", "1")],
            vec![("origin", "https://evil.example")],
        ),
        (
            "Sec-Fetch-Site cross-site alone",
            vec![("csrf_token", token), ("stop_all", "1")],
            vec![("sec-fetch-site", "cross-site")],
        ),
    ];
    for (label, fields, headers) in cases {
        let r = app.post_form_with(&path, &fields, &headers).await;
        assert_eq!(r.status(), 403, "{label}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<h1>"), "{label}: a page: {html}");
        unchanged(&app, &ana, events, label).await;
    }
    // The other person's link is not touched by any of it either.
    assert_eq!(states(&app, &ben).await, all_granted());

    // With the page's own token, from this site, the same POST works.
    let r = app
        .post_form(&path, &[("csrf_token", token), ("stop_all", "1")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(states(&app, &ana).await, all_withdrawn());
}

#[tokio::test]
async fn a_tampered_link_is_not_valid_and_says_how_to_get_a_new_one() {
    let app = TestApp::spawn().await;
    let ana = person(42);
    let path = accepted_with_link(&app, &ana).await;
    let bad = tampered(&path);
    let events = app.count("ledger_events").await;

    let (status, html) = app.prefs_page(&bad).await;
    assert_eq!(status, 403, "{html}");
    assert!(html.contains("This link is not valid"), "{html}");
    assert!(html.contains("reply PREFERENCES"), "{html}");
    assert!(!html.contains("csrf_token"), "no form on it: {html}");

    let (status, html) = app.prefs_page(&format!("{bad}?lang=es")).await;
    assert_eq!(status, 403);
    assert!(html.contains("Este enlace no es válido"), "{html}");
    assert!(html.contains("PREFERENCIAS"), "{html}");
    let r = app.page_in(&bad, "es-ES,es;q=0.9").await;
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("Este enlace no es válido"), "{html}");

    for made_up in ["/p/not-a-token", "/p/AAAA", &path[..path.len() - 6]] {
        let (status, html) = app.prefs_page(made_up).await;
        assert_eq!(status, 403, "{made_up}: {html}");
        assert!(html.contains("This link is not valid"), "{made_up}");
    }

    // Posting to it, even with a real page's token, changes nothing.
    let token = csrf_token(&app.prefs_page(&path).await.1);
    let r = app
        .post_form(&bad, &[("csrf_token", &token), ("stop_all", "1")])
        .await;
    assert_eq!(r.status(), 403);
    unchanged(&app, &ana, events, "a tampered link").await;
}

#[tokio::test]
async fn an_expired_link_is_gone_and_says_how_to_get_a_new_one() {
    let app = TestApp::spawn().await;
    let ana = person(43);
    accepted_with_link(&app, &ana).await;
    let contact = contact_id(&app, &ana).await;
    let expired = sealed_path(&app, &contact, Duration::ZERO);
    let events = app.count("ledger_events").await;

    let (status, html) = app.prefs_page(&expired).await;
    assert_eq!(status, 410, "{html}");
    assert!(html.contains("This link has expired"), "{html}");
    assert!(html.contains("reply PREFERENCES"), "{html}");
    let (status, html) = app.prefs_page(&format!("{expired}?lang=es")).await;
    assert_eq!(status, 410);
    assert!(html.contains("Este enlace ha caducado"), "{html}");
    assert!(html.contains("PREFERENCIAS"), "{html}");
    let r = app.page_in(&expired, "pt-PT,pt;q=0.8").await;
    assert_eq!(r.status(), 410);
    let html = r.text().await.unwrap();
    assert!(html.contains("Este link expirou"), "{html}");
    assert!(html.contains("PREFERÊNCIAS"), "{html}");

    // A page opened while the link worked cannot save once it has expired.
    let short = sealed_path(&app, &contact, Duration::from_secs(3));
    let (status, html) = app.prefs_page(&short).await;
    assert_eq!(status, 200, "{html}");
    let token = csrf_token(&html);
    tokio::time::sleep(Duration::from_millis(3200)).await;
    let r = app
        .post_form(&short, &[("csrf_token", &token), ("stop_all", "1")])
        .await;
    assert_eq!(r.status(), 410);
    assert!(r.text().await.unwrap().contains("This link has expired"));
    unchanged(&app, &ana, events, "an expired link").await;
}

#[tokio::test]
async fn the_link_of_a_person_erased_since_is_gone() {
    let app = TestApp::spawn().await;
    let ana = person(44);
    let path = accepted_with_link(&app, &ana).await;
    let token = csrf_token(&app.prefs_page(&path).await.1);
    app.erase(&e164(&ana)).await;
    let events = app.count("ledger_events").await;

    let (status, html) = app.prefs_page(&path).await;
    assert_eq!(status, 410, "{html}");
    assert!(html.contains("This link has expired"), "{html}");
    let r = app
        .post_form(&path, &[("csrf_token", &token), ("category", "offers")])
        .await;
    assert_eq!(r.status(), 410);
    assert_eq!(app.count("ledger_events").await, events, "nothing recorded");
    assert_eq!(app.count("contacts").await, 0, "nobody brought back");
}
