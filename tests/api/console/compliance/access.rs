//! Who may open the compliance pages: compliance staff and admins; a marketer
//! gets a 403 page, and anyone not signed in is sent to sign in first.

use super::*;

const PAGES: [&str; 6] = [
    "/admin/ledger",
    "/admin/ledger?category=offers",
    "/admin/ledger/export?format=csv",
    "/admin/ledger/verify",
    "/admin/blocked",
    "/admin/blocked/export",
];

#[tokio::test]
async fn compliance_staff_and_admins_open_every_compliance_page() {
    for role in [Role::Compliance, Role::Admin] {
        let app = TestApp::spawn().await;
        signed_in(&app, role).await;
        for path in PAGES.into_iter().chain(["/admin"]) {
            let r = app.page(path).await;
            assert_eq!(r.status(), 200, "{path} as {}", role.as_str());
        }
        let home = html(&app, "/admin", 200).await;
        assert!(home.contains("Compliance at a glance"), "{}", role.as_str());
        for (href, name) in [
            ("/admin/ledger", "Ledger"),
            ("/admin/ledger/verify", "Integrity"),
            ("/admin/blocked", "Blocked sends"),
        ] {
            assert!(
                home.contains(&format!(r#"<a href="{href}">{name}</a>"#)),
                "the menu offers {name} to {}",
                role.as_str()
            );
        }
    }
}

#[tokio::test]
async fn a_marketer_gets_403_and_a_home_page_without_compliance_figures() {
    let app = TestApp::spawn().await;
    signed_in(&app, Role::Marketer).await;
    for path in PAGES {
        let r = app.page(path).await;
        assert_eq!(r.status(), 403, "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("seq,id,created_at"), "{path} leaks nothing");
    }
    let token = app.form_token("/admin/account").await;
    let r = app
        .post_form("/admin/ledger/verify", &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status(), 403, "a marketer cannot run the check");
    assert_eq!(app.count("ledger_verifications").await, 0);

    let home = html(&app, "/admin", 200).await;
    assert!(home.contains("Business numbers"));
    for figure in [
        "Compliance at a glance",
        "Consent per category",
        "Ledger integrity",
        "Blocked sends",
        "Quality (Meta)",
        "/admin/ledger",
    ] {
        assert!(
            !home.contains(figure),
            "a marketer's home shows no {figure:?}"
        );
    }
    assert_eq!(audited(&app, "ledger.exported").await, vec![]);
}

#[tokio::test]
async fn anonymous_visitors_are_sent_to_sign_in_and_come_back() {
    let app = TestApp::spawn().await;
    for path in PAGES {
        let r = app.page(path).await;
        assert_eq!(r.status(), 303, "{path}");
        let to = location(&r);
        assert!(to.starts_with("/login?next=%2Fadmin%2F"), "{path}: {to}");
    }
    let r = app
        .post_form("/admin/ledger/verify", &[("csrf_token", "x")])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.count("ledger_verifications").await, 0);
    assert_eq!(
        app.count("audit_log").await,
        0,
        "nothing exported, nothing run"
    );
}
