//! The forms pages over HTTP: creating and changing a form (audited), bad input
//! brought back with what was typed, the figures, the notice versions, the link
//! and embed code, and the preview that counts nothing.

use super::*;
use crate::console::compliance::rows;
use crate::helpers::chat::{e164, person, wamid};
use serde_json::json;

/// (actor name, action, target, detail) of the audit log's form entries, oldest first.
async fn form_entries(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT actor_name, action, target, detail FROM audit_log WHERE action LIKE 'form.%' ORDER BY id",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

/// The text of the element with `id` (a textarea's content, an error's
/// message), decoded once and its spaces collapsed.
fn element_text(html: &str, id: &str) -> String {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id} in:\n{html}"));
    let rest = &html[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find("</").unwrap();
    decoded(&rest[start..start + end])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// HTML with its character references read once, as a browser shows it.
fn decoded(html: &str) -> String {
    const NAMED: [(&str, char); 10] = [
        ("&lt;", '<'),
        ("&#60;", '<'),
        ("&gt;", '>'),
        ("&#62;", '>'),
        ("&amp;", '&'),
        ("&#38;", '&'),
        ("&quot;", '"'),
        ("&#34;", '"'),
        ("&#39;", '\''),
        ("&#x27;", '\''),
    ];
    let mut out = String::new();
    let mut rest = html;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        match NAMED.iter().find(|(e, _)| rest.starts_with(e)) {
            Some((e, c)) => {
                out.push(*c);
                rest = &rest[e.len()..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn a_marketer_creates_a_form_with_its_translation_and_it_is_audited() {
    let app = TestApp::spawn().await;
    with_welcome(&app).await;
    let email = signed_in(&app, Role::Marketer).await;
    let page = html(&app, "/admin/forms", 200).await;
    assert!(text(&page).contains("No forms yet."), "{page}");
    assert!(page.contains(&format!(r#"<option value="{WELCOME}/en""#)));

    let r = post(&app, "/admin/forms", &filled("spring")).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/forms/spring");
    let page = html(&app, "/admin/forms/spring", 200).await;
    assert!(
        text(&page).contains("The form is ready at https://assent.example/f/spring."),
        "{page}"
    );

    // What the API reads is what was typed.
    let (status, form) = app
        .get_json("/api/v1/forms/spring", Some(&app.api_key))
        .await;
    assert_eq!(status, 200);
    assert_eq!(form["title"], "Spring news from Acme");
    assert_eq!(form["language"], "en");
    assert_eq!(
        form["translations"]["es"]["title"],
        "Novedades de primavera"
    );
    assert!(form["translations"].get("pt").is_none(), "{form}");
    assert_eq!(form["categories"], json!(["offers", "product_news"]));
    assert_eq!(form["double_opt_in"], true);
    assert_eq!(form["frame_ancestors"], json!(["https://shop.example"]));
    assert_eq!(
        form["welcome_template"],
        json!({"name": WELCOME, "language": "en"})
    );
    assert_eq!(form["notice_version"], "spring-v1");

    // Its link and embed code, to copy from read-only fields.
    assert!(page.contains(
        r#"<input id="form-link" type="text" readonly value="https://assent.example/f/spring">"#
    ));
    assert_eq!(element_text(&page, "form-embed"), form["embed_html"]);
    assert!(!page.contains("<iframe"), "the snippet is shown, not run");
    assert!(page.contains(r#"data-copy="form-embed" data-copied="Copied.""#));

    let entries = form_entries(&app).await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    let (who, action, target, detail) = &entries[0];
    assert_eq!(
        (who.as_str(), action.as_str(), target.as_str()),
        (email.as_str(), "form.created", "form:spring")
    );
    for part in [
        "spring-v1",
        "double opt-in",
        "categories offers,product_news",
        "languages en, es",
        "https://shop.example",
    ] {
        assert!(detail.contains(part), "{part} in {detail}");
    }

    let list = html(&app, "/admin/forms", 200).await;
    assert_eq!(
        rows(&list, "Conversion"),
        vec![vec![
            "Spring news from Acme double opt-in",
            "/f/spring",
            "0",
            "0",
            "0",
            "0",
            "0",
            "0%"
        ]]
    );
}

#[tokio::test]
async fn bad_input_comes_back_with_what_was_typed_a_message_beside_each_field_and_nothing_made() {
    let app = TestApp::spawn().await;
    with_welcome(&app).await;
    signed_in(&app, Role::Admin).await;
    let audit = app.count("audit_log").await;
    let notices = app.count("notices").await;
    let mut fields: Vec<_> = filled("Bad Slug!")
        .into_iter()
        .filter(|(k, _)| *k != "category")
        .collect();
    fields = with(&fields, "title_en", "  ");
    fields = with(&fields, "notice_es", "");
    fields = with(&fields, "title_pt", "<script>alert(1)</script>");
    fields = with(
        &fields,
        "origins",
        "https://shop.example/page\nhttps://ok.example",
    );
    let r = post(&app, "/admin/forms", &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains("Please correct what is marked below."));
    for (id, says) in [
        (
            "slug-error",
            "Must be 3 to 64 lowercase letters, digits or '-'",
        ),
        ("title_en-error", "Must not be empty."),
        ("notice_es-error", "Must not be empty."),
        ("notice_pt-error", "Must not be empty."),
        ("categories-error", "Name at least one category."),
        (
            "origins-error",
            "“https://shop.example/page”: must be an origin (scheme and host, no path)",
        ),
    ] {
        let said = element_text(&page, id);
        assert!(said.contains(says), "#{id}: {said}");
    }
    for fine in ["notice_en-error", "title_es-error", "welcome-error"] {
        assert!(!page.contains(fine), "{fine}");
    }
    // What was typed is there, escaped.
    assert!(page.contains(r#"value="Bad Slug!""#));
    assert!(page.contains(r#"value="Novedades de primavera""#));
    assert!(decoded(&page).contains(r#"value="<script>alert(1)</script>""#));
    assert!(!page.contains("<script>alert"));
    assert!(
        element_text(&page, "origins").contains("https://shop.example/page https://ok.example")
    );
    assert!(!page.contains("checked>"), "no category was ticked");
    assert_eq!(app.count("forms").await, 0);
    assert_eq!(app.count("notices").await, notices);
    assert_eq!(app.count("audit_log").await, audit);

    // An address another form has is refused beside the address.
    let r = post(&app, "/admin/forms", &filled("spring")).await;
    assert_eq!(r.status(), 303);
    let r = post(
        &app,
        "/admin/forms",
        &with(&filled("spring"), "title_en", "Another"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert_eq!(
        element_text(&page, "slug-error"),
        "Another form has this address already; choose another."
    );
    assert!(page.contains(r#"value="Another""#));
    assert_eq!(app.count("forms").await, 1);
    assert_eq!(form_entries(&app).await.len(), 1);
}

/// The fields of the console's form holding `join` as `form_body` made it.
fn join_fields() -> Vec<(&'static str, String)> {
    vec![
        ("title_en", "News from Acme on WhatsApp".into()),
        (
            "notice_en",
            "Acme will send you WhatsApp messages about the topics you choose. Reply STOP at any time."
                .into(),
        ),
        ("title_es", "Novedades de Acme por WhatsApp".into()),
        (
            "notice_es",
            "Acme te enviará mensajes de WhatsApp sobre los temas que elijas.".into(),
        ),
        ("title_pt", String::new()),
        ("notice_pt", String::new()),
        ("category", "offers".into()),
        ("category", "product_news".into()),
        ("opt_in", "double".into()),
        ("welcome", format!("{WELCOME}/en")),
        ("origins", String::new()),
    ]
}

#[tokio::test]
async fn changing_the_words_makes_a_new_notice_version_listed_with_its_views_and_is_audited() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let email = signed_in(&app, Role::Marketer).await;
    for _ in 0..2 {
        assert_eq!(app.page("/f/join").await.status(), 200);
    }
    assert_eq!(app.page_in("/f/join", "es").await.status(), 200);

    // The page holds the form's settings as they are.
    let page = html(&app, "/admin/forms/join", 200).await;
    assert!(page.contains(r#"value="News from Acme on WhatsApp""#));
    assert!(page.contains(r#"value="Novedades de Acme por WhatsApp""#));
    assert!(page.contains(r#"id="opt-in-double" name="opt_in" value="double" checked"#));
    assert!(page.contains(r#"id="category-offers" name="category" value="offers" checked"#));

    // Unchanged settings, sent again: nothing to save, nothing written.
    let r = post(&app, "/admin/forms/join", &join_fields()).await;
    assert_eq!(r.status(), 303);
    let page = html(&app, "/admin/forms/join", 200).await;
    assert!(text(&page).contains("Nothing to save: the form was already so."));
    assert_eq!(form_entries(&app).await.len(), 1, "only the API's creation");

    let mut fields: Vec<_> = join_fields()
        .into_iter()
        .filter(|(k, _)| *k != "category")
        .collect();
    fields.push(("category", "offers".into()));
    fields = with(
        &fields,
        "notice_en",
        "Acme may message you about offers. Reply STOP to stop.",
    );
    fields = with(&fields, "title_es", "");
    fields = with(&fields, "notice_es", "");
    fields = with(&fields, "title_pt", "Novidades da Acme");
    fields = with(
        &fields,
        "notice_pt",
        "A Acme pode enviar ofertas. Responda SAIR para parar.",
    );
    fields = with(&fields, "opt_in", "single");
    let r = post(&app, "/admin/forms/join", &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/forms/join");
    let page = html(&app, "/admin/forms/join", 200).await;
    assert!(
        text(&page).contains("Saved. The notice is now version 2;"),
        "{page}"
    );
    let versions = rows(&page, "Published (UTC)");
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert!(
        versions[0][0].starts_with("Version 2 (current) join-v2"),
        "{versions:?}"
    );
    assert_eq!(versions[0][2..], ["English: 0 Portuguese: 0", "0"]);
    assert!(
        versions[1][0].starts_with("Version 1 join-v1"),
        "{versions:?}"
    );
    assert_eq!(versions[1][2..], ["English: 2 Spanish: 1", "3"]);
    assert!(versions[1][1].starts_with(&crate::console::compliance::today()));

    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(
        form["notice"],
        "Acme may message you about offers. Reply STOP to stop."
    );
    assert_eq!(form["notice_version"], "join-v2");
    assert_eq!(form["categories"], json!(["offers"]));
    assert_eq!(form["double_opt_in"], false);
    assert_eq!(form["translations"]["pt"]["title"], "Novidades da Acme");
    assert!(form["translations"].get("es").is_none(), "{form}");

    let entries = form_entries(&app).await;
    assert_eq!(entries.len(), 2, "{entries:?}");
    let (who, action, target, detail) = &entries[1];
    assert_eq!(
        (who.as_str(), action.as_str(), target.as_str()),
        (email.as_str(), "form.changed", "form:join")
    );
    assert!(
        detail.starts_with("changed words, categories, opt-in; now notice join-v2; single opt-in"),
        "{detail}"
    );
    // The API's changes are audited too, under the key's name.
    assert_eq!(entries[0].1, "form.created");
}

#[tokio::test]
async fn a_bad_change_comes_back_with_what_was_typed_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    signed_in(&app, Role::Marketer).await;
    let audit = app.count("audit_log").await;
    let mut fields = with(&join_fields(), "title_en", "A better title");
    fields = with(&fields, "notice_en", "");
    fields = with(&fields, "origins", "shop.example");
    fields = with(&fields, "welcome", "not_registered/en");
    let r = post(&app, "/admin/forms/join", &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"value="A better title""#));
    assert_eq!(element_text(&page, "notice_en-error"), "Must not be empty.");
    assert_eq!(
        element_text(&page, "origins-error"),
        "“shop.example”: is not an origin such as https://shop.example."
    );
    assert!(element_text(&page, "welcome-error").starts_with("Choose a welcome template"));
    assert_eq!(notice_version(&app, "join").await, 1);
    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(form["title"], "News from Acme on WhatsApp");
    assert_eq!(form["frame_ancestors"], json!([]));
    assert_eq!(app.count("audit_log").await, audit);
    // An unknown form is a 404 page.
    assert_eq!(app.page("/admin/forms/nope").await.status(), 404);
}

/// The person taps the welcome template's confirm button.
async fn tap_confirm(app: &TestApp, wa_id: &str) {
    let message = json!({"type": "button", "button": {"payload": "assent_confirm", "text": "Confirm"},
                         "context": {"from": "12025550100", "id": "wamid.welcome"}});
    app.webhook(&inbound_message(wa_id, &wamid(), message))
        .await;
    app.settle().await;
}

#[tokio::test]
async fn the_figures_are_what_happened_views_submissions_confirmations_and_conversion() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    let mut once = form_body("once");
    once["double_opt_in"] = json!(false);
    once["title"] = json!("Offers at once");
    let (status, answer) = app.new_form(&once).await;
    assert_eq!(status, 201, "{answer}");
    signed_in(&app, Role::Admin).await;

    // join (double opt-in): two people send it (each opened it first), one
    // confirms, and someone reads it in Spanish without sending it.
    for n in [1, 2] {
        let r = app
            .submit_form("join", "US", &e164(&person(n)), &["offers"])
            .await;
        assert_eq!(r.status(), 200);
    }
    app.settle().await;
    tap_confirm(&app, &person(1)).await;
    assert_eq!(app.page_in("/f/join", "es").await.status(), 200);
    // once (single opt-in): one person sends it; their consent holds at once.
    let r = app
        .submit_form("once", "US", &e164(&person(3)), &["offers"])
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;

    assert_eq!(tallies(&app, "join").await, (3, 2, 0, 1, 0));
    assert_eq!(tallies(&app, "once").await, (1, 1, 1, 0, 0));
    let list = html(&app, "/admin/forms", 200).await;
    assert_eq!(
        rows(&list, "Conversion"),
        vec![
            vec![
                "News from Acme on WhatsApp double opt-in",
                "/f/join",
                "3",
                "2",
                "1",
                "0",
                "1",
                "33.3%"
            ],
            vec![
                "Offers at once single opt-in",
                "/f/once",
                "1",
                "1",
                "0",
                "0",
                "1",
                "100%"
            ],
        ]
    );
    let page = html(&app, "/admin/forms/join", 200).await;
    let said = text(&page);
    for figure in [
        "3 Views",
        "2 Submissions",
        "1 Confirmations",
        "0 Expiries",
        "1 Opt-ins",
        "33.3% Conversion",
    ] {
        assert!(said.contains(figure), "{figure} in {said}");
    }
    let versions = rows(&page, "Published (UTC)");
    assert_eq!(versions[0][2..], ["English: 2 Spanish: 1", "3"]);

    // The same figures for other pages (entry points compare by conversion).
    let figures = assent::forms::figures(app.raw_db()).await.unwrap();
    let of = |slug: &str| figures.iter().find(|f| f.slug == slug).unwrap().clone();
    assert_eq!(of("join").title, "News from Acme on WhatsApp");
    assert_eq!(of("join").stats.views, 3);
    assert_eq!(of("join").stats.opt_ins(), 1);
    assert_eq!(of("join").stats.conversion(), 0.3333);
    assert_eq!(of("once").stats.conversion(), 1.0);
    let (_, form) = app.get_json("/api/v1/forms/join", Some(&app.api_key)).await;
    assert_eq!(
        form["stats"],
        json!({"views": 3, "submissions": 2, "confirmations": 1, "expiries": 0, "opt_ins": 1, "conversion": 0.3333})
    );
}

#[tokio::test]
async fn the_preview_shows_the_public_page_counts_no_view_and_records_nothing() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    signed_in(&app, Role::Marketer).await;
    let page = html(&app, "/admin/forms/join", 200).await;
    assert!(page.contains(r#"href="/admin/forms/join/preview""#));

    let preview = html(&app, "/admin/forms/join/preview", 200).await;
    let said = text(&preview);
    assert!(
        said.contains("Preview: this is the form as people see it."),
        "{said}"
    );
    assert!(said.contains("News from Acme on WhatsApp"));
    assert!(said.contains("Acme will send you WhatsApp messages about the topics you choose."));
    assert!(preview.contains(r#"<input type="checkbox" id="category-offers" name="category" value="offers" aria-describedby"#), "unticked");
    assert!(preview.contains(r#"<button type="submit" disabled>"#));
    assert!(preview.contains(r#"action="/admin/forms/join/preview""#));
    assert!(
        preview.contains(r#"href="/admin/forms/join""#),
        "back to the settings"
    );
    let spanish = html(&app, "/admin/forms/join/preview?lang=es", 200).await;
    assert!(text(&spanish).contains("Novedades de Acme por WhatsApp"));

    // Sent anyway, it records nothing: the preview answers only GET.
    let token = app.form_token("/admin/forms").await;
    let r = app
        .post_form(
            "/admin/forms/join/preview",
            &[
                ("csrf_token", token.as_str()),
                ("country", "US"),
                ("phone", &e164(&person(1))),
                ("category", "offers"),
            ],
        )
        .await;
    assert_eq!(r.status(), 405);
    app.settle().await;
    assert_eq!(tallies(&app, "join").await, (0, 0, 0, 0, 0));
    assert_eq!(app.count("notice_views").await, 0);
    assert_eq!(app.count("form_submissions").await, 0);
    assert_eq!(app.count("ledger_events").await, 0);

    // The public page does count.
    assert_eq!(app.page("/f/join").await.status(), 200);
    assert_eq!(tallies(&app, "join").await.0, 1);
}

#[tokio::test]
async fn words_with_markup_are_shown_as_typed_never_run() {
    let app = TestApp::spawn().await;
    let mut body = form_body("markup");
    body["title"] = json!(r#"<b>Bold</b> & "quoted" <script>x()</script>"#);
    app.with_form(body).await;
    signed_in(&app, Role::Marketer).await;
    let (_, form) = app
        .get_json("/api/v1/forms/markup", Some(&app.api_key))
        .await;
    for path in [
        "/admin/forms",
        "/admin/forms/markup",
        "/admin/forms/markup/preview",
    ] {
        let page = html(&app, path, 200).await;
        assert!(!page.contains("<b>Bold"), "{path}");
        assert!(!page.contains("<script>x()"), "{path}");
        assert!(
            decoded(&page).contains(r#"<b>Bold</b> & "quoted" <script>x()</script>"#),
            "{path}: shown as typed"
        );
    }
    let page = html(&app, "/admin/forms/markup", 200).await;
    assert_eq!(element_text(&page, "form-embed"), form["embed_html"]);
}

#[tokio::test]
async fn the_menu_offers_forms_to_marketers_and_admins_only() {
    let app = TestApp::spawn().await;
    for (role, offered) in [
        (Role::Admin, true),
        (Role::Marketer, true),
        (Role::Compliance, false),
    ] {
        let email = format!("menu-{}@acme.example", role.as_str());
        app.add_staff(&email, role, PASSWORD).await;
        let browser = app.visitor();
        browser.sign_in(&email, PASSWORD).await;
        let home = browser.page("/admin").await.text().await.unwrap();
        assert_eq!(home.contains(r#"href="/admin/forms""#), offered, "{role:?}");
        let r = browser.page("/admin/forms").await;
        assert_eq!(r.status(), if offered { 200 } else { 403 }, "{role:?}");
    }
}
