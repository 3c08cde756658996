//! Every console route, for every role and for anonymous visitors: a role opens
//! what its area allows (README's table) and gets a 403 page elsewhere; nobody
//! unsigned gets past sign-in. The list below is the console's whole route table
//! (`routes` and `sign_in_routes` in src/web/console/mod.rs, each method), and a
//! test holds it to that file. Routes with ids are walked with real ones (a
//! person with a history, an import, a staff account, a setup link), so an
//! allowed role's answer is the page itself, not a 404.

use super::import::{finish, form, uploaded};
use crate::helpers::people::history;
use crate::helpers::*;
use assent::users::Role;
use std::collections::BTreeSet;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Who {
    /// Outside the guarded scope: sign-in, sign-out, first-run setup.
    Public,
    /// Any signed-in member of staff.
    Anyone,
    /// Compliance staff and admins.
    Compliance,
    /// Marketers and admins.
    Marketing,
    Admin,
}

/// (method, route as registered, who may). `/logout` last: it ends the session.
const ROUTES: &[(&str, &str, Who)] = &[
    ("GET", "/admin", Who::Anyone),
    ("GET", "/admin/account", Who::Anyone),
    ("POST", "/admin/account", Who::Anyone),
    ("GET", "/admin/users", Who::Admin),
    ("POST", "/admin/users", Who::Admin),
    ("POST", "/admin/users/{id}/disable", Who::Admin),
    ("POST", "/admin/users/{id}/enable", Who::Admin),
    ("GET", "/admin/numbers", Who::Admin),
    ("POST", "/admin/numbers", Who::Admin),
    ("GET", "/admin/numbers/{id}", Who::Admin),
    ("POST", "/admin/numbers/{id}", Who::Admin),
    ("POST", "/admin/numbers/{id}/test", Who::Admin),
    ("GET", "/admin/templates", Who::Admin),
    ("POST", "/admin/templates/import", Who::Admin),
    ("POST", "/admin/templates/{id}/map", Who::Admin),
    ("POST", "/admin/templates/{id}/unmap", Who::Admin),
    ("POST", "/admin/users/{id}/role", Who::Admin),
    ("POST", "/admin/users/invite", Who::Admin),
    ("GET", "/admin/api-keys", Who::Admin),
    ("POST", "/admin/api-keys", Who::Admin),
    ("GET", "/admin/api-keys/{id}/revoke", Who::Admin),
    ("POST", "/admin/api-keys/{id}/revoke", Who::Admin),
    ("GET", "/admin/categories", Who::Admin),
    ("POST", "/admin/categories", Who::Admin),
    ("GET", "/admin/categories/{name}", Who::Admin),
    ("POST", "/admin/categories/{name}", Who::Admin),
    ("GET", "/admin/categories/keywords/{number}", Who::Admin),
    ("POST", "/admin/categories/keywords/{number}", Who::Admin),
    ("GET", "/admin/webhooks", Who::Admin),
    ("GET", "/admin/webhooks/{number}", Who::Admin),
    ("POST", "/admin/webhooks/{number}", Who::Admin),
    ("POST", "/admin/webhooks/{number}/secret", Who::Admin),
    (
        "POST",
        "/admin/webhooks/{number}/forwards/{forward}/retry",
        Who::Admin,
    ),
    ("GET", "/admin/audit", Who::Compliance),
    ("GET", "/admin/ledger", Who::Compliance),
    ("GET", "/admin/ledger/export", Who::Compliance),
    ("GET", "/admin/ledger/verify", Who::Compliance),
    ("POST", "/admin/ledger/verify", Who::Compliance),
    ("GET", "/admin/blocked", Who::Compliance),
    ("GET", "/admin/blocked/export", Who::Compliance),
    ("GET", "/admin/contacts/{id}", Who::Compliance),
    ("GET", "/admin/contacts/{id}/access.json", Who::Compliance),
    (
        "GET",
        "/admin/contacts/{id}/receipts/{event}.json",
        Who::Compliance,
    ),
    (
        "GET",
        "/admin/contacts/{id}/receipts/{event}",
        Who::Compliance,
    ),
    ("GET", "/admin/contacts/{id}/erase", Who::Compliance),
    ("POST", "/admin/contacts/{id}/erase", Who::Compliance),
    ("GET", "/admin/import", Who::Compliance),
    ("POST", "/admin/import", Who::Compliance),
    ("GET", "/admin/import/{id}", Who::Compliance),
    ("GET", "/admin/import/{id}/rejected.csv", Who::Compliance),
    ("GET", "/sandbox", Who::Anyone),
    ("POST", "/sandbox/people", Who::Anyone),
    ("GET", "/sandbox/{contact}", Who::Anyone),
    ("POST", "/sandbox/{contact}/write", Who::Anyone),
    ("POST", "/sandbox/{contact}/tap", Who::Anyone),
    ("POST", "/sandbox/{contact}/scan", Who::Anyone),
    ("GET", "/admin/forms", Who::Marketing),
    ("POST", "/admin/forms", Who::Marketing),
    ("GET", "/admin/forms/{slug}", Who::Marketing),
    ("POST", "/admin/forms/{slug}", Who::Marketing),
    ("GET", "/admin/forms/{slug}/preview", Who::Marketing),
    ("GET", "/admin/entry-points", Who::Marketing),
    ("POST", "/admin/entry-points", Who::Marketing),
    ("GET", "/admin/entry-points/{code}", Who::Marketing),
    ("POST", "/admin/entry-points/{code}", Who::Marketing),
    ("GET", "/admin/entry-points/{code}/qr.png", Who::Marketing),
    ("GET", "/admin/entry-points/{code}/qr.svg", Who::Marketing),
    ("GET", "/login", Who::Public),
    ("POST", "/login", Who::Public),
    ("GET", "/setup/{token}", Who::Public),
    ("POST", "/setup/{token}", Who::Public),
    ("GET", "/invite/{token}", Who::Public),
    ("POST", "/invite/{token}", Who::Public),
    ("POST", "/logout", Who::Public),
];

