//! Who may open a person's record: compliance staff and admins; marketers get a
//! 403 page, anonymous visitors are sent to sign in, and nothing is read out or
//! erased for either.

use crate::helpers::people::*;
use crate::helpers::*;
use assent::users::Role;

fn paths(id: &str, event: &str) -> Vec<String> {
    vec![
        format!("/admin/contacts/{id}"),
        format!("/admin/contacts/{id}/access.json"),
        format!("/admin/contacts/{id}/receipts/{event}"),
        format!("/admin/contacts/{id}/receipts/{event}.json"),
        format!("/admin/contacts/{id}/erase"),
    ]
}

async fn first_event(app: &TestApp, id: &str) -> String {
    let (event,): (String,) =
        sqlx::query_as("SELECT id FROM ledger_events WHERE subject_id = $1 ORDER BY seq LIMIT 1")
            .bind(id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    event
}

#[tokio::test]
async fn compliance_and_admins_open_a_record_marketers_and_strangers_do_not() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let event = first_event(&app, &ana.contact_id).await;

    // Anonymous: to sign in, coming back here afterwards.
    let stranger = client();
    for path in paths(&ana.contact_id, &event) {
        let r = stranger.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        let to = location(&r);
        assert!(
            to.starts_with("/login?next=%2Fadmin%2Fcontacts%2F"),
            "{path}: {to}"
        );
    }

    app.signed_in_as("mo@acme.example", Role::Marketer).await;
    for path in paths(&ana.contact_id, &event) {
        let r = app.page(&path).await;
        assert_eq!(r.status(), 403, "{path}");
        let html = r.text().await.unwrap();
        assert!(!html.contains(&ana.wa_id), "{path}: nothing of the person");
    }
    // Not even with the session's own CSRF token.
    let token = app.form_token("/admin/account").await;
    let r = app
        .post_form(
            &format!("/admin/contacts/{}/erase", ana.contact_id),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("contacts").await, 1, "nothing erased");

    for (email, role) in [
        ("carla@acme.example", Role::Compliance),
        ("ada@acme.example", Role::Admin),
    ] {
        app.signed_in_as(email, role).await;
        for path in paths(&ana.contact_id, &event) {
            assert_eq!(app.page(&path).await.status(), 200, "{email}: {path}");
        }
    }
    // Only the downloads were audited, none of the marketer's attempts.
    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    let actions: Vec<&str> = audited.iter().map(|a| a.2.as_str()).collect();
    assert_eq!(
        actions,
        [
            "contact.access_exported",
            "contact.receipt_exported",
            "contact.access_exported",
            "contact.receipt_exported"
        ]
    );
}
