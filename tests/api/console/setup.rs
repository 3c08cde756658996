//! The first-run setup link expires: 24 hours after `assent serve` offers it, it
//! is a 410 page and creates no admin; a younger link still works.

use crate::helpers::*;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const FIELDS: [(&str, &str); 3] = [
    ("email", "ops@acme.example"),
    ("password", "the first admin password"),
    ("repeat", "the first admin password"),
];

async fn offer(app: &TestApp) -> String {
    assent::users::offer_setup_link(app.raw_db())
        .await
        .unwrap()
        .expect("a link while no account exists")
}

/// Makes the link look as if it had been offered `age_ms` ago.
async fn age(app: &TestApp, token: &str, age_ms: i64) {
    sqlx::query("UPDATE setup_links SET expires_at = $1 WHERE token_hash = $2")
        .bind(assent::db::now_ms() - age_ms + DAY_MS)
        .bind(sha256_hex(token))
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_setup_link_is_good_for_24_hours_and_refused_after() {
    let app = TestApp::spawn().await;
    let before = assent::db::now_ms();
    let old = offer(&app).await;
    let after = assent::db::now_ms();
    let (expires,): (i64,) =
        sqlx::query_as("SELECT expires_at FROM setup_links WHERE token_hash = $1")
            .bind(sha256_hex(&old))
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(
        (before + DAY_MS..=after + DAY_MS).contains(&expires),
        "valid for 24 hours from now: {expires} vs {before}"
    );

    // Offered 24 hours and a minute ago: gone, for the form and for its POST.
    age(&app, &old, DAY_MS + 60_000).await;
    let path = format!("/setup/{old}");
    let r = app.page(&path).await;
    assert_eq!(r.status(), 410);
    let html = r.text().await.unwrap();
    assert!(html.contains("<h1>This link has expired</h1>"), "{html}");
    assert!(!html.contains(r#"name="password""#), "no form: {html}");
    let token = app.form_token("/login").await;
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend(FIELDS);
    let r = app.post_form(&path, &fields).await;
    assert_eq!(r.status(), 410, "an old link creates nobody");
    assert_eq!(app.count("users").await, 0);
    assert_eq!(app.page("/admin").await.status(), 303, "not signed in");

    // Offered 23 hours ago: still the form, and it creates the first admin.
    let young = offer(&app).await;
    age(&app, &young, DAY_MS - 60 * 60 * 1000).await;
    let path = format!("/setup/{young}");
    let token = app.form_token(&path).await;
    let mut fields = vec![("csrf_token", token.as_str())];
    fields.extend(FIELDS);
    let r = app.post_form(&path, &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin");
    assert_eq!(app.count("users").await, 1);
}
