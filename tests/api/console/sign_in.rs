//! `/login` and `/logout`: a failed sign-in comes back with what was typed and
//! what to fix; a successful one lands where the person was going.

use crate::helpers::browser::{Browser, DESKTOP, PHONE};
use crate::helpers::*;
use assent::users::Role;

const EMAIL: &str = "ana@acme.example";
const PASSWORD: &str = "correct horse battery";

#[tokio::test]
async fn a_staff_member_signs_in_sees_the_console_and_signs_out() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Compliance, PASSWORD).await;

    let r = app.sign_in(EMAIL, PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin");
    let r = app.page("/admin").await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("{EMAIL} (compliance)")), "{html}");
    // The numbers overview the public landing page no longer shows.
    assert!(
        html.contains(SANDBOX_ID) && html.contains("+12025550100"),
        "{html}"
    );
    assert!(html.contains(&format!(
        "assent apikey create --phone-number-id {SANDBOX_ID}"
    )));

    let token = csrf_token(&html);
    let r = app.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login");
    let login = app.page("/login").await.text().await.unwrap();
    assert!(login.contains("You are signed out."), "{login}");
    let again = app.page("/login").await.text().await.unwrap();
    assert!(
        !again.contains("You are signed out."),
        "a flash message shows once"
    );
    let r = app.page("/admin").await;
    assert_eq!(r.status(), 303, "signed out means signed out");
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_get_the_same_answer_and_the_email_is_kept() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    let mut answers = Vec::new();
    for (email, password) in [
        (EMAIL, "wrong password!"),
        ("nobody@acme.example", PASSWORD),
    ] {
        let r = app.sign_in(email, password).await;
        assert_eq!(r.status(), 422, "{email}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("That email address and password do not match an active staff account."),
            "{html}"
        );
        assert!(
            html.contains(&format!(r#"value="{email}""#)),
            "what was typed is kept"
        );
        assert!(!html.contains(password), "the password is never sent back");
        answers.push(
            html.replace(email, "EMAIL")
                .replace(&csrf_token(&html), "TOKEN"),
        );
    }
    assert_eq!(answers[0], answers[1], "nothing tells the two apart");
    assert_eq!(app.page("/admin").await.status(), 303, "not signed in");
}

#[tokio::test]
async fn empty_fields_come_back_with_a_message_beside_each() {
    let app = TestApp::spawn().await;
    let token = app.form_token("/login").await;
    let r = app
        .post_form(
            "/login",
            &[("csrf_token", &token), ("email", "  "), ("password", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for (field, message) in [
        ("email", "Enter the email address you were registered with."),
        ("password", "Enter your password."),
    ] {
        let beside = format!(r#"<p class="error" id="{field}-error">{message}</p>"#);
        assert!(html.contains(&beside), "{field}: {html}");
        assert!(
            html.contains(&format!(r#"aria-describedby="{field}-error""#)),
            "{field}"
        );
    }
}

#[tokio::test]
async fn sign_in_returns_to_the_page_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Marketer, PASSWORD).await;
    let r = app.page("/admin?view=numbers").await;
    assert_eq!(r.status(), 303);
    let to_login = location(&r);
    assert_eq!(to_login, "/login?next=%2Fadmin%3Fview%3Dnumbers");
    let html = app.page(&to_login).await.text().await.unwrap();
    assert!(
        html.contains(r#"name="next" value="/admin?view=numbers""#),
        "{html}"
    );
    let token = csrf_token(&html);
    let r = app
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", EMAIL),
                ("password", PASSWORD),
                ("next", "/admin?view=numbers"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin?view=numbers");

    for off_site in [
        "//evil.example/admin",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let token = app.form_token("/login").await;
        let r = app
            .post_form(
                "/login",
                &[
                    ("csrf_token", &token),
                    ("email", EMAIL),
                    ("password", PASSWORD),
                    ("next", off_site),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
        assert_eq!(location(&r), "/admin", "{off_site}");
    }
}

#[tokio::test]
async fn the_sign_in_page_and_the_console_work_in_a_browser() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    let Some(mut browser) = Browser::start().await else {
        return;
    };
    for viewport in [PHONE, DESKTOP] {
        browser.resize(viewport).await;
        browser.goto(&app.url("/admin")).await;
        let path = browser
            .eval("return location.pathname + location.search;")
            .await;
        assert_eq!(path, "/login?next=%2Fadmin", "sent to sign in first");
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("sign-in").await;
        browser.fill("#email", EMAIL).await;
        browser.fill("#password", "not it").await;
        browser.click("button[type=submit]").await;
        let error = browser
            .eval("return document.querySelector('.form-errors')?.innerText;")
            .await;
        assert!(error.as_str().unwrap().contains("do not match"), "{error}");
        let kept = browser
            .eval("return document.querySelector('#email').value;")
            .await;
        assert_eq!(kept, EMAIL);
        browser.screenshot("sign-in-failed").await;
        // The refused form's 422 is all the console may hold.
        let logged = browser.console().await;
        assert!(
            logged.iter().all(|e| e.message.contains("status of 422")),
            "{logged:#?}"
        );
        browser.fill("#password", PASSWORD).await;
        browser.click("button[type=submit]").await;
        let h1 = browser
            .eval("return document.querySelector('h1')?.textContent;")
            .await;
        assert_eq!(h1, "Console", "on the {}", viewport.name);
        browser.assert_clean_console().await;
        browser.assert_no_sideways_scroll().await;
        browser.screenshot("console-home").await;
        browser.click(".sign-out button").await;
        let path = browser.eval("return location.pathname;").await;
        assert_eq!(path, "/login");
    }
    browser.close().await;
}

#[tokio::test]
async fn sign_in_attempts_are_throttled_per_email_address_whether_it_exists_or_not() {
    let app = TestApp::spawn().await;
    app.add_staff("ana@acme.example", Role::Admin, "the right password")
        .await;
    for email in ["ana@acme.example", "nobody@acme.example"] {
        for n in 1..=10 {
            let r = app.visitor().sign_in(email, "a wrong password").await;
            assert_eq!(r.status(), 422, "{email} attempt {n}");
        }
        let r = app.visitor().sign_in(email, "a wrong password").await;
        assert_eq!(r.status(), 429, "{email}: the 11th in a quarter of an hour");
        let html = r.text().await.unwrap();
        assert!(html.contains("<h1>"), "a page: {html}");
    }
    // Even the right password waits: the limit is on attempts, not failures.
    let r = app
        .visitor()
        .sign_in("ana@acme.example", "the right password")
        .await;
    assert_eq!(r.status(), 429);
    // Another account is not held up by the first one's limit.
    app.add_staff("leo@acme.example", Role::Admin, "a different password")
        .await;
    let r = app
        .visitor()
        .sign_in("leo@acme.example", "a different password")
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn sign_in_attempts_are_throttled_per_ip_address_across_email_addresses() {
    let app = TestApp::spawn().await;
    for n in 1..=30 {
        let r = app
            .visitor()
            .sign_in(&format!("guess{n}@acme.example"), "a wrong password")
            .await;
        assert_eq!(r.status(), 422, "attempt {n}");
    }
    let r = app
        .visitor()
        .sign_in("guess31@acme.example", "a wrong password")
        .await;
    assert_eq!(r.status(), 429);
}
