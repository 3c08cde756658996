//! Who may import: compliance staff and admins; a marketer gets a 403 page and
//! an anonymous visitor is sent to sign in. A form without the session's CSRF
//! token is refused and imports nothing.

use super::*;

const CSV: &str = "phone,category,granted_at,source,notice_version,evidence\n\
                   +34612345678,offers,2024-03-01T09:30:00Z,paper form,v1,slip 1\n";

#[tokio::test]
async fn compliance_staff_and_admins_import() {
    for role in [Role::Compliance, Role::Admin] {
        let app = signed_in_as(role).await;
        let page = app.page("/admin/import").await;
        assert_eq!(page.status(), 200, "{role:?}");
        let html = page.text().await.unwrap();
        assert!(html.contains("<h1>Import consents</h1>"), "{role:?}");
        assert!(
            html.contains(r#"<a href="/admin/import">Import consents</a>"#),
            "{role:?}: the menu names it"
        );
        let id = uploaded(&app, CSV).await;
        assert_eq!(finish(&app, &id).await.recorded, 1, "{role:?}");
        for path in [
            format!("/admin/import/{id}"),
            format!("/admin/import/{id}/rejected.csv"),
        ] {
            assert_eq!(app.page(&path).await.status(), 200, "{role:?} {path}");
        }
    }
}

#[tokio::test]
async fn a_marketer_gets_a_403_page_and_imports_nothing() {
    let app = signed_in_as(Role::Marketer).await;
    let r = app.page("/admin/import").await;
    assert_eq!(r.status(), 403);
    let home = app.page("/admin").await.text().await.unwrap();
    assert!(!home.contains("/admin/import"), "no menu entry");
    // A token of another page of theirs, so only the role stands in the way.
    let token = app.form_token("/admin/account").await;
    let r = post(
        &app,
        form(Some(&token), SANDBOX_ID, "c.csv", CSV.as_bytes().to_vec()),
    )
    .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("imports").await, 0);
    // An import someone else made is not theirs to see either.
    let admin = TestApp::spawn_on(TestDb::same_as(&app.db)).await;
    admin
        .add_staff("ada@acme.example", Role::Admin, PASSWORD)
        .await;
    admin.sign_in("ada@acme.example", PASSWORD).await;
    let id = uploaded(&admin, CSV).await;
    finish(&admin, &id).await;
    for path in [
        format!("/admin/import/{id}"),
        format!("/admin/import/{id}/rejected.csv"),
    ] {
        assert_eq!(app.page(&path).await.status(), 403, "{path}");
    }
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in() {
    let app = TestApp::spawn().await;
    for path in [
        "/admin/import",
        "/admin/import/0190",
        "/admin/import/0190/rejected.csv",
    ] {
        let r = app.page(path).await;
        assert_eq!(r.status(), 303, "{path}");
        assert!(location(&r).starts_with("/login?next="), "{path}");
    }
    let r = post(
        &app,
        form(Some("x"), SANDBOX_ID, "c.csv", CSV.as_bytes().to_vec()),
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.count("imports").await, 0);
}

#[tokio::test]
async fn an_upload_without_the_sessions_token_is_refused_and_imports_nothing() {
    let app = signed_in_as(Role::Compliance).await;
    let token = app.form_token("/admin/import").await;
    let body = || CSV.as_bytes().to_vec();
    for (what, form) in [
        ("no token", form(None, SANDBOX_ID, "c.csv", body())),
        ("empty token", form(Some(""), SANDBOX_ID, "c.csv", body())),
        (
            "wrong token",
            form(Some("0000"), SANDBOX_ID, "c.csv", body()),
        ),
        (
            "token after the file",
            Form::new()
                .text("number", SANDBOX_ID)
                .part("file", Part::bytes(body()).file_name("c.csv"))
                .text("csrf_token", token.clone()),
        ),
    ] {
        let r = post(&app, form).await;
        assert_eq!(r.status(), 403, "{what}");
        let html = r.text().await.unwrap();
        assert!(html.contains("The form has expired"), "{what}: {html}");
    }
    // From another site, even with the token.
    let r = app
        .client
        .post(app.url("/admin/import"))
        .header("origin", "https://evil.example")
        .multipart(form(Some(&token), SANDBOX_ID, "c.csv", body()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    while app.step().await {}
    assert_eq!(app.count("imports").await, 0);
    assert_eq!(app.count("import_rows").await, 0);
    assert_eq!(count_imported(&app).await, 0);
    // The token in its header works as well as in the form.
    let r = app
        .client
        .post(app.url("/admin/import"))
        .header("origin", &app.address)
        .header("x-csrf-token", &token)
        .multipart(
            Form::new()
                .text("number", SANDBOX_ID)
                .part("file", Part::bytes(body()).file_name("c.csv")),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}