fn may(role: Role, who: Who) -> bool {
    match who {
        Who::Public | Who::Anyone => true,
        Who::Compliance => matches!(role, Role::Compliance | Role::Admin),
        Who::Marketing => matches!(role, Role::Marketer | Role::Admin),
        Who::Admin => role == Role::Admin,
    }
}

const PASSWORD: &str = "a long staff password";
const CSV: &str = "phone,category,granted_at,source,notice_version,evidence\n\
                   +34612345678,offers,2024-03-01T09:30:00Z,paper form,v1,slip 1\n";

/// (method, path) of every route registered in src/web/console/mod.rs: `routes`
/// under `/admin`, `sandbox_routes` under `/sandbox`, `sign_in_routes` at the root.
fn registered() -> BTreeSet<(String, String)> {
    let source = include_str!("../../../src/web/console/mod.rs");
    let sign_in = source
        .find("pub fn sign_in_routes")
        .expect("sign_in_routes in the source");
    let admin = source.find("pub fn routes").expect("routes in the source");
    let sandbox = source
        .find("pub fn sandbox_routes")
        .expect("sandbox_routes in the source");
    let mut found = BTreeSet::new();
    let mut at = admin;
    while let Some(start) = source[at..].find("Endpoint::new(\"") {
        let start = at + start + "Endpoint::new(\"".len();
        let path = &source[start..start + source[start..].find('"').unwrap()];
        let end = source[start..]
            .find("Endpoint::new(")
            .map_or(source.len(), |e| start + e);
        let prefix = match start {
            s if s > sign_in => "",
            s if s > sandbox => "/sandbox",
            _ => "/admin",
        };
        let methods: Vec<&str> = ["get", "post", "put", "patch", "delete"]
            .into_iter()
            .filter(|m| source[start..end].contains(&format!(".{m}(")))
            .collect();
        assert!(!methods.is_empty(), "no method for {path:?}");
        for method in methods {
            found.insert((method.to_uppercase(), format!("{prefix}{path}")));
        }
        at = end;
    }
    found
}

