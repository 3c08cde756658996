//! The session cookie: signed and encrypted, `HttpOnly`, `SameSite=Lax`, `Secure`
//! when the public URL is https, and keyed by `ASSENT_SECRET_KEY`, so instances
//! that share the secret share sessions and nobody else can make one.

use crate::helpers::*;
use assent::users::Role;

const EMAIL: &str = "sam@acme.example";
const PASSWORD: &str = "a long password";

#[tokio::test]
async fn the_session_cookie_is_http_only_same_site_lax_and_secure_on_https() {
    let app = TestApp::spawn().await; // public URL https://assent.example
    let r = app.page("/login").await;
    let cookie = session_cookie(&r).expect("a form page starts a session");
    for flag in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    // Encrypted: the CSRF token on the page is not readable in the cookie.
    let token = csrf_token(&r.text().await.unwrap());
    assert!(!cookie.contains(&token), "{cookie}");

    let db = TestDb::new().await;
    let mut plain = settings(&db.url);
    plain.public_url = Some("http://assent.example".into());
    let http = TestApp::spawn_with(db, plain).await;
    let cookie = session_cookie(&http.page("/login").await).unwrap();
    assert!(
        !cookie.contains("Secure"),
        "no Secure flag over plain http: {cookie}"
    );
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
}

#[tokio::test]
async fn a_page_without_a_form_sets_no_cookie() {
    let app = TestApp::spawn().await;
    for path in ["/", "/no/such/page"] {
        assert_eq!(session_cookie(&app.page(path).await), None, "{path}");
    }
}

#[tokio::test]
async fn instances_with_the_same_secret_share_sessions_and_others_refuse_them() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Compliance, PASSWORD).await;
    let r = app.sign_in(EMAIL, PASSWORD).await;
    let cookie = session_cookie(&r).expect("signing in sets the session");
    let value = cookie.split(';').next().unwrap().to_owned();

    // A second instance on the same database, with the same secret.
    let twin_db = TestDb::same_as(&app.db);
    let twin = TestApp::spawn_on(twin_db).await;
    let ask = |app: &TestApp| {
        app.client
            .get(app.url("/admin"))
            .header("cookie", value.clone())
            .send()
    };
    assert_eq!(
        ask(&twin).await.unwrap().status(),
        200,
        "the same secret reads it"
    );

    // Another instance with another secret cannot read it, nor be fooled by it.
    let other_db = TestDb::same_as(&app.db);
    let mut other_settings = settings(&other_db.url);
    other_settings.secret_key = Some("another-secret-key-that-is-long-enough-9876".into());
    let other = TestApp::spawn_with(other_db, other_settings).await;
    assert_eq!(
        ask(&other).await.unwrap().status(),
        303,
        "another secret refuses it"
    );

    // A cookie someone made up is refused as well.
    let forged = app
        .client
        .get(app.url("/admin"))
        .header("cookie", "assent_session=eyJ1c2VyIjp7InVzZXJfaWQiOiJ4In19")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 303);
}

#[tokio::test]
async fn signing_in_starts_a_new_session_with_a_new_csrf_token() {
    let app = TestApp::spawn().await;
    app.add_staff(EMAIL, Role::Admin, PASSWORD).await;
    let before = app.form_token("/login").await;
    assert_eq!(app.sign_in(EMAIL, PASSWORD).await.status(), 303);
    let html = app.page("/admin").await.text().await.unwrap();
    assert_ne!(
        csrf_token(&html),
        before,
        "the token of the anonymous session is gone"
    );
}
