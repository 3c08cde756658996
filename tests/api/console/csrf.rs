//! CSRF: a form is accepted only from this site and with the session's token; a
//! refusal is a 403 page and changes nothing.

use crate::helpers::*;
use assent::users::Role;

const EMAIL: &str = "cy@acme.example";
const PASSWORD: &str = "a long password";

async fn signed_in(app: &TestApp) -> bool {
    app.page("/admin").await.status() == 200
}

#[tokio::test]
async fn a_form_without_the_right_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    let fields = |token: &'static str| {
        vec![
            ("csrf_token", token),
            ("email", EMAIL),
            ("password", PASSWORD),
        ]
    };
    // No session at all, then a session whose token is not the one sent.
    let r = app.post_form("/login", &fields("")).await;
    assert_eq!(r.status(), 403);
    let token = app.form_token("/login").await;
    for wrong in ["", "0000", "not-the-token"] {
        let r = app.post_form("/login", &fields(wrong)).await;
        assert_eq!(r.status(), 403, "{wrong:?}");
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        assert!(
            r.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'")
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("<h1>The form has expired</h1>"), "{html}");
        assert!(html.contains("Nothing was changed."));
    }
    let r = app
        .post_form("/login", &[("email", EMAIL), ("password", PASSWORD)])
        .await;
    assert_eq!(r.status(), 403, "no token field");
    assert!(!signed_in(&app).await, "none of them signed in");
    // The same form with the token goes through.
    let mut good = fields("");
    good[0].1 = &token;
    assert_eq!(app.post_form("/login", &good).await.status(), 303);
    assert!(signed_in(&app).await);
}

#[tokio::test]
async fn a_form_sent_from_another_site_is_refused_even_with_the_token() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    let token = app.form_token("/login").await;
    let fields = [
        ("csrf_token", token.as_str()),
        ("email", EMAIL),
        ("password", PASSWORD),
    ];
    for headers in [
        vec![("origin", "https://evil.example")],
        vec![("sec-fetch-site", "cross-site")],
        vec![("sec-fetch-site", "same-site")],
        vec![("origin", "null")],
    ] {
        let r = app.post_form_with("/login", &fields, &headers).await;
        assert_eq!(r.status(), 403, "{headers:?}");
    }
    assert!(!signed_in(&app).await);
    // From the public URL's origin (behind a proxy) it is this site.
    let r = app
        .post_form_with(
            "/login",
            &fields,
            &[
                ("origin", "https://assent.example"),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn the_refusal_speaks_the_persons_language() {
    let app = TestApp::spawn().await;
    let r = app
        .post_form_with(
            "/login",
            &[("csrf_token", "x")],
            &[("accept-language", "pt-BR")],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>O formulário expirou</h1>")
    );
}

#[tokio::test]
async fn signing_out_needs_the_token_too() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 303);
    let r = app.post_form("/logout", &[("csrf_token", "forged")]).await;
    assert_eq!(r.status(), 403);
    assert!(signed_in(&app).await, "a forged sign-out changes nothing");
}

/// (password hash, session epoch, disabled) of each account, by email.
async fn accounts(app: &TestApp) -> Vec<(String, String, i64, bool)> {
    let rows: Vec<(String, String, i64, Option<i64>)> = sqlx::query_as(
        "SELECT email, password_hash, session_epoch, disabled_at FROM users ORDER BY email",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(e, h, s, d)| (e, h, s, d.is_some()))
        .collect()
}

async fn id_of(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

/// The tokens a forger might send: none, empty, made up, and a real token of
/// another session.
async fn wrong_tokens(app: &TestApp) -> Vec<Option<String>> {
    let stranger = app.visitor().form_token("/login").await;
    vec![
        None,
        Some(String::new()),
        Some("forged".into()),
        Some(stranger),
    ]
}

fn with_token<'a>(
    token: &'a Option<String>,
    fields: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    token
        .as_deref()
        .map(|t| ("csrf_token", t))
        .into_iter()
        .chain(fields.iter().copied())
        .collect()
}

