//! `/admin/entry-points` and the page of each: a marketer creates an entry point
//! (after a preview of its link), edits it, downloads its QR code, reads its
//! figures per day as charts and tables, and compares every entry point and form
//! by conversion. Every change is in the audit log; bad input changes nothing.

mod browser;
mod charts;
mod compare;
mod downloads;
mod editing;

use crate::helpers::*;
use assent::users::Role;

pub const MARKETER: &str = "mona@acme.example";
pub const PASSWORD: &str = "a long marketing password";
/// The sandbox number's wa.me prefix.
pub const WA_ME: &str = "https://wa.me/12025550100?text=";

/// Signs the test's own client in as a marketer.
pub async fn marketer(app: &TestApp) {
    app.add_staff(MARKETER, Role::Marketer, PASSWORD).await;
    assert_eq!(app.sign_in(MARKETER, PASSWORD).await.status(), 303);
}

/// Sends the create form with these fields (the CSRF token added).
pub async fn create(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = app.form_token("/admin/entry-points").await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form("/admin/entry-points", &all).await
}

/// Sends the edit form of `code` with these fields (the CSRF token added).
pub async fn edit(app: &TestApp, code: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let path = format!("/admin/entry-points/{code}");
    let token = app.form_token(&path).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form(&path, &all).await
}

/// (actor name, action, target, detail) of every audit entry, oldest first.
pub async fn audit(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT actor_name, action, target, detail FROM audit_log ORDER BY at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

/// Every entry point as stored: (code, name, categories, prefilled text, language).
pub async fn stored(app: &TestApp) -> Vec<(String, String, String, String, String)> {
    sqlx::query_as(
        "SELECT code, name, categories, prefilled_text, language FROM entry_points ORDER BY code",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

/// The HTML of a page that must answer 200.
pub async fn html(app: &TestApp, path: &str) -> String {
    let r = app.page(path).await;
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}
