//! Every console route, for every role and for anonymous visitors: a role opens
//! what its area allows (README's table) and gets a 403 page elsewhere; nobody
//! unsigned gets past sign-in. The list below is the console's whole route table.

use crate::helpers::*;
use assent::users::Role;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    Anyone,
    Compliance,
    Admin,
}

/// (method, path, who may): `Compliance` means compliance staff and admins.
const ROUTES: &[(&str, &str, Who)] = &[
    ("GET", "/admin", Who::Anyone),
    ("GET", "/admin/account", Who::Anyone),
    ("POST", "/admin/account", Who::Anyone),
    ("GET", "/admin/audit", Who::Compliance),
    ("GET", "/admin/users", Who::Admin),
    ("POST", "/admin/users", Who::Admin),
    ("POST", "/admin/users/nobody/disable", Who::Admin),
    ("POST", "/admin/users/nobody/enable", Who::Admin),
];

fn may(role: Role, who: Who) -> bool {
    match who {
        Who::Anyone => true,
        Who::Compliance => matches!(role, Role::Compliance | Role::Admin),
        Who::Admin => role == Role::Admin,
    }
}

const PASSWORD: &str = "a long staff password";

#[tokio::test]
async fn each_role_opens_its_areas_and_gets_a_403_page_elsewhere() {
    let app = TestApp::spawn().await;
    for role in Role::ALL {
        let email = format!("{}@acme.example", role.as_str());
        app.add_staff(&email, role, PASSWORD).await;
        let browser = app.visitor();
        assert_eq!(browser.sign_in(&email, PASSWORD).await.status(), 303);
        let token = browser.form_token("/admin/account").await;
        for (method, path, who) in ROUTES {
            let before = audit_rows(&app).await;
            let r = match *method {
                "GET" => browser.page(path).await,
                _ => browser.post_form(path, &[("csrf_token", &token)]).await,
            };
            let status = r.status().as_u16();
            if may(role, *who) {
                assert_ne!(status, 403, "{role:?} {method} {path}");
                if status == 303 {
                    let to = location(&r);
                    assert!(!to.starts_with("/login"), "{role:?} {method} {path}: {to}");
                }
            } else {
                assert_eq!(status, 403, "{role:?} {method} {path}");
                let html = r.text().await.unwrap();
                assert!(html.contains("<h1>"), "a page: {html}");
                assert_eq!(
                    audit_rows(&app).await,
                    before,
                    "{role:?} {method} {path}: nothing done"
                );
            }
        }
    }
}

#[tokio::test]
async fn anonymous_requests_to_every_route_go_to_sign_in_and_come_back() {
    let app = TestApp::spawn().await;
    for (method, path, _) in ROUTES {
        let r = match *method {
            "GET" => app.page(path).await,
            _ => app.post_form(path, &[("csrf_token", "x")]).await,
        };
        assert_eq!(r.status(), 303, "{method} {path}");
        let to = location(&r);
        assert!(to.starts_with("/login?next="), "{method} {path}: {to}");
    }
    // Signing in brings the person back where they were going.
    app.add_staff("ana@acme.example", Role::Compliance, PASSWORD)
        .await;
    let token = app.form_token("/login?next=%2Fadmin%2Faudit").await;
    let r = app
        .post_form(
            "/login",
            &[
                ("csrf_token", &token),
                ("email", "ana@acme.example"),
                ("password", PASSWORD),
                ("next", "/admin/audit"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/admin/audit");
}

#[tokio::test]
async fn the_menu_shows_each_role_the_sections_it_may_open() {
    let app = TestApp::spawn().await;
    for (role, audit, staff) in [
        (Role::Admin, true, true),
        (Role::Compliance, true, false),
        (Role::Marketer, false, false),
    ] {
        let email = format!("menu-{}@acme.example", role.as_str());
        app.add_staff(&email, role, PASSWORD).await;
        let browser = app.visitor();
        browser.sign_in(&email, PASSWORD).await;
        let html = browser.page("/admin").await.text().await.unwrap();
        assert_eq!(html.contains(r#"href="/admin/audit""#), audit, "{role:?}");
        assert_eq!(html.contains(r#"href="/admin/users""#), staff, "{role:?}");
        assert!(html.contains(r#"href="/admin/account""#), "{role:?}");
    }
}

async fn audit_rows(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    n
}