#[test]
fn the_list_is_every_route_the_console_registers() {
    let listed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    assert_eq!(listed.len(), ROUTES.len(), "no route listed twice");
    let registered = registered();
    assert!(
        registered.len() >= 29,
        "the parser finds them: {registered:?}"
    );
    let unlisted: Vec<_> = registered.difference(&listed).collect();
    let gone: Vec<_> = listed.difference(&registered).collect();
    assert!(
        unlisted.is_empty() && gone.is_empty(),
        "registered but not walked: {unlisted:?}; walked but not registered: {gone:?}"
    );
}

/// The real things behind the routes' ids.
struct Ids {
    contact: String,
    /// A pretend person of the sandbox's phone simulator.
    pretend: String,
    wa_id: String,
    event: String,
    import: String,
    user: String,
    setup: String,
    number: String,
    template: String,
    form: String,
    entry_point: String,
    api_key: String,
    invite: String,
    forward: String,
}

impl Ids {
    /// The URL a route is walked at.
    fn url(&self, route: &str) -> String {
        let url = if route.starts_with("/admin/users/") {
            route.replace("{id}", &self.user)
        } else if route.starts_with("/admin/numbers/") {
            route.replace("{id}", &self.number)
        } else if route.starts_with("/admin/templates/") {
            route.replace("{id}", &self.template)
        } else if route.starts_with("/admin/api-keys/") {
            route.replace("{id}", &self.api_key)
        } else if route.starts_with("/invite/") {
            route.replace("{token}", &self.invite)
        } else if route.starts_with("/admin/categories/") {
            route
                .replace("{name}", "offers")
                .replace("{number}", &self.number)
        } else if route.starts_with("/admin/webhooks/") {
            route
                .replace("{number}", &self.number)
                .replace("{forward}", &self.forward)
        } else if route.starts_with("/admin/import/") {
            route.replace("{id}", &self.import)
        } else if route.starts_with("/admin/entry-points/") {
            route.replace("{code}", &self.entry_point)
        } else {
            route
                .replace("{contact}", &self.pretend)
                .replace("{id}", &self.contact)
                .replace("{event}", &self.event)
                .replace("{token}", &self.setup)
                .replace("{slug}", &self.form)
        };
        if route == "/admin/ledger/export" {
            format!("{url}?format=csv")
        } else {
            url
        }
    }
}