#[tokio::test]
async fn every_staff_form_refuses_a_missing_or_wrong_token_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    app.add_staff("tess@acme.example", Role::Marketer, PASSWORD)
        .await;
    app.add_staff("dora@acme.example", Role::Marketer, PASSWORD)
        .await;
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 303);
    let tess = id_of(&app, "tess@acme.example").await;
    let dora = id_of(&app, "dora@acme.example").await;
    app.entry_point("CSRF-0", &["offers"], "en").await;
    let token = app.form_token("/admin/users").await;
    let r = app
        .post_form(
            &format!("/admin/users/{dora}/disable"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), 303, "dora is disabled, to be enabled below");

    app.register_template("csrf_update", "UTILITY", "order_updates")
        .await;
    let (_, template): (String, String) =
        sqlx::query_as("SELECT business_number_id, id FROM templates WHERE name = 'csrf_update'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    // An opt-in form to change, and the number a new one belongs to.
    app.with_form(form_body("join")).await;
    let number = super::compliance::sandbox_id(&app).await;
    let welcome = format!("{WELCOME}/en");
    let form_fields = |title: &'static str| {
        vec![
            ("title_en", title),
            ("notice_en", "Acme may message you. Reply STOP to stop."),
            ("category", "offers"),
            ("opt_in", "double"),
            ("welcome", welcome.as_str()),
        ]
    };
    let mut new_form = form_fields("New form");
    new_form.extend([
        ("number", number.as_str()),
        ("slug", "new-form"),
        ("language", "en"),
    ]);
    let forms_before = app.count("forms").await;

    let new_password = "a brand new password";
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/admin/forms".into(), new_form),
        ("/admin/forms/join".into(), form_fields("Changed title")),
        (
            format!("/admin/numbers/{number}"),
            vec![
                ("provider", "sandbox"),
                ("phone_number_id", SANDBOX_ID),
                ("display_number", "+12025550100"),
                ("api_version", "v23.0"),
                ("business_name", "Forged Name"),
            ],
        ),
        (
            format!("/admin/templates/{template}/map"),
            vec![("category", "offers")],
        ),
        (format!("/admin/templates/{template}/unmap"), vec![]),
        (
            "/admin/users".into(),
            vec![
                ("email", "newbie@acme.example"),
                ("role", "compliance"),
                ("password", "three unrelated words"),
            ],
        ),
        (format!("/admin/users/{tess}/disable"), vec![]),
        (
            "/admin/entry-points".into(),
            vec![
                ("code", "CSRF-1"),
                ("name", "Forged"),
                ("categories", "offers"),
                ("intent", "create"),
            ],
        ),
        (
            "/admin/entry-points/CSRF-0".into(),
            vec![
                ("name", "Renamed"),
                ("categories", "offers"),
                ("intent", "save"),
            ],
        ),
        (format!("/admin/users/{dora}/enable"), vec![]),
        // Last: a changed password renews the session.
        (
            "/admin/account".into(),
            vec![
                ("current", PASSWORD),
                ("new", new_password),
                ("repeat", new_password),
            ],
        ),
    ];
    let before = accounts(&app).await;
    let audit_before = app.count("audit_log").await;
    for (path, fields) in &forms {
        for wrong in wrong_tokens(&app).await {
            let r = app.post_form(path, &with_token(&wrong, fields)).await;
            assert_eq!(r.status(), 403, "{path} {wrong:?}");
            let html = r.text().await.unwrap();
            assert!(
                html.contains("<h1>The form has expired</h1>"),
                "{path}: {html}"
            );
            assert_eq!(
                accounts(&app).await,
                before,
                "{path} {wrong:?}: no account changed"
            );
            assert_eq!(
                app.count("audit_log").await,
                audit_before,
                "{path} {wrong:?}"
            );
            assert_eq!(app.count("forms").await, forms_before, "{path} {wrong:?}");
        }
    }
    assert!(
        signed_in(&app).await,
        "the refusals did not end the session"
    );

    // The same forms with the session's token go through: only the token was wrong.
    for (path, fields) in &forms {
        let right = Some(token.clone());
        let r = app.post_form(path, &with_token(&right, fields)).await;
        assert_eq!(r.status(), 303, "{path} with the token");
    }
    let after = accounts(&app).await;
    let get = |email: &str| after.iter().find(|a| a.0 == email).cloned().unwrap();
    assert_ne!(
        get(EMAIL).1,
        before.iter().find(|a| a.0 == EMAIL).unwrap().1,
        "password changed"
    );
    assert!(get("newbie@acme.example").0.starts_with("newbie"), "added");
    assert_eq!(app.count("forms").await, forms_before + 1, "the form made");
    let (_, join) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(join["title"], "Changed title");
    assert!(get("tess@acme.example").3, "tess disabled");
    assert!(!get("dora@acme.example").3, "dora enabled");
    assert_eq!(app.count("entry_points").await, 2, "CSRF-1 made");
}

