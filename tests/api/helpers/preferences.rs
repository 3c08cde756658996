//! The preference center from the person's side: the link Assent's chat replies end
//! with, the page it opens (read as a person reads it: ticked boxes, state texts),
//! and choices posted back as a browser posts them (this site's `Origin`, the
//! page's hidden token, a user agent).

use super::chat::{e164, press, text};
use super::{TestApp, csrf_token};
use assent::tokens::{self, Purpose};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// The public URL Assent writes links with in tests; their paths are opened on
/// the test server.
pub const PUBLIC_URL: &str = "https://assent.example";
/// The user agent a test's browser-like posts carry.
pub const USER_AGENT: &str = "Mozilla/5.0 (Test; Assent preference center)";
/// The line that ends a confirmation, per language, up to the link.
pub const CHOICES_EN: &str = "Your choices, at any time: ";
pub const CHOICES_ES: &str = "Tus preferencias, cuando quieras: ";
pub const CHOICES_PT: &str = "Suas escolhas, a qualquer momento: ";

/// The preference link (`https://assent.example/p/…`) in a message, if any.
pub fn link_in(message: &str) -> Option<String> {
    let at = message.find(&format!("{PUBLIC_URL}/p/"))?;
    Some(
        message[at..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect(),
    )
}

/// The path (`/p/{token}`) of a preference link, to open on the test server.
pub fn path_of(link: &str) -> String {
    let path = link
        .strip_prefix(PUBLIC_URL)
        .unwrap_or_else(|| panic!("not a link of this site: {link}"));
    assert!(path.starts_with("/p/") && path.len() > 20, "{link}");
    path.to_owned()
}

/// Checks that `message` ends with the line `{line_start}{public_url}/p/{token}`
/// and returns the link's path.
pub fn ends_with_choices(message: &str, line_start: &str) -> String {
    let last = message.lines().last().unwrap_or_default();
    let link = last.strip_prefix(line_start).unwrap_or_else(|| {
        panic!("the message should end with a line {line_start:?}…: {message:?}")
    });
    let path = path_of(link);
    let token = path.strip_prefix("/p/").unwrap();
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "the link is the whole rest of the line: {last:?}"
    );
    path
}

/// The person writes and accepts the terms; returns the path of the preference
/// link the "accepted" reply ends with.
pub async fn accepted_with_link(app: &TestApp, wa_id: &str) -> String {
    text(app, wa_id, "Hi").await;
    press(app, wa_id, "assent_terms_accept").await;
    let reply = super::chat::last_reply(app, wa_id).await;
    ends_with_choices(&reply, CHOICES_EN)
}

