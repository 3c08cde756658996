//! `/admin/forms`: marketers and admins list, create and change opt-in forms,
//! share them, read their figures and notice versions, and preview them.

mod browser;
mod pages;

use super::compliance::{PASSWORD, html, signed_in, text};
use crate::helpers::*;
use assent::users::Role;

/// The fields of the console's form as a marketer fills them in for `slug`:
/// English and Spanish words, offers and product news, double opt-in, the
/// welcome template, one embedding site.
fn filled(slug: &str) -> Vec<(&'static str, String)> {
    vec![
        ("slug", slug.to_owned()),
        ("language", "en".into()),
        ("title_en", "Spring news from Acme".into()),
        (
            "notice_en",
            "Acme will send you WhatsApp messages about the topics you tick. Reply STOP at any time."
                .into(),
        ),
        ("title_es", "Novedades de primavera".into()),
        (
            "notice_es",
            "Acme te enviará mensajes de WhatsApp sobre los temas que marques.".into(),
        ),
        ("title_pt", String::new()),
        ("notice_pt", String::new()),
        ("category", "offers".into()),
        ("category", "product_news".into()),
        ("opt_in", "double".into()),
        ("welcome", format!("{WELCOME}/en")),
        ("origins", "https://shop.example\n".into()),
    ]
}

/// The welcome template registered (and mapped), as a form needs it.
async fn with_welcome(app: &TestApp) {
    let (status, answer) = app
        .register_template(WELCOME, "UTILITY", "order_updates")
        .await;
    assert_eq!(status, 201, "{answer}");
}

/// POSTs the console's form at `path` with the session's token and `fields`.
/// A new form goes to the sandbox number (a hidden field of the page, with one number).
async fn post(app: &TestApp, path: &str, fields: &[(&str, String)]) -> reqwest::Response {
    let token = app.form_token("/admin/forms").await;
    let number = super::compliance::sandbox_id(app).await;
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
    if path == "/admin/forms" {
        all.push(("number", number.as_str()));
    }
    all.extend(fields.iter().map(|(k, v)| (*k, v.as_str())));
    app.post_form(path, &all).await
}

/// `fields` with `name` set to `value` (every occurrence of it dropped first).
fn with(
    fields: &[(&'static str, String)],
    name: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    let mut out: Vec<_> = fields.iter().filter(|(k, _)| *k != name).cloned().collect();
    out.push((name, value.to_owned()));
    out
}

/// (views, submissions, granted, confirmations, expiries) of the form, as stored.
async fn tallies(app: &TestApp, slug: &str) -> (i64, i64, i64, i64, i64) {
    sqlx::query_as(
        "SELECT views, submissions, granted, confirmations, expiries FROM forms WHERE slug = $1",
    )
    .bind(slug)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap()
}

/// The form's current notice version number.
async fn notice_version(app: &TestApp, slug: &str) -> i64 {
    let (v,): (i64,) = sqlx::query_as("SELECT notice_version FROM forms WHERE slug = $1")
        .bind(slug)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    v
}
