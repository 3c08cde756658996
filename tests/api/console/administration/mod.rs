//! The administration pages (admin only): API keys, staff invitations and
//! roles, webhook forwarding, categories and keywords. Every change is audited.

mod api_keys;
mod browser;
mod categories;
mod staff;
mod webhooks;

use super::compliance::{html, rows, text};
use crate::helpers::*;
use assent::users::Role;

pub const ADMIN: &str = "admin@acme.example";
pub const PASSWORD: &str = "a long staff password";

/// An admin, signed in on the app's client.
pub async fn admin(app: &TestApp) {
    app.add_staff(ADMIN, Role::Admin, PASSWORD).await;
    assert_eq!(app.sign_in(ADMIN, PASSWORD).await.status(), 303);
}

/// POSTs a console form with the page's CSRF token (read from `form_page`).
pub async fn submit(
    app: &TestApp,
    form_page: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.form_token(form_page).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form(action, &all).await
}

/// (actor name, action, target, detail) of every audit entry, oldest first.
pub async fn audit(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT actor_name, action, target, detail FROM audit_log ORDER BY id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

/// The audit entries with this action.
pub async fn audited(app: &TestApp, action: &str) -> Vec<(String, String, String, String)> {
    audit(app)
        .await
        .into_iter()
        .filter(|e| e.1 == action)
        .collect()
}

/// The sandbox number's row id (what forms choose numbers by).
pub async fn sandbox_row_id(app: &TestApp) -> String {
    let (id,): (String,) =
        sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
            .bind(SANDBOX_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    id
}

/// The value of the `<input>` named `name` in a page.
pub fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!(r#"name="{name}""#))
        .unwrap_or_else(|| panic!("no input {name}:\n{html}"));
    let tag_end = at + html[at..].find('>').unwrap();
    let tag = &html[html[..at].rfind('<').unwrap()..tag_end];
    tag.split(r#"value=""#)
        .nth(1)
        .map(|v| v[..v.find('"').unwrap()].to_owned())
        .unwrap_or_default()
}
