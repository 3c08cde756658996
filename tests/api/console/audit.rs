//! The audit log: what staff did, who, when and from where, shown newest first
//! to compliance staff and admins, and append-only in the database itself.

use crate::helpers::*;
use assent::users::Role;

const PASSWORD: &str = "a long staff password";

#[tokio::test]
async fn the_audit_page_shows_who_did_what_from_where_newest_first_in_pages() {
    let app = TestApp::spawn().await;
    app.add_staff("root@acme.example", Role::Admin, PASSWORD)
        .await;
    app.sign_in("root@acme.example", PASSWORD).await;
    // 60 changes: more than a page.
    for n in 0..60 {
        let token = app.form_token("/admin/users").await;
        let r = app
            .post_form(
                "/admin/users",
                &[
                    ("csrf_token", &token),
                    ("email", &format!("staff{n:02}@acme.example")),
                    ("role", "marketer"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status(), 303);
    }
    let html = app.page("/admin/audit").await.text().await.unwrap();
    assert!(html.contains("staff59@acme.example as marketer"), "{html}");
    assert!(html.contains("127.0.0.1"), "the IP address");
    assert!(html.contains("root@acme.example"));
    let newest = html.find("staff59@").unwrap();
    let older = html.find("staff58@").unwrap();
    assert!(newest < older, "newest first");
    assert!(!html.contains("staff05@"), "50 to a page");
    let next = html
        .split(r#"<a href="/admin/audit?before="#)
        .nth(1)
        .map(|rest| format!("/admin/audit?before={}", &rest[..rest.find('"').unwrap()]))
        .expect("a link to older entries");

    // A new entry between pages does not shift the next one.
    app.visitor().sign_in("root@acme.example", PASSWORD).await;
    let page2 = app
        .page(&next.replace("&amp;", "&"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page2.contains("staff05@") && page2.contains("staff00@"),
        "{page2}"
    );
    assert!(!page2.contains("staff10@acme.example as"), "no repeats");
    assert!(
        page2.contains("session.signed_in"),
        "the first sign-in is on the last page"
    );
}

#[tokio::test]
async fn the_audit_log_cannot_be_changed_or_emptied() {
    let app = TestApp::spawn().await;
    app.add_staff("root@acme.example", Role::Admin, PASSWORD)
        .await;
    for sql in [
        "UPDATE audit_log SET actor_name = 'someone else'",
        "DELETE FROM audit_log",
    ] {
        let refused = sqlx::query(sql).execute(&app.raw_db().pool).await;
        let e = refused.expect_err(sql).to_string();
        assert!(e.contains("append-only"), "{sql}: {e}");
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(n, 1, "the account's creation is still there");
}