#[tokio::test]
async fn the_setup_form_refuses_a_missing_or_wrong_token_and_creates_no_admin() {
    let app = TestApp::spawn().await;
    let link = assent::users::offer_setup_link(app.raw_db())
        .await
        .unwrap()
        .expect("a link while no account exists");
    let path = format!("/setup/{link}");
    let token = app.form_token(&path).await;
    let fields = [
        ("email", "ops@acme.example"),
        ("password", "the first admin password"),
        ("repeat", "the first admin password"),
    ];
    for wrong in wrong_tokens(&app).await {
        let r = app.post_form(&path, &with_token(&wrong, &fields)).await;
        assert_eq!(r.status(), 403, "{wrong:?}");
        let html = r.text().await.unwrap();
        assert!(html.contains("<h1>The form has expired</h1>"), "{html}");
        assert_eq!(app.count("users").await, 0, "{wrong:?}: no admin made");
        let (used,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM setup_links WHERE used_at IS NOT NULL")
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
        assert_eq!(used, 0, "{wrong:?}: the link is not spent");
        assert_eq!(app.page(&path).await.status(), 200, "the link still works");
    }
    assert!(!signed_in(&app).await);
    let right = Some(token);
    let r = app.post_form(&path, &with_token(&right, &fields)).await;
    assert_eq!(r.status(), 303, "with the form's token it goes through");
    assert_eq!(app.count("users").await, 1);
    assert!(signed_in(&app).await);
}

/// (form, fields, the answer with the right token)
type AdminForm<'a> = (String, Vec<(&'a str, &'a str)>, u16);

/// What an administration form could change, as counts.
async fn administration_state(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM api_keys",
        "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL",
        "SELECT COUNT(*) FROM staff_invites",
        "SELECT COUNT(*) FROM users WHERE role = 'compliance'",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM webhook_configs",
        "SELECT COUNT(*) FROM webhook_configs WHERE url LIKE 'https:%'",
        "SELECT COUNT(*) FROM forwards WHERE next_attempt_at > created_at",
        "SELECT COUNT(*) FROM categories",
        "SELECT COUNT(*) FROM categories WHERE kind = 'utility'",
        "SELECT COUNT(*) FROM keywords",
    ] {
        let (c,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
        counts.push(c);
    }
    counts
}

#[tokio::test]
async fn every_administration_form_refuses_a_missing_or_wrong_token_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 303);
    let (number,): (String,) =
        sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
            .bind(SANDBOX_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    let key = assent::api_keys::create(app.raw_db(), &number, "to revoke")
        .await
        .unwrap()
        .id;
    app.add_staff("tess@acme.example", Role::Marketer, PASSWORD)
        .await;
    let tess = id_of(&app, "tess@acme.example").await;
    let invite = assent::users::invite(
        app.raw_db(),
        &assent::audit::Doer::command_line(),
        "ivy@acme.example",
        Role::Marketer,
    )
    .await
    .unwrap()
    .token;
    let config = format!("/admin/webhooks/{number}");
    assent::forwarding::config::set(
        app.raw_db(),
        &number,
        "http://127.0.0.1:9/hook",
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(app.consent(ALICE, "offers", "grant").await.0.is_success());
    let (forward,): (String,) = sqlx::query_as("SELECT id FROM forwards")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    let token = app.form_token("/admin/api-keys").await;
    let forms: Vec<AdminForm> = vec![
        (
            "/admin/api-keys".into(),
            vec![("name", "csrf"), ("number", &number)],
            200,
        ),
        (format!("/admin/api-keys/{key}/revoke"), vec![], 303),
        (
            "/admin/users/invite".into(),
            vec![("email", "new@acme.example"), ("role", "marketer")],
            200,
        ),
        (
            format!("/admin/users/{tess}/role"),
            vec![("role", "compliance")],
            303,
        ),
        (
            config.clone(),
            vec![("url", "https://crm.example/hook"), ("headers", "")],
            303,
        ),
        (format!("{config}/secret"), vec![], 200),
        (format!("{config}/forwards/{forward}/retry"), vec![], 303),
        (
            "/admin/categories".into(),
            vec![
                ("name", "restock"),
                ("kind", "marketing"),
                ("title_en", "Back in stock"),
            ],
            303,
        ),
        (
            "/admin/categories/offers".into(),
            vec![("kind", "utility"), ("title_en", "Offers")],
            303,
        ),
        (
            format!("/admin/categories/keywords/{number}"),
            vec![("language", "en"), ("action", "help"), ("words", "ASSIST")],
            303,
        ),
        // Last: accepting signs the browser in as the new account.
        (
            format!("/invite/{invite}"),
            vec![
                ("password", "a chosen secret phrase"),
                ("repeat", "a chosen secret phrase"),
            ],
            303,
        ),
    ];
    let before = administration_state(&app).await;
    for (path, fields, _) in &forms {
        for wrong in wrong_tokens(&app).await {
            let r = app.post_form(path, &with_token(&wrong, fields)).await;
            assert_eq!(r.status(), 403, "{path} {wrong:?}");
            let html = r.text().await.unwrap();
            assert!(html.contains("<h1>The form has expired</h1>"), "{path}");
            assert_eq!(administration_state(&app).await, before, "{path} {wrong:?}");
        }
    }
    for (path, fields, status) in &forms {
        let right = Some(token.clone());
        let r = app.post_form(path, &with_token(&right, fields)).await;
        assert_eq!(r.status(), *status, "{path} with the token");
    }
    assert_ne!(
        administration_state(&app).await,
        before,
        "the forms did their work"
    );
}
