//! `/admin/users`: an admin invites a colleague (a one-time link, shown once, at
//! which the colleague chooses a password) and changes another account's role;
//! nobody changes their own, and no change leaves no enabled admin. Audited.

use super::*;
use assent::audit::Doer;
use assent::users::{RoleChange, Toggled};

const NEW_PASSWORD: &str = "my own chosen password";

async fn invite(app: &TestApp, email: &str, role: &str) -> reqwest::Response {
    submit(
        app,
        "/admin/users",
        "/admin/users/invite",
        &[("email", email), ("role", role)],
    )
    .await
}

/// The link on the page that answers the invitation form.
fn shown_link(html: &str) -> String {
    let at = html
        .find(r#"<input id="invite-link""#)
        .unwrap_or_else(|| panic!("no link on the page:\n{html}"));
    let rest = &html[at..];
    let start = rest.find(r#"value=""#).unwrap() + r#"value=""#.len();
    rest[start..start + rest[start..].find('"').unwrap()].to_owned()
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

async fn role_of(app: &TestApp, email: &str) -> String {
    let (role,): (String,) = sqlx::query_as("SELECT role FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    role
}

async fn accept(
    visitor: &Visitor<'_>,
    path: &str,
    password: &str,
    repeat: &str,
) -> reqwest::Response {
    let token = visitor.form_token(path).await;
    visitor
        .post_form(
            path,
            &[
                ("csrf_token", &token),
                ("password", password),
                ("repeat", repeat),
            ],
        )
        .await
}

#[tokio::test]
async fn an_invitation_link_is_shown_once_creates_the_account_once_and_is_then_refused() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let r = invite(&app, " Nora@Acme.example ", "compliance").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page = r.text().await.unwrap();
    let link = shown_link(&page);
    assert!(link.starts_with("https://assent.example/invite/"), "{link}");
    let path = link.trim_start_matches("https://assent.example").to_owned();
    let token = path.trim_start_matches("/invite/").to_owned();
    assert!(
        text(&page).contains("This link lets nora@acme.example create their account as compliance"),
        "{page}"
    );
    assert!(page.contains("data-copy=\"invite-link\""));
    assert_eq!(
        app.count("users").await,
        1,
        "no account until the link is used"
    );
    let stored: (String,) = sqlx::query_as("SELECT token_hash FROM staff_invites")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(stored.0, sha256_hex(&token), "only the hash is kept");
    for later in ["/admin/users", "/admin/audit"] {
        assert!(!html(&app, later, 200).await.contains(&token), "{later}");
    }
    let invited = audited(&app, "user.invited").await;
    assert_eq!(invited.len(), 1);
    assert_eq!(invited[0].0, ADMIN);
    assert_eq!(invited[0].3, "nora@acme.example as compliance");
    assert!(!invited[0].2.contains(&token) && invited[0].2.starts_with("invite:"));

    // The colleague: the page names them; mistakes come back and create nobody.
    let nora = app.visitor();
    let r = nora.page(&path).await;
    assert_eq!(r.status(), 200);
    let form = r.text().await.unwrap();
    assert!(
        text(&form).contains("You are invited to sign in as nora@acme.example, as compliance"),
        "{form}"
    );
    let r = accept(&nora, &path, NEW_PASSWORD, "something else entirely").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("The two passwords differ"));
    let r = accept(&nora, &path, "short", "short").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains(r#"id="password-error""#));
    assert_eq!(app.count("users").await, 1);

    // The password they choose makes the account and signs them in.
    let r = accept(&nora, &path, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin");
    let home = nora.page("/admin").await.text().await.unwrap();
    assert!(
        text(&home).contains("Welcome, nora@acme.example. You are signed in as compliance."),
        "{home}"
    );
    assert_eq!(nora.page("/admin/ledger").await.status(), 200);
    assert_eq!(nora.page("/admin/users").await.status(), 403);
    assert_eq!(role_of(&app, "nora@acme.example").await, "compliance");
    let created = audited(&app, "user.created").await;
    let created = created.last().unwrap();
    assert_eq!(
        created.2,
        format!("user:{}", user_id(&app, "nora@acme.example").await)
    );
    assert!(created.0.starts_with("invitation invite:"), "{created:?}");
    assert_eq!(
        app.visitor()
            .sign_in("nora@acme.example", NEW_PASSWORD)
            .await
            .status(),
        303
    );

    // Once used, the link is refused, and makes nothing.
    let stranger = app.visitor();
    assert_eq!(stranger.page(&path).await.status(), 410);
    let login_token = stranger.form_token("/login").await;
    let r = stranger
        .post_form(
            &path,
            &[
                ("csrf_token", &login_token),
                ("password", "another chosen password"),
                ("repeat", "another chosen password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 410);
    assert_eq!(app.count("users").await, 2);
}

#[tokio::test]
async fn an_expired_invitation_or_one_whose_address_has_an_account_is_refused() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let late = shown_link(
        &invite(&app, "late@acme.example", "marketer")
            .await
            .text()
            .await
            .unwrap(),
    );
    let taken = shown_link(
        &invite(&app, "taken@acme.example", "marketer")
            .await
            .text()
            .await
            .unwrap(),
    );
    sqlx::query("UPDATE staff_invites SET expires_at = 1 WHERE email = 'late@acme.example'")
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    app.add_staff("taken@acme.example", Role::Admin, PASSWORD)
        .await;
    for link in [late, taken] {
        let path = link.trim_start_matches("https://assent.example");
        assert_eq!(app.visitor().page(path).await.status(), 410, "{path}");
    }
    assert_eq!(app.visitor().page("/invite/made-up").await.status(), 410);
}

#[tokio::test]
async fn a_bad_invitation_comes_back_with_what_was_typed_and_invites_nobody() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let entries = app.count("audit_log").await;
    for (email, role, field, message) in [
        (
            "not an email",
            "marketer",
            "invite-email",
            "Enter an email address",
        ),
        (
            ADMIN,
            "marketer",
            "invite-email",
            "An account with this email address exists already.",
        ),
        ("new@acme.example", "", "invite-role", "Choose a role."),
        ("new@acme.example", "owner", "invite-role", "Choose a role."),
    ] {
        let r = invite(&app, email, role).await;
        assert_eq!(r.status(), 422, "{email} {role}");
        let page = r.text().await.unwrap();
        assert!(
            page.contains(&format!(r#"id="{field}-error">{message}"#)),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                r#"id="invite-email" name="email" type="email" autocomplete="off" value="{email}""#
            )),
            "{page}"
        );
        assert!(!page.contains("invite-link"));
    }
    assert_eq!(app.count("staff_invites").await, 0);
    assert_eq!(app.count("audit_log").await, entries);
}

#[tokio::test]
async fn an_admin_changes_another_accounts_role_which_applies_from_their_next_page() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    app.add_staff("mia@acme.example", Role::Marketer, PASSWORD)
        .await;
    let mia = app.visitor();
    assert_eq!(
        mia.sign_in("mia@acme.example", PASSWORD).await.status(),
        303
    );
    assert_eq!(mia.page("/admin/ledger").await.status(), 403);
    let id = user_id(&app, "mia@acme.example").await;
    let r = submit(
        &app,
        "/admin/users",
        &format!("/admin/users/{id}/role"),
        &[("role", "compliance")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/users");
    let page = html(&app, "/admin/users", 200).await;
    assert!(
        text(&page).contains("mia@acme.example is now compliance"),
        "{page}"
    );
    assert_eq!(role_of(&app, "mia@acme.example").await, "compliance");
    assert_eq!(
        mia.page("/admin/ledger").await.status(),
        200,
        "same session"
    );
    let changed = audited(&app, "user.role_changed").await;
    assert_eq!(
        changed,
        vec![(
            ADMIN.to_owned(),
            "user.role_changed".to_owned(),
            format!("user:{id}"),
            "mia@acme.example: marketer to compliance".to_owned()
        )]
    );

    // The same role again, an unknown role, and one's own role change nothing.
    let entries = app.count("audit_log").await;
    for (who, role, said) in [
        (id.clone(), "compliance", "Nothing to change"),
        (id.clone(), "owner", "Choose a role."),
        (
            user_id(&app, ADMIN).await,
            "marketer",
            "You cannot change your own role",
        ),
    ] {
        let r = submit(
            &app,
            "/admin/users",
            &format!("/admin/users/{who}/role"),
            &[("role", role)],
        )
        .await;
        assert_eq!(r.status(), 303);
        assert!(
            text(&html(&app, "/admin/users", 200).await).contains(said),
            "{said}"
        );
    }
    assert_eq!(role_of(&app, ADMIN).await, "admin");
    assert_eq!(role_of(&app, "mia@acme.example").await, "compliance");
    assert_eq!(app.count("audit_log").await, entries);
    // Your own row has no role form.
    let own = user_id(&app, ADMIN).await;
    assert!(
        !html(&app, "/admin/users", 200)
            .await
            .contains(&format!("/admin/users/{own}/role"))
    );
}

#[tokio::test]
async fn no_role_change_or_disable_leaves_no_enabled_admin() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let db = app.raw_db();
    let cli = Doer::command_line();
    let only = user_id(&app, ADMIN).await;
    assert_eq!(
        assent::users::change_role(db, &cli, &only, Role::Marketer)
            .await
            .unwrap(),
        RoleChange::LastAdmin
    );
    assert_eq!(
        assent::users::set_disabled(db, &cli, &only, true)
            .await
            .unwrap(),
        Toggled::LastAdmin
    );
    assert_eq!(role_of(&app, ADMIN).await, "admin");
    // With a second admin, either may go, but not both.
    app.add_staff("second@acme.example", Role::Admin, PASSWORD)
        .await;
    let second = user_id(&app, "second@acme.example").await;
    let r = submit(
        &app,
        "/admin/users",
        &format!("/admin/users/{second}/role"),
        &[("role", "marketer")],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(role_of(&app, "second@acme.example").await, "marketer");
    assert_eq!(
        assent::users::change_role(db, &cli, &only, Role::Compliance)
            .await
            .unwrap(),
        RoleChange::LastAdmin
    );
    // A disabled admin does not count.
    app.add_staff("third@acme.example", Role::Admin, PASSWORD)
        .await;
    let third = user_id(&app, "third@acme.example").await;
    assert_eq!(
        assent::users::set_disabled(db, &cli, &third, true)
            .await
            .unwrap(),
        Toggled::Changed
    );
    assert_eq!(
        assent::users::set_disabled(db, &cli, &only, true)
            .await
            .unwrap(),
        Toggled::LastAdmin
    );
    // Promoting someone is never refused.
    assert_eq!(
        assent::users::change_role(db, &cli, &second, Role::Admin)
            .await
            .unwrap(),
        RoleChange::Changed
    );
    assert_eq!(
        assent::users::change_role(db, &cli, &only, Role::Compliance)
            .await
            .unwrap(),
        RoleChange::Changed
    );
}
