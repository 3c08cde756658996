//! Administration of business numbers and templates: `/admin/numbers` (settings
//! with write-only secrets, the provider connection test, the HELP text and the
//! "not live yet" answer) and `/admin/templates` (map, unmap, import from Meta).

mod browser;
mod settings;
mod templates;

use super::compliance::{html, text};
use crate::helpers::*;
use assent::users::Role;

pub const ADMIN: &str = "admin@acme.example";
pub const PASSWORD: &str = "a long staff password";

/// The app's client signed in as an admin.
pub async fn admin(app: &TestApp) {
    app.add_staff(ADMIN, Role::Admin, PASSWORD).await;
    assert_eq!(app.sign_in(ADMIN, PASSWORD).await.status(), 303);
}

/// A business number's internal id.
pub async fn number_id(app: &TestApp, phone_number_id: &str) -> String {
    let (id,): (String,) =
        sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
            .bind(phone_number_id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    id
}

/// (actor name, action, target, detail) of every audit entry, oldest first.
pub async fn audit(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT actor_name, action, target, detail FROM audit_log ORDER BY at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

/// The form's fields as a number's page shows them (secrets empty), with
/// `changes` replacing or adding fields.
pub fn settings<'a>(
    base: &[(&'a str, &'a str)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .copied()
        .collect();
    fields.extend(changes.iter().copied());
    fields
}

/// Posts a settings form with the session's token.
pub async fn post(
    app: &TestApp,
    path: &str,
    token_from: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = app.form_token(token_from).await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend(fields.iter().copied());
    app.post_form(path, &all).await
}

/// The message beside a field of a re-rendered form.
pub fn error_of(html: &str, field: &str) -> String {
    let at = html
        .find(&format!(r#"id="{field}-error">"#))
        .unwrap_or_else(|| panic!("a message beside {field}: {html}"));
    let rest = &html[at..];
    text(&rest[rest.find('>').unwrap() + 1..rest.find("</p>").unwrap()])
}
