//! Creating and editing entry points in the console: the preview saves nothing,
//! a saved change is in the audit log with who made it, and bad input comes back
//! with what was typed and changes nothing.

use super::*;

const TEXT: &str = "Send me the spring offers, café";

#[tokio::test]
async fn a_marketer_previews_the_link_then_creates_the_entry_point_and_the_audit_log_names_them() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    let fields = [
        ("code", "SPRING-26"),
        ("name", "Spring flyer"),
        ("categories", "offers"),
        ("categories", "product_news"),
        ("prefilled_text", TEXT),
        ("language", "es"),
    ];

    // The preview shows the text the chat opens with (the code added) and its link.
    let mut preview = fields.to_vec();
    preview.push(("intent", "preview"));
    let r = create(&app, &preview).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    let link =
        format!("{WA_ME}Send%20me%20the%20spring%20offers%2C%20caf%C3%A9%20%28SPRING%2D26%29");
    assert!(
        page.contains(&format!(r#"id="preview-link" href="{link}""#)),
        "{page}"
    );
    assert!(page.contains("Send me the spring offers, café (SPRING-26)"));
    // What was typed stays in the form, and nothing is saved.
    assert!(page.contains(r#"value="SPRING-26""#));
    assert!(page.contains(r#"value="Spring flyer""#));
    assert!(page.contains(r#"value="product_news" checked"#));
    assert!(page.contains(r#"<option value="es" selected>"#));
    assert!(stored(&app).await.is_empty(), "a preview saves nothing");
    assert!(
        audit(&app)
            .await
            .iter()
            .all(|a| a.1 != "entry_point.created")
    );

    // Created: to its page, with a word that it was.
    let mut create_it = fields.to_vec();
    create_it.push(("intent", "create"));
    let r = create(&app, &create_it).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/entry-points/SPRING-26");
    let page = html(&app, "/admin/entry-points/SPRING-26").await;
    assert!(page.contains("Entry point SPRING-26 created."), "{page}");
    assert!(page.contains("https://assent.example/l/SPRING-26"));
    assert!(page.contains(&format!(r#"href="{link}""#)));
    assert_eq!(
        stored(&app).await,
        [(
            "SPRING-26".into(),
            "Spring flyer".into(),
            "offers,product_news".into(),
            format!("{TEXT} (SPRING-26)"),
            "es".into()
        )]
    );
    // The API sees the same entry point.
    let (status, ep) = app
        .get_json("/api/v1/entry-points/SPRING-26", Some(&app.api_key))
        .await;
    assert_eq!(status, 200, "{ep}");
    assert_eq!(ep["wa_me_url"], link.as_str());

    let created: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|a| a.1 == "entry_point.created")
        .collect();
    assert_eq!(created.len(), 1, "{created:?}");
    let (who, _, target, detail) = &created[0];
    assert_eq!(who, MARKETER);
    assert_eq!(target, "entry_point:SPRING-26");
    assert!(
        detail.contains("Spring flyer") && detail.contains("offers,product_news"),
        "{detail}"
    );

    // The list shows it, with its figures.
    let list = html(&app, "/admin/entry-points").await;
    assert!(
        list.contains(r#"<a href="/admin/entry-points/SPRING-26">SPRING-26</a>"#),
        "{list}"
    );
    assert!(list.contains("offers, product_news"));
}

#[tokio::test]
async fn an_entry_point_made_through_the_api_is_audited_with_the_keys_name() {
    let app = TestApp::spawn().await;
    app.entry_point("API-1", &["offers"], "en").await;
    let entries = audit(&app).await;
    let made: Vec<_> = entries
        .iter()
        .filter(|a| a.1 == "entry_point.created")
        .collect();
    assert_eq!(made.len(), 1, "{entries:?}");
    assert_eq!(made[0].2, "entry_point:API-1");
    assert!(!made[0].0.is_empty());
}

/// What every bad form must leave as it was.
async fn untouched(app: &TestApp) -> (Vec<(String, String, String, String, String)>, i64) {
    (stored(app).await, app.count("audit_log").await)
}

#[tokio::test]
async fn bad_input_comes_back_with_what_was_typed_and_changes_nothing() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("TAKEN-1", &["offers"], "en").await;
    let before = untouched(&app).await;
    for (code, categories, said, label) in [
        (
            "no spaces!",
            Some("offers"),
            "Use 3 to 32 letters, digits, - or _",
            "bad code",
        ),
        (
            "ab",
            Some("offers"),
            "Use 3 to 32 letters, digits, - or _",
            "short code",
        ),
        (
            "TAKEN-1",
            Some("offers"),
            "Another entry point already has this code",
            "duplicate",
        ),
        (
            "FRESH-1",
            None,
            "Choose at least one category.",
            "no category",
        ),
        (
            "FRESH-1",
            Some("no_such_category"),
            "One of the categories no longer exists",
            "unknown category",
        ),
    ] {
        let mut fields = vec![
            ("code", code),
            ("name", "Autumn poster"),
            ("prefilled_text", "Autumn deals, please"),
            ("language", "pt"),
            ("intent", "create"),
        ];
        fields.extend(categories.map(|c| ("categories", c)));
        let r = create(&app, &fields).await;
        assert_eq!(r.status(), 422, "{label}");
        let page = r.text().await.unwrap();
        assert!(page.contains(said), "{label}: {page}");
        assert!(
            page.contains("Please correct what is marked below."),
            "{label}"
        );
        let escaped = code.replace('!', "&#33;");
        assert!(
            page.contains(&format!(r#"value="{code}""#))
                || page.contains(&format!(r#"value="{escaped}""#)),
            "{label}: the code typed stays"
        );
        assert!(page.contains(r#"value="Autumn poster""#), "{label}");
        assert!(page.contains(">Autumn deals, please</textarea>"), "{label}");
        assert!(page.contains(r#"<option value="pt" selected>"#), "{label}");
        assert_eq!(untouched(&app).await, before, "{label}: nothing changed");
    }
    // Without a name, too.
    let r = create(
        &app,
        &[
            ("code", "FRESH-2"),
            ("name", "  "),
            ("categories", "offers"),
            ("intent", "create"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Give it a name of 1 to 100 characters.")
    );
    // A bad code previews no link either.
    let r = create(
        &app,
        &[("code", "x y"), ("name", "Preview"), ("intent", "preview")],
    )
    .await;
    let page = r.text().await.unwrap();
    assert!(page.contains("Use 3 to 32 letters"), "{page}");
    assert!(!page.contains("preview-link"));
    assert_eq!(untouched(&app).await, before);
}

#[tokio::test]
async fn an_edit_is_saved_and_audited_and_a_bad_edit_changes_nothing() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("SUMMER-1", &["offers"], "en").await;
    // The form shows what is saved.
    let page = html(&app, "/admin/entry-points/SUMMER-1").await;
    assert!(page.contains(r#"value="Campaign SUMMER-1""#), "{page}");
    assert!(page.contains(r#"value="offers" checked"#));
    assert!(page.contains(">Hello! (SUMMER-1)</textarea>"));

    // A preview of a new text shows its link and saves nothing.
    let before = untouched(&app).await;
    let r = edit(
        &app,
        "SUMMER-1",
        &[
            ("name", "Beach poster"),
            ("categories", "offers"),
            ("prefilled_text", "Sun SUMMER-1 deals"),
            ("language", "en"),
            ("intent", "preview"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!("{WA_ME}Sun%20SUMMER%2D1%20deals")),
        "{page}"
    );
    assert!(page.contains(r#"value="Beach poster""#));
    assert_eq!(untouched(&app).await, before);

    // Bad edits: no category, a name too long; what was typed comes back.
    let long = "x".repeat(101);
    for (fields, said) in [
        (
            vec![("name", "Beach poster"), ("prefilled_text", "Sun deals")],
            "Choose at least one category.",
        ),
        (
            vec![("name", long.as_str()), ("categories", "offers")],
            "Give it a name of 1 to 100 characters.",
        ),
    ] {
        let mut fields = fields;
        fields.push(("intent", "save"));
        let r = edit(&app, "SUMMER-1", &fields).await;
        assert_eq!(r.status(), 422, "{said}");
        let page = r.text().await.unwrap();
        assert!(page.contains(said), "{page}");
        assert!(
            page.contains(&format!(r#"value="{}""#, fields[0].1)),
            "{said}: typed name kept"
        );
        assert_eq!(untouched(&app).await, before, "{said}");
    }

    // Saved: new name, categories and text (the code added), same code.
    let r = edit(
        &app,
        "SUMMER-1",
        &[
            ("name", "Beach poster"),
            ("categories", "offers"),
            ("categories", "order_updates"),
            ("prefilled_text", "Sun deals"),
            ("language", "es"),
            ("intent", "save"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/entry-points/SUMMER-1");
    assert_eq!(
        stored(&app).await,
        [(
            "SUMMER-1".into(),
            "Beach poster".into(),
            "offers,order_updates".into(),
            "Sun deals (SUMMER-1)".into(),
            "es".into()
        )]
    );
    assert!(
        html(&app, "/admin/entry-points/SUMMER-1")
            .await
            .contains("Entry point SUMMER-1 saved.")
    );
    let changed: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|a| a.1 == "entry_point.changed")
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    let (who, _, target, detail) = &changed[0];
    assert_eq!(
        (who.as_str(), target.as_str()),
        (MARKETER, "entry_point:SUMMER-1")
    );
    assert!(
        detail.contains("was: name \"Campaign SUMMER-1\"")
            && detail.contains("now: name \"Beach poster\""),
        "{detail}"
    );
    // A person writing the new text is attributed to it.
    let (status, ep) = app
        .get_json("/api/v1/entry-points/SUMMER-1", Some(&app.api_key))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        ep["wa_me_url"],
        format!("{WA_ME}Sun%20deals%20%28SUMMER%2D1%29")
    );
}

#[tokio::test]
async fn an_unknown_entry_point_is_a_404_page() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    for path in [
        "/admin/entry-points/NOPE-1",
        "/admin/entry-points/NOPE-1/qr.png",
        "/admin/entry-points/NOPE-1/qr.svg",
    ] {
        assert_eq!(app.page(path).await.status(), 404, "{path}");
    }
    let r = edit_missing(&app).await;
    assert_eq!(r, 404);
}

async fn edit_missing(app: &TestApp) -> u16 {
    let token = app.form_token("/admin/entry-points").await;
    app.post_form(
        "/admin/entry-points/NOPE-1",
        &[
            ("csrf_token", &token),
            ("name", "x"),
            ("categories", "offers"),
            ("intent", "save"),
        ],
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn the_menu_offers_entry_points_to_marketers_and_admins_only() {
    let app = TestApp::spawn().await;
    for (role, shown) in [
        (Role::Admin, true),
        (Role::Compliance, false),
        (Role::Marketer, true),
    ] {
        let email = format!("menu-{}@acme.example", role.as_str());
        app.add_staff(&email, role, PASSWORD).await;
        let browser = app.visitor();
        assert_eq!(browser.sign_in(&email, PASSWORD).await.status(), 303);
        let page = browser.page("/admin").await.text().await.unwrap();
        assert_eq!(
            page.contains(r#"href="/admin/entry-points""#),
            shown,
            "{role:?}"
        );
    }
}

#[tokio::test]
async fn with_two_numbers_the_marketer_chooses_the_number_and_its_link_follows() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.add_number(new_number("200000000000002", "+34911234567"))
        .await;
    let fields = [
        ("code", "MADRID-1"),
        ("name", "Madrid shop"),
        ("categories", "offers"),
        ("intent", "create"),
    ];
    // Without a number chosen: back, nothing made.
    let r = create(&app, &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Choose the business number."), "{page}");
    assert!(page.contains(r#"value="MADRID-1""#));
    assert!(stored(&app).await.is_empty());

    let mut chosen = fields.to_vec();
    chosen.push(("number", "200000000000002"));
    let r = create(&app, &chosen).await;
    assert_eq!(r.status(), 303);
    let page = html(&app, "/admin/entry-points/MADRID-1").await;
    assert!(
        page.contains("https://wa.me/34911234567?text=Hello%21%20%28MADRID%2D1%29"),
        "{page}"
    );
    let (owner,): (String,) = sqlx::query_as(
        "SELECT b.phone_number_id FROM entry_points e JOIN business_numbers b ON b.id = e.business_number_id",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(owner, "200000000000002");
    // The list names each entry point's number.
    let list = html(&app, "/admin/entry-points").await;
    assert!(list.contains("<td>+34911234567</td>"), "{list}");
}
