//! `/admin/api-keys`: an admin creates a key, which is shown once and works
//! against the API; no later page shows it; its last use is shown; revoking it
//! (after a page that asks) makes the API refuse it. Bad input changes nothing.

use super::*;

/// The key on the page that answers the creation form.
fn shown_key(html: &str) -> String {
    let at = html
        .find(r#"<input id="api-key""#)
        .unwrap_or_else(|| panic!("no key on the page:\n{html}"));
    let rest = &html[at..];
    let start = rest.find(r#"value=""#).unwrap() + r#"value=""#.len();
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

async fn create(app: &TestApp, name: &str, number: &str) -> reqwest::Response {
    submit(
        app,
        "/admin/api-keys",
        "/admin/api-keys",
        &[("name", name), ("number", number)],
    )
    .await
}

async fn key_id(app: &TestApp, name: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM api_keys WHERE name = $1")
        .bind(name)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

/// What the API says to a request with `key`.
async fn api_status(app: &TestApp, key: &str) -> u16 {
    app.get_json("/api/v1/keywords", Some(key)).await.0.as_u16()
}

/// The cells of the key's row on the list.
async fn row(app: &TestApp, name: &str) -> Vec<String> {
    let page = html(app, "/admin/api-keys", 200).await;
    rows(&page, "api-keys")
        .into_iter()
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row for {name}:\n{page}"))
}

#[tokio::test]
async fn a_key_is_shown_once_works_is_never_shown_again_and_stops_working_when_revoked() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let number = sandbox_row_id(&app).await;
    let r = create(&app, "  CRM production ", &number).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    let key = shown_key(&page);
    assert!(key.starts_with("assent_") && key.len() > 60, "{key}");
    assert!(
        text(&page).contains("this is the only time it is shown"),
        "{page}"
    );
    assert!(page.contains("data-copy=\"api-key\""), "a copy button");
    assert!(page.contains("<script src=\"/static/copy."), "from a file");
    assert!(!page.contains("<script>"), "no inline script");

    // It works against the API, for the number it was made for.
    assert_eq!(api_status(&app, &key).await, 200);
    let (_, config) = app.webhook_config(&key).await;
    assert!(
        config.to_string().contains("No webhook is configured"),
        "{config}"
    );

    // No later page shows it, and Assent keeps only its hash.
    for path in ["/admin/api-keys", "/admin/audit", "/admin"] {
        let later = html(&app, path, 200).await;
        assert!(!later.contains(&key), "{path} shows the key");
        assert!(!later.contains(&key["assent_".len()..][..16]), "{path}");
    }
    let stored: Vec<(String,)> =
        sqlx::query_as("SELECT key_sha256 FROM api_keys UNION ALL SELECT detail FROM audit_log")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    assert!(
        stored
            .iter()
            .all(|(s,)| !s.contains(&key["assent_".len()..]))
    );
    let cells = row(&app, "CRM production").await;
    assert!(cells[1].contains(SANDBOX_ID), "{cells:?}");
    assert!(cells[4].contains("active"), "{cells:?}");

    // Revoking asks first, then the API refuses the key.
    let id = key_id(&app, "CRM production").await;
    let ask = html(&app, &format!("/admin/api-keys/{id}/revoke"), 200).await;
    assert!(
        text(&ask).contains("Revoke the key CRM production?"),
        "{ask}"
    );
    assert_eq!(api_status(&app, &key).await, 200, "asking revoked nothing");
    let r = submit(
        &app,
        "/admin/api-keys",
        &format!("/admin/api-keys/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/api-keys");
    assert_eq!(api_status(&app, &key).await, 401);
    assert_eq!(app.webhook_config(&key).await.0, 401);
    let list = html(&app, "/admin/api-keys", 200).await;
    assert!(
        text(&list).contains("The key CRM production is revoked"),
        "{list}"
    );
    let cells = row(&app, "CRM production").await;
    assert!(cells[4].starts_with("revoked 20"), "{cells:?}");
    assert!(!list.contains(&format!("/admin/api-keys/{id}/revoke")));
    // The other keys work on.
    assert_eq!(api_status(&app, &app.api_key).await, 200);

    // Revoking again changes nothing and says so.
    let r = submit(
        &app,
        "/admin/api-keys",
        &format!("/admin/api-keys/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(text(&html(&app, "/admin/api-keys", 200).await).contains("revoked already"));

    let target = format!("api_key:{id}");
    let entries: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.2 == target)
        .map(|e| (e.0, e.1, e.3))
        .collect();
    assert_eq!(
        entries,
        vec![
            (
                ADMIN.to_owned(),
                "api_key.created".to_owned(),
                format!("\"CRM production\" for number {SANDBOX_ID}")
            ),
            (
                ADMIN.to_owned(),
                "api_key.revoked".to_owned(),
                "\"CRM production\"".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn last_used_is_shown_after_use_and_written_at_most_once_a_minute() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let number = sandbox_row_id(&app).await;
    let key = shown_key(&create(&app, "Billing", &number).await.text().await.unwrap());
    assert_eq!(row(&app, "Billing").await[3], "never");

    assert_eq!(api_status(&app, &key).await, 200);
    let used = row(&app, "Billing").await[3].clone();
    assert!(used.starts_with("20") && used.len() == 19, "{used}");
    let id = key_id(&app, "Billing").await;
    let last_used = async || -> i64 {
        let (at,): (Option<i64>,) =
            sqlx::query_as("SELECT last_used_at FROM api_keys WHERE id = $1")
                .bind(&id)
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
        at.unwrap()
    };
    let first = last_used().await;
    // Within the minute, more requests write nothing.
    for _ in 0..3 {
        assert_eq!(api_status(&app, &key).await, 200);
    }
    assert_eq!(last_used().await, first);
    // A use more than a minute after the noted one is noted.
    sqlx::query("UPDATE api_keys SET last_used_at = last_used_at - 61000 WHERE id = $1")
        .bind(&id)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(api_status(&app, &key).await, 200);
    assert!(last_used().await >= first, "noted again");
    // A refused key is not "used".
    assert_eq!(api_status(&app, "assent_not-a-key").await, 401);
}

#[tokio::test]
async fn bad_input_comes_back_with_what_was_typed_and_makes_no_key() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let number = sandbox_row_id(&app).await;
    let keys = app.count("api_keys").await;
    let entries = app.count("audit_log").await;
    let long = "x".repeat(101);
    for (name, number, field, message) in [
        (
            "   ",
            number.as_str(),
            "name",
            "Give the key a name of 1 to 100 characters.",
        ),
        (
            long.as_str(),
            number.as_str(),
            "name",
            "Give the key a name of 1 to 100 characters.",
        ),
        ("<b>Ops</b>", "", "number", "Choose a business number."),
        (
            "Ops",
            "no-such-number",
            "number",
            "Choose a business number.",
        ),
    ] {
        let r = create(&app, name, number).await;
        assert_eq!(r.status(), 422, "{name:?} {number:?}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains(&format!(r#"id="{field}-error">{message}"#)),
            "{page}"
        );
        if name.trim().is_empty() {
            assert_eq!(input_value(&page, "name"), name);
        } else {
            assert!(!page.contains("<b>Ops</b>"), "escaped");
            let typed = input_value(&page, "name");
            let escaped = name.replace('<', "&#60;").replace('>', "&#62;");
            assert_eq!(typed, escaped, "kept as typed, escaped");
        }
        assert!(!page.contains("id=\"api-key\""), "no key shown");
    }
    assert_eq!(app.count("api_keys").await, keys);
    assert_eq!(app.count("audit_log").await, entries);
    // An unknown key has no revoke page.
    assert_eq!(app.page("/admin/api-keys/nope/revoke").await.status(), 404);
}
