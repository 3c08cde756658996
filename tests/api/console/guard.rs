//! The guard in front of `/admin`: nobody sees a console page without signing in,
//! and a removed account is out at once.

use crate::helpers::*;
use assent::users::Role;

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_see_nothing() {
    let app = TestApp::spawn().await;
    for path in ["/admin", "/admin?x=1"] {
        let r = app.page(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(location(&r).starts_with("/login?next=%2Fadmin"), "{path}");
        let body = r.text().await.unwrap();
        assert!(
            !body.contains(SANDBOX_ID),
            "{path}: nothing of the console leaks"
        );
    }
    // A state-changing request is sent to sign in too, before anything runs.
    let r = app.post_form("/admin", &[("csrf_token", "x")]).await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn a_session_of_a_removed_account_is_refused_at_once() {
    let app = TestApp::spawn().await;
    app.add_staff("eve@acme.example", Role::Admin, "long enough password")
        .await;
    assert_eq!(
        app.sign_in("eve@acme.example", "long enough password")
            .await
            .status(),
        303
    );
    assert_eq!(app.page("/admin").await.status(), 200);
    exec(&app, "DELETE FROM users WHERE email = 'eve@acme.example'").await;
    let r = app.page("/admin").await;
    assert_eq!(r.status(), 303, "the next request is refused");
    assert!(location(&r).starts_with("/login"));
}