/// A person with a history, a finished import (made by another admin), and a
/// staff account for the admin routes to disable and enable.
async fn ids(app: &TestApp, setup: String) -> Ids {
    let person = history(app, 1).await;
    let (event,): (String,) =
        sqlx::query_as("SELECT id FROM ledger_events WHERE subject_id = $1 ORDER BY seq LIMIT 1")
            .bind(&person.contact_id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    app.add_staff("importer@acme.example", Role::Admin, PASSWORD)
        .await;
    assert_eq!(
        app.sign_in("importer@acme.example", PASSWORD)
            .await
            .status(),
        303
    );
    let import = uploaded(app, CSV).await;
    finish(app, &import).await;
    app.add_staff("target@acme.example", Role::Marketer, PASSWORD)
        .await;
    let pretend = assent::providers::sandbox::phone::person(
        app.raw_db(),
        &sandbox_number(app).await,
        assent::domain::PhoneNumber::parse("+34699000111").unwrap(),
    )
    .await
    .unwrap()
    .id;
    app.register_template("walk_update", "UTILITY", "order_updates")
        .await;
    let (number, template): (String, String) =
        sqlx::query_as("SELECT business_number_id, id FROM templates WHERE name = 'walk_update'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    let form = app.with_form(form_body("walked")).await;
    app.entry_point("WALK-1", &["offers"], "en").await;
    let api_key = api_key(app).await;
    let invite = assent::users::invite(
        app.raw_db(),
        &assent::audit::Doer::command_line(),
        "invitee@acme.example",
        Role::Marketer,
    )
    .await
    .unwrap()
    .token;
    let (_, forward) = forward(app).await;
    Ids {
        pretend,
        number,
        template,
        form: form["slug"].as_str().unwrap().to_owned(),
        contact: person.contact_id,
        wa_id: person.wa_id,
        event,
        import,
        user: user_id(app, "target@acme.example").await,
        setup,
        entry_point: "WALK-1".into(),
        api_key,
        invite,
        forward,
    }
}

async fn sandbox_number(app: &TestApp) -> assent::numbers::BusinessNumber {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
        .await
        .unwrap()
        .unwrap()
}

/// The sandbox number with a webhook nobody answers, and a forward owed to it.
async fn forward(app: &TestApp) -> (String, String) {
    let (number,): (String,) =
        sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
            .bind(SANDBOX_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assent::forwarding::config::set(
        app.raw_db(),
        &number,
        "http://127.0.0.1:9/hook",
        &Default::default(),
    )
    .await
    .unwrap();
    assert!(app.consent(BOB, "offers", "grant").await.0.is_success());
    let (forward,): (String,) = sqlx::query_as("SELECT id FROM forwards LIMIT 1")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    (number, forward)
}

/// A key of the sandbox number's, for the admin walk to revoke.
async fn api_key(app: &TestApp) -> String {
    let (number,): (String,) =
        sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
            .bind(SANDBOX_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assent::api_keys::create(app.raw_db(), &number, "walked")
        .await
        .unwrap()
        .id
}

async fn user_id(app: &TestApp, email: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

/// What a refused request must leave as it was.
async fn state(app: &TestApp) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM audit_log",
        "SELECT COUNT(*) FROM imports",
        "SELECT COUNT(*) FROM contacts",
        "SELECT COUNT(*) FROM ledger_verifications",
        "SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM users WHERE disabled_at IS NOT NULL",
        "SELECT COUNT(*) FROM business_numbers",
        "SELECT COUNT(*) FROM templates WHERE consent_category IS NULL",
        "SELECT COUNT(*) FROM forms",
        "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT) FROM forms",
        "SELECT COUNT(*) FROM entry_points",
        "SELECT COUNT(*) FROM api_keys",
        "SELECT COUNT(*) FROM api_keys WHERE revoked_at IS NOT NULL",
        "SELECT COUNT(*) FROM staff_invites",
        "SELECT COUNT(*) FROM users WHERE role = 'admin'",
        "SELECT COUNT(*) FROM webhook_configs",
        "SELECT COUNT(*) FROM categories",
        "SELECT COUNT(*) FROM keywords",
    ] {
        let (c,): (i64,) = sqlx::query_as(sql)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
        counts.push(c);
    }
    counts
}

/// One request as the browser sends it: POSTs with the session's CSRF token,
/// the import as a multipart upload, the setup form filled in.
async fn send(
    app: &TestApp,
    visitor: &Visitor<'_>,
    method: &str,
    route: &str,
    url: &str,
    token: &str,
) -> reqwest::Response {
    match (method, route) {
        ("GET", _) => visitor.page(url).await,
        ("POST", "/admin/import") => visitor
            .client
            .post(app.url(url))
            .header("origin", &app.address)
            .header("sec-fetch-site", "same-origin")
            .multipart(form(
                Some(token),
                SANDBOX_ID,
                "c.csv",
                CSV.as_bytes().to_vec(),
            ))
            .send()
            .await
            .unwrap(),
        ("POST", "/setup/{token}") => {
            visitor
                .post_form(
                    url,
                    &[
                        ("csrf_token", token),
                        ("email", "eve@acme.example"),
                        ("password", "another admin password"),
                        ("repeat", "another admin password"),
                    ],
                )
                .await
        }
        _ => visitor.post_form(url, &[("csrf_token", token)]).await,
    }
}

/// The answer to a request the role may make: the page (200) for a GET; for a
/// POST, where the form goes next (303), or the form again with its reasons
/// (422) when only the token was sent. The setup link is closed (410) once an
/// account exists.
fn expected(method: &str, route: &str) -> (u16, Option<&'static str>) {
    match (method, route) {
        (_, "/setup/{token}") => (410, None),
        ("GET", _) => (200, None),
        (
            "POST",
            "/admin/account"
            | "/admin/users"
            | "/login"
            | "/sandbox/people"
            | "/sandbox/{contact}/write"
            | "/admin/numbers"
            | "/admin/numbers/{id}"
            | "/admin/templates/{id}/map"
            | "/admin/forms"
            | "/admin/forms/{slug}"
            | "/admin/entry-points"
            | "/admin/entry-points/{code}"
            | "/admin/api-keys"
            | "/admin/users/invite"
            | "/invite/{token}"
            | "/admin/webhooks/{number}"
            | "/admin/categories"
            | "/admin/categories/{name}",
        ) => (422, None),
        // A tap names its button; without one there is nothing to send.
        ("POST", "/sandbox/{contact}/tap") => (400, None),
        // No such entry point: back to the phone, which says so.
        ("POST", "/sandbox/{contact}/scan") => (303, Some("/sandbox/")),
        ("POST", "/admin/numbers/{id}/test") => (200, None),
        ("POST", "/admin/templates/import" | "/admin/templates/{id}/unmap") => {
            (303, Some("/admin/templates"))
        }
        ("POST", "/admin/api-keys/{id}/revoke") => (303, Some("/admin/api-keys")),
        ("POST", "/admin/users/{id}/role") => (303, Some("/admin/users")),
        ("POST", "/admin/webhooks/{number}/secret") => (200, None),
        // A keyword form names its language and action in hidden fields.
        ("POST", "/admin/categories/keywords/{number}") => (400, None),
        ("POST", "/admin/webhooks/{number}/forwards/{forward}/retry") => {
            (303, Some("/admin/webhooks/"))
        }
        ("POST", "/admin/users/{id}/disable" | "/admin/users/{id}/enable") => {
            (303, Some("/admin/users"))
        }
        ("POST", "/admin/ledger/verify") => (303, Some("/admin/ledger/verify")),
        ("POST", "/admin/contacts/{id}/erase") => (303, Some("/admin/contacts/")),
        ("POST", "/admin/import") => (303, Some("/admin/import/")),
        ("POST", "/logout") => (303, Some("/login")),
        _ => panic!("no expectation for {method} {route}"),
    }
}

/// Walks every route as `role` (None: not signed in) on an Assent of its own.
async fn walk(role: Option<Role>) {
    let app = TestApp::spawn().await;
    let setup = assent::users::offer_setup_link(app.raw_db())
        .await
        .unwrap()
        .expect("a setup link while no account exists");
    let visitor = app.visitor();
    if role.is_none() {
        // Before any account exists the setup link is a real form; sent empty
        // it comes back with its reasons and creates nobody.
        let r = visitor.page(&format!("/setup/{setup}")).await;
        assert_eq!(r.status(), 200, "the setup form");
        let token = csrf_token(&r.text().await.unwrap());
        let r = visitor
            .post_form(&format!("/setup/{setup}"), &[("csrf_token", &token)])
            .await;
        assert_eq!(r.status(), 422);
        assert_eq!(app.count("users").await, 0);
    }
    let ids = ids(&app, setup).await;
    let token = match role {
        Some(role) => {
            let email = format!("walker-{}@acme.example", role.as_str());
            app.add_staff(&email, role, PASSWORD).await;
            assert_eq!(visitor.sign_in(&email, PASSWORD).await.status(), 303);
            visitor.form_token("/admin/account").await
        }
        None => visitor.form_token("/login").await,
    };
    let mut walked = 0;
    for &(method, route, who) in ROUTES {
        let url = ids.url(route);
        let before = state(&app).await;
        let r = send(&app, &visitor, method, route, &url, &token).await;
        let status = r.status().as_u16();
        let to = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().await.unwrap();
        let said = format!("{role:?} {method} {url}: {status} {to:?}");
        match role {
            Some(role) if !may(role, who) => {
                assert_eq!(status, 403, "{said}");
                assert!(body.contains("<h1>Not allowed</h1>"), "{said}: {body}");
                assert!(!body.contains(&ids.wa_id), "{said}: nothing of the person");
                assert_eq!(state(&app).await, before, "{said}: nothing done");
            }
            None if who != Who::Public => {
                assert_eq!(status, 303, "{said}");
                let back = serde_urlencoded::to_string([("next", &url)]).unwrap();
                assert_eq!(to, Some(format!("/login?{back}")), "{said}");
                assert_eq!(state(&app).await, before, "{said}: nothing done");
            }
            _ => {
                let (want, goes) = expected(method, route);
                assert_eq!(status, want, "{said}: {body}");
                if let Some(goes) = goes {
                    let to = to.clone().unwrap_or_default();
                    assert!(to.starts_with(goes), "{said}");
                    assert!(!to.starts_with("/login?"), "{said}");
                }
                let download = url.contains("/export")
                    || url.contains(".json")
                    || url.ends_with(".csv")
                    || url.ends_with(".png")
                    || url.ends_with(".svg");
                if want == 200 && !download {
                    assert!(body.contains("<h1"), "{said}: a page");
                }
                if download {
                    assert!(!body.contains("<h1"), "{said}: the file, not a page");
                }
            }
        }
        walked += 1;
    }
    assert_eq!(walked, ROUTES.len());
    if role.is_some_and(|r| may(r, Who::Admin)) {
        let (disabled,): (Option<i64>,) =
            sqlx::query_as("SELECT disabled_at FROM users WHERE id = $1")
                .bind(&ids.user)
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
        assert_eq!(disabled, None, "disabled, then enabled again");
        let (revoked,): (Option<i64>,) =
            sqlx::query_as("SELECT revoked_at FROM api_keys WHERE id = $1")
                .bind(&ids.api_key)
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
        assert!(revoked.is_some(), "the walk revoked the key");
    }
    if role.is_some_and(|r| may(r, Who::Compliance)) {
        assert_eq!(app.count("imports").await, 2, "the walk's own import");
        let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM contacts WHERE id = $1")
            .bind(&ids.contact)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
        assert_eq!(left, 0, "the walk erased the person");
    }
    // The walk ended with signing out: the session no longer opens the console.
    let r = visitor.page("/admin").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/login?next=%2Fadmin");
}

#[tokio::test]
async fn an_admin_opens_every_console_route() {
    walk(Some(Role::Admin)).await;
}

#[tokio::test]
async fn compliance_staff_open_their_routes_and_get_a_403_page_on_the_admin_ones() {
    walk(Some(Role::Compliance)).await;
}

#[tokio::test]
async fn a_marketer_opens_home_account_and_the_marketing_pages_and_gets_a_403_page_elsewhere() {
    walk(Some(Role::Marketer)).await;
}

#[tokio::test]
async fn anonymous_requests_to_every_route_go_to_sign_in() {
    walk(None).await;
}

#[tokio::test]
async fn signing_in_brings_the_person_back_where_they_were_going() {
    let app = TestApp::spawn().await;
    app.add_staff("ana@acme.example", Role::Compliance, PASSWORD)
        .await;
    let r = app.page("/admin/audit").await;
    assert_eq!(location(&r), "/login?next=%2Fadmin%2Faudit");
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
    assert_eq!(app.page("/admin/audit").await.status(), 200);
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
