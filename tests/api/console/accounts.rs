//! Staff accounts: an admin adds one (with the password policy), disables one (its
//! sessions end at once, on every instance) and enables it again; a person
//! changes their own password (their other sessions end, this one goes on).

use crate::helpers::*;
use assent::users::Role;

const ADMIN: &str = "admin@acme.example";
const PASSWORD: &str = "a long staff password";

async fn admin(app: &TestApp) {
    app.add_staff(ADMIN, Role::Admin, PASSWORD).await;
    assert_eq!(app.sign_in(ADMIN, PASSWORD).await.status(), 303);
}

async fn add(app: &TestApp, email: &str, role: &str, password: &str) -> reqwest::Response {
    let token = app.form_token("/admin/users").await;
    app.post_form(
        "/admin/users",
        &[
            ("csrf_token", &token),
            ("email", email),
            ("role", role),
            ("password", password),
        ],
    )
    .await
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

async fn audit_actions(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT actor_name, action, target FROM audit_log ORDER BY id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_adds_a_staff_member_who_can_then_sign_in() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let r = add(
        &app,
        "Mia@Acme.example",
        "marketer",
        "three unrelated words",
    )
    .await;
    assert_eq!(r.status(), 303);
    let html = app.page("/admin/users").await.text().await.unwrap();
    assert!(
        html.contains("mia@acme.example can now sign in as marketer"),
        "{html}"
    );
    let mia = app.visitor();
    assert_eq!(
        mia.sign_in("mia@acme.example", "three unrelated words")
            .await
            .status(),
        303
    );
    let id = user_id(&app, "mia@acme.example").await;
    assert!(audit_actions(&app).await.contains(&(
        ADMIN.to_owned(),
        "user.created".to_owned(),
        format!("user:{id}")
    )));
}

#[tokio::test]
async fn a_new_account_that_breaks_a_rule_comes_back_with_the_reason_beside_the_field() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    for (email, role, password, field, says) in [
        (
            "not an email",
            "marketer",
            "three unrelated words",
            "email",
            "Enter an email address",
        ),
        (
            "bo@acme.example",
            "marketer",
            "short",
            "password",
            "at least 12 characters",
        ),
        (
            "bo@acme.example",
            "marketer",
            "bo@acme.example!!",
            "password",
            "do not use your email address",
        ),
        (
            "bo@acme.example",
            "",
            "three unrelated words",
            "role",
            "Choose a role",
        ),
        (
            ADMIN,
            "compliance",
            "three unrelated words",
            "email",
            "exists already",
        ),
    ] {
        let r = add(&app, email, role, password).await;
        assert_eq!(r.status(), 422, "{email} {role} {password}");
        let html = r.text().await.unwrap();
        let error = html
            .split(&format!(r#"id="{field}-error">"#))
            .nth(1)
            .unwrap_or_else(|| panic!("a message beside {field}: {html}"));
        assert!(
            error.starts_with(says) || error.contains(says),
            "{field}: {error}"
        );
        if field != "email" {
            assert!(
                html.contains(&format!(r#"value="{email}""#)),
                "what was typed is kept"
            );
        }
        assert!(
            !html.contains(password) || password.is_empty(),
            "the password is never sent back"
        );
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(n, 1, "nothing was added");
}

#[tokio::test]
async fn disabling_an_account_ends_its_session_at_once_and_it_cannot_sign_in() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    app.add_staff("leo@acme.example", Role::Compliance, PASSWORD)
        .await;
    let leo = app.visitor();
    leo.sign_in("leo@acme.example", PASSWORD).await;
    assert_eq!(leo.page("/admin/audit").await.status(), 200);

    // Another instance on the same database and secret serves the admin.
    let other = TestApp::spawn_with(TestDb::same_as(&app.db), settings(&app.db.url)).await;
    other.sign_in(ADMIN, PASSWORD).await;
    let id = user_id(&app, "leo@acme.example").await;
    let token = other.form_token("/admin/users").await;
    let r = other
        .post_form(
            &format!("/admin/users/{id}/disable"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(location(&r), "/admin/users");

    let r = leo.page("/admin/audit").await;
    assert_eq!(r.status(), 303, "the session is over");
    assert!(location(&r).starts_with("/login"));
    let r = leo.sign_in("leo@acme.example", PASSWORD).await;
    assert_eq!(r.status(), 422, "a disabled account cannot sign in");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("do not match an active staff account")
    );

    let r = other
        .post_form(
            &format!("/admin/users/{id}/enable"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        leo.sign_in("leo@acme.example", PASSWORD).await.status(),
        303
    );
    let actions: Vec<String> = audit_actions(&app)
        .await
        .into_iter()
        .filter(|(_, _, target)| *target == format!("user:{id}"))
        .map(|(_, action, _)| action)
        .collect();
    assert!(actions.contains(&"user.disabled".to_owned()), "{actions:?}");
    assert!(actions.contains(&"user.enabled".to_owned()), "{actions:?}");
}

#[tokio::test]
async fn an_admin_cannot_disable_their_own_account() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let id = user_id(&app, ADMIN).await;
    let token = app.form_token("/admin/users").await;
    app.post_form(
        &format!("/admin/users/{id}/disable"),
        &[("csrf_token", &token)],
    )
    .await;
    let html = app.page("/admin/users").await.text().await.unwrap();
    assert!(
        html.contains("You cannot disable your own account"),
        "{html}"
    );
    assert_eq!(app.page("/admin").await.status(), 200, "still signed in");
}

#[tokio::test]
async fn changing_ones_password_ends_the_other_sessions_and_keeps_this_one() {
    let app = TestApp::spawn().await;
    app.add_staff("ana@acme.example", Role::Marketer, PASSWORD)
        .await;
    let laptop = app.visitor();
    let phone = app.visitor();
    laptop.sign_in("ana@acme.example", PASSWORD).await;
    phone.sign_in("ana@acme.example", PASSWORD).await;

    let token = laptop.form_token("/admin/account").await;
    let change = |current: &'static str, new: &'static str, repeat: &'static str| {
        let token = token.clone();
        let laptop = &laptop;
        async move {
            laptop
                .post_form(
                    "/admin/account",
                    &[
                        ("csrf_token", &token),
                        ("current", current),
                        ("new", new),
                        ("repeat", repeat),
                    ],
                )
                .await
        }
    };
    let r = change(
        "wrong password here",
        "another long password",
        "another long password",
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("That is not your current password.")
    );
    let r = change(PASSWORD, "another long password", "another long passwort").await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The two new passwords differ")
    );
    let r = change(PASSWORD, "tiny", "tiny").await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Please use at least 12 characters.")
    );

    let r = change(PASSWORD, "another long password", "another long password").await;
    assert_eq!(location(&r), "/admin/account");
    let html = laptop.page("/admin/account").await.text().await.unwrap();
    assert!(
        html.contains("Your password is changed."),
        "this session goes on: {html}"
    );
    let r = phone.page("/admin").await;
    assert_eq!(r.status(), 303, "the other session is over");
    assert_eq!(
        app.visitor()
            .sign_in("ana@acme.example", PASSWORD)
            .await
            .status(),
        422
    );
    assert_eq!(
        app.visitor()
            .sign_in("ana@acme.example", "another long password")
            .await
            .status(),
        303
    );
    let id = user_id(&app, "ana@acme.example").await;
    assert!(audit_actions(&app).await.contains(&(
        "ana@acme.example".to_owned(),
        "user.password_changed".to_owned(),
        format!("user:{id}")
    )));
}

#[tokio::test]
async fn an_admin_manages_staff_and_reads_the_audit_log_in_a_browser() {
    use crate::helpers::browser::{Browser, DESKTOP, PHONE};
    let app = TestApp::spawn().await;
    app.add_staff(ADMIN, Role::Admin, PASSWORD).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    let text = |selector: &str| format!("return document.querySelector('{selector}')?.innerText;");
    for (n, viewport) in [PHONE, DESKTOP].into_iter().enumerate() {
        browser.resize(viewport).await;
        browser.goto(&app.url("/login")).await;
        if n == 0 {
            browser.fill("#email", ADMIN).await;
            browser.fill("#password", PASSWORD).await;
            browser.click("button[type=submit]").await;
        }
        browser.goto(&app.url("/admin/users")).await;
        let email = format!("new{n}@acme.example");
        browser.fill("#email", &email).await;
        browser.tick("#role-compliance").await;
        browser.fill("#password", "short").await;
        browser
            .click("form[aria-labelledby=add] button[type=submit]")
            .await;
        let error = browser.eval(&text("#password-error")).await;
        assert_eq!(
            error, "Please use at least 12 characters.",
            "beside the field"
        );
        let kept = browser
            .eval("return document.querySelector('#email').value;")
            .await;
        assert_eq!(kept, email.as_str());
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("console-staff-error").await;
        browser.fill("#password", "three unrelated words").await;
        browser
            .click("form[aria-labelledby=add] button[type=submit]")
            .await;
        let flash = browser.eval(&text(".flash")).await;
        assert!(
            flash
                .as_str()
                .unwrap()
                .contains("can now sign in as compliance"),
            "{flash}"
        );
        browser
            .click(&format!("button[aria-label='Disable {email}']"))
            .await;
        let flash = browser.eval(&text(".flash")).await;
        assert!(flash.as_str().unwrap().contains("is disabled"), "{flash}");
        browser.assert_clean_console_except_422().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("console-staff").await;

        browser.goto(&app.url("/admin/account")).await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("console-account").await;

        browser.goto(&app.url("/admin/audit")).await;
        let table = browser.eval(&text("table")).await;
        let table = table.as_str().unwrap();
        assert!(
            table.contains("user.disabled") && table.contains(&email),
            "{table}"
        );
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("console-audit").await;
    }
    browser.close().await;
}
