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