/// The contact id Assent keeps for the person on the sandbox number.
pub async fn contact_id(app: &TestApp, wa_id: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM contacts WHERE wa_id = $1")
        .bind(wa_id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

/// A preference link for the contact that expires `ttl` from now (a past one:
/// `Duration::ZERO`), sealed as Assent seals the ones it sends.
pub fn sealed_path(app: &TestApp, contact_id: &str, ttl: Duration) -> String {
    let token = tokens::seal(
        &app.services.secret,
        Purpose::Preferences,
        contact_id.as_bytes(),
        ttl,
        assent::db::now_ms(),
    );
    format!("/p/{token}")
}

/// The same path with one character of its token changed.
pub fn tampered(path: &str) -> String {
    let mut chars: Vec<char> = path.chars().collect();
    let at = path.len() / 2 + 2;
    chars[at] = if chars[at] == 'A' { 'B' } else { 'A' };
    let tampered: String = chars.into_iter().collect();
    assert_ne!(tampered, path);
    tampered
}

/// The `action` of the page's form (where a browser posts it).
pub fn form_action(html: &str) -> String {
    let at = html
        .find(r#"<form method="post" action=""#)
        .unwrap_or_else(|| panic!("no form in the page:\n{html}"));
    let rest = &html[at + r#"<form method="post" action=""#.len()..];
    rest[..rest.find('"').unwrap()]
        .replace("&amp;", "&")
        .replace("&#x2f;", "/")
}

/// The `<input …>` tag of a category's checkbox.
fn checkbox(html: &str, category: &str) -> String {
    let id = format!(r#"id="category-{category}""#);
    html.split("<input ")
        .find(|t| t.contains(&id))
        .map(|t| t[..t.find('>').unwrap()].to_owned())
        .unwrap_or_else(|| panic!("no checkbox for {category}:\n{html}"))
}

/// Whether the category's box is ticked.
pub fn ticked(html: &str, category: &str) -> bool {
    let tag = checkbox(html, category);
    assert!(
        tag.contains(r#"type="checkbox""#) && tag.contains(&format!(r#"value="{category}""#)),
        "{tag}"
    );
    tag.split_whitespace().any(|a| a == "checked")
}

/// The state text shown for a category ("receiving", "not receiving", …).
pub fn state_text(html: &str, category: &str) -> String {
    let id = format!(r#"id="category-{category}-state">"#);
    let at = html
        .find(&id)
        .unwrap_or_else(|| panic!("no state for {category}:\n{html}"));
    let rest = &html[at + id.len()..];
    rest[..rest.find('<').unwrap()].trim().to_owned()
}

/// The values of the `<dd>` elements of a page (the notice's version, SHA-256).
pub fn definitions(html: &str) -> Vec<String> {
    html.split("<dd>")
        .skip(1)
        .map(|d| {
            let d = &d[..d.find("</dd>").unwrap()];
            d.replace("<code>", "").replace("</code>", "")
        })
        .collect()
}

/// The `href` of the link to the notice on the preference page.
pub fn notice_href(html: &str) -> String {
    let at = html
        .find(r#"<a href="/notices/"#)
        .unwrap_or_else(|| panic!("no link to the notice:\n{html}"));
    let rest = &html[at + r#"<a href=""#.len()..];
    rest[..rest.find('"').unwrap()].replace("&amp;", "&")
}

/// The evidence kept for a ledger event (the `evidence` object of its body).
pub async fn evidence_of(app: &TestApp, event_id: &str) -> Value {
    let row: Option<(String,)> =
        sqlx::query_as("SELECT body FROM ledger_evidence WHERE event_id = $1")
            .bind(event_id)
            .fetch_optional(&app.raw_db().pool)
            .await
            .unwrap();
    let (body,) = row.unwrap_or_else(|| panic!("no evidence kept for event {event_id}"));
    let body: Value = serde_json::from_str(&body).unwrap();
    body["evidence"].clone()
}

impl TestApp {
    /// GETs a preference page; status and HTML.
    pub async fn prefs_page(&self, path: &str) -> (StatusCode, String) {
        let r = self.page(path).await;
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// Opens the page and posts its form as a browser does, with the boxes of
    /// `on` ticked and the button `button` (`save` or `stop_all`) pressed.
    pub async fn post_choices(&self, path: &str, on: &[&str], button: &str) -> Response {
        let (status, html) = self.prefs_page(path).await;
        assert_eq!(status, 200, "{path}: {html}");
        let token = csrf_token(&html);
        let mut fields = vec![("csrf_token", token.as_str()), (button, "1")];
        fields.extend(on.iter().map(|c| ("category", *c)));
        let action = form_action(&html);
        self.post_form_with(
            &action,
            &fields,
            &[
                ("origin", &self.address),
                ("sec-fetch-site", "same-origin"),
                ("user-agent", USER_AGENT),
            ],
        )
        .await
    }

    /// Saves the choices with exactly the boxes of `on` ticked; expects the 303
    /// back to the page saying it saved, and returns where it points.
    pub async fn save_choices(&self, path: &str, on: &[&str]) -> String {
        let r = self.post_choices(path, on, "save").await;
        saved(r).await
    }

    /// Presses "Stop all messages"; expects the 303 back to the page.
    pub async fn stop_all(&self, path: &str) -> String {
        let r = self.post_choices(path, &["offers"], "stop_all").await;
        saved(r).await
    }

    /// The person's consent events (from `GET /api/v1/consents`).
    pub async fn events_of(&self, wa_id: &str) -> Vec<Value> {
        self.consents(&e164(wa_id)).await["events"]
            .as_array()
            .unwrap()
            .clone()
    }
}

/// A 303 back to the same page with `saved=1`; returns the location.
async fn saved(r: Response) -> String {
    let status = r.status();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .map(str::to_owned);
    let body = r.text().await.unwrap_or_default();
    assert_eq!(status, 303, "saving should answer 303: {body}");
    let location = location.expect("a 303 has a Location");
    assert!(
        location.starts_with("/p/") && location.contains("saved=1"),
        "back to the page, saying it saved: {location}"
    );
    location
}
