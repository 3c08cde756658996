//! The compliance workspace: the dashboard, ledger search and its downloads, the
//! integrity check, the blocked-sends report and its API; open to compliance
//! staff and admins only.

mod access;
mod blocked;
mod browser;
mod dashboard;
mod export;
mod quality;
mod search;
mod streaming;
mod verify;

use crate::helpers::*;
use assent::users::Role;

pub const PASSWORD: &str = "correct horse battery staple";

/// A staff member with `role`, signed in on the app's client; returns the email.
pub async fn signed_in(app: &TestApp, role: Role) -> String {
    let email = format!("{}@acme.example", role.as_str());
    app.add_staff(&email, role, PASSWORD).await;
    let r = app.sign_in(&email, PASSWORD).await;
    assert_eq!(r.status(), 303, "{email} signs in");
    email
}

/// GETs a console page expecting `status`; its HTML.
pub async fn html(app: &TestApp, path: &str, status: u16) -> String {
    let r = app.page(path).await;
    let got = r.status().as_u16();
    let body = r.text().await.unwrap();
    assert_eq!(got, status, "GET {path}:\n{body}");
    body
}

/// The text of an HTML fragment: tags dropped, entities of ours decoded, spaces
/// collapsed.
pub fn text(fragment: &str) -> String {
    // Tags that break a line read as a space; inline ones (strong, a, code) as nothing.
    const BREAKS: [&str; 16] = [
        "br", "p", "td", "th", "tr", "li", "div", "dd", "dt", "h1", "h2", "h3", "option",
        "caption", "title", "desc",
    ];
    let mut out = String::new();
    let mut rest = fragment;
    while let Some(at) = rest.find('<') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('>').map_or(rest.len(), |e| at + e + 1);
        let name: String = rest[at + 1..end]
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if BREAKS.contains(&name.as_str()) {
            out.push(' ');
        }
        rest = &rest[end.min(rest.len())..];
    }
    out.push_str(rest);
    out.replace("&#43;", "+")
        .replace("&#x2b;", "+")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The cells (as text) of every row in the `<tbody>` of the first table whose
/// markup contains `marker`.
pub fn rows(html: &str, marker: &str) -> Vec<Vec<String>> {
    let table = html
        .split("<table")
        .skip(1)
        .find(|t| t.contains(marker))
        .unwrap_or_else(|| panic!("no table with {marker:?} in:\n{html}"));
    let body = table.split("</table>").next().unwrap();
    let Some(tbody) = body.split("<tbody>").nth(1) else {
        return Vec::new();
    };
    tbody
        .split("</tbody>")
        .next()
        .unwrap()
        .split("</tr>")
        .filter(|r| r.contains("<tr"))
        .map(|r| {
            r.split("</t")
                .filter_map(|cell| {
                    let start = cell.rfind("<td").or_else(|| cell.rfind("<th"))?;
                    let rest = &cell[start..];
                    Some(text(&rest[rest.find('>')? + 1..]))
                })
                .collect()
        })
        .collect()
}

/// The link of the anchor whose text is exactly `label`, decoded.
pub fn link(html: &str, label: &str) -> Option<String> {
    html.split("<a ").skip(1).find_map(|a| {
        let (attrs, rest) = a.split_once('>')?;
        let inner = rest.split("</a>").next()?;
        if text(inner) != label {
            return None;
        }
        let href = attrs.split("href=\"").nth(1)?.split('"').next()?;
        Some(href.replace("&amp;", "&").replace("&#38;", "&"))
    })
}

/// The UTC day of now, as the console writes days.
pub fn today() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

/// `count` ledger events written straight into the table, a thousand per
/// statement, for tests of volume (their hashes are not a chain): person `s{i}`
/// grants offers through the API.
pub async fn insert_events(app: &TestApp, count: i64) {
    let number_id = sandbox_id(app).await;
    let now = assent::db::now_ms();
    let mut tx = app.raw_db().pool.begin().await.unwrap();
    let mut seq = 1;
    while seq <= count {
        let last = (seq + 999).min(count);
        let values: Vec<String> = (seq..=last)
            .map(|i| {
                format!(
                    "({i}, 'event-{i}', '{h}', '{h}', {now}, '{number_id}', 'subject-{i}', 'offers', 'granted', 'api', 'crm:{i}')",
                    h = "0".repeat(64)
                )
            })
            .collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO ledger_events (seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, action, source, source_ref) VALUES {}",
            values.join(", ")
        )))
        .execute(&mut *tx)
        .await
        .unwrap();
        seq = last + 1;
    }
    tx.commit().await.unwrap();
}

pub use crate::helpers::sql::sandbox_id;

/// (action, target, detail) of the audit log's entries with `action`, oldest first.
pub async fn audited(app: &TestApp, action: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT action, target, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}
