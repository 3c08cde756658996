//! `/admin/templates`: mapping and unmapping a consent category (an unmapped
//! template cannot be sent), and importing the approved templates of a Cloud API
//! number's business account from Meta, page after page.

use super::*;
use crate::helpers::graph::{CLOUD_ID, StandIn, TEMPLATES_PAGE, TOKEN, WABA_ID, cloud_number};
use serde_json::json;

async fn template_id(app: &TestApp, name: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM templates WHERE name = $1")
        .bind(name)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

/// name → consent category (None: unmapped), of every template.
async fn mapping(app: &TestApp) -> Vec<(String, String, String, Option<String>)> {
    sqlx::query_as(
        "SELECT name, language, meta_category, consent_category FROM templates ORDER BY name, language",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

/// The table row of a template, as text.
fn row_of(page: &str, id: &str) -> String {
    let at = page
        .find(&format!(r#"<tr id="template-{id}""#))
        .unwrap_or_else(|| panic!("a row for {id}: {page}"));
    text(&page[at..at + page[at..].find("</tr>").unwrap()])
}

#[tokio::test]
async fn an_admin_unmaps_a_template_which_then_cannot_be_sent_and_maps_it_again() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    app.consent(ALICE, "order_updates", "grant").await;
    app.consent(ALICE, "offers", "grant").await;
    app.register_template("order_shipped", "UTILITY", "order_updates")
        .await;
    let id = template_id(&app, "order_shipped").await;
    let page = html(&app, "/admin/templates", 200).await;
    let row = row_of(&page, &id);
    assert!(
        row.starts_with("order_shipped en UTILITY order_updates"),
        "{row}"
    );

    let r = post(
        &app,
        &format!("/admin/templates/{id}/unmap"),
        "/admin/templates",
        &[],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/templates");
    let page = html(&app, "/admin/templates", 200).await;
    assert!(
        text(&page).contains(
            "order_shipped (en) has no category now: it cannot be sent until you map it."
        )
    );
    assert!(row_of(&page, &id).contains("No category: cannot be sent."));
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 400, "an unmapped template is refused: {body}");

    // Mapped to another category the person consented to: it goes out again.
    let r = post(
        &app,
        &format!("/admin/templates/{id}/map"),
        "/admin/templates",
        &[("category", "offers")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = html(&app, "/admin/templates", 200).await;
    assert!(
        text(&page).contains("order_shipped (en) is sent only to people who consented to offers.")
    );
    assert!(row_of(&page, &id).starts_with("order_shipped en UTILITY offers"));
    let (status, body) = app.send(&template_body(ALICE, "order_shipped")).await;
    assert_eq!(status, 200, "{body}");

    let entries: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.2 == format!("template:{id}"))
        .map(|e| (e.0, e.1, e.3))
        .collect();
    assert_eq!(
        entries,
        [
            (
                ADMIN.to_owned(),
                "template.unmapped".to_owned(),
                "order_shipped (en): consent category order_updates → none".to_owned()
            ),
            (
                ADMIN.to_owned(),
                "template.mapped".to_owned(),
                "order_shipped (en): consent category none → offers".to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_wrong_category_comes_back_beside_the_template_and_changes_nothing() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let id = template_id(&app, "spring_sale").await;
    let before = mapping(&app).await;
    let audited = app.count("audit_log").await;
    for (typed, says) in [
        (
            "order_updates",
            "A MARKETING template needs a marketing category",
        ),
        ("no_such_category", "There is no such category."),
        ("Not A Name!", "There is no such category."),
        ("", "Choose a category."),
    ] {
        let r = post(
            &app,
            &format!("/admin/templates/{id}/map"),
            "/admin/templates",
            &[("category", typed)],
        )
        .await;
        assert_eq!(r.status(), 422, "{typed:?}");
        let page = r.text().await.unwrap();
        assert!(
            error_of(&page, &format!("category-{id}")).contains(says),
            "{typed:?}"
        );
        if typed == "order_updates" {
            // The marketing template is offered marketing categories only.
            assert!(
                !page.contains(r#"<option value="order_updates""#) || !page.contains("selected")
            );
        }
        assert_eq!(mapping(&app).await, before, "{typed:?}: nothing changed");
        assert_eq!(app.count("audit_log").await, audited);
    }
    // A template that is not there.
    let r = post(&app, "/admin/templates/nope/unmap", "/admin/templates", &[]).await;
    assert_eq!(r.status(), 303);
    assert!(text(&html(&app, "/admin/templates", 200).await).contains("That template is gone."));
    assert_eq!(app.count("audit_log").await, audited);
}

fn meta_template(name: &str, language: &str, status: &str, category: &str) -> serde_json::Value {
    json!({"name": name, "language": language, "status": status, "category": category,
           "id": format!("9{}", name.len()), "components": [{"type": "BODY", "text": "Hi {{1}}"}]})
}

/// The Cloud API number (on the stand-in) with its business account id, and an admin.
async fn cloud_with_waba(app: &TestApp, standin: &StandIn) -> String {
    cloud_number(app, standin).await;
    let id = number_id(app, CLOUD_ID).await;
    sqlx::query("UPDATE business_numbers SET waba_id = $1 WHERE id = $2")
        .bind(WABA_ID)
        .bind(&id)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn importing_from_meta_reads_every_page_and_proposes_a_category_by_metas() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    admin(&app).await;
    let number = cloud_with_waba(&app, &standin).await;
    standin.set_templates(vec![
        meta_template("spring_sale", "en_US", "APPROVED", "MARKETING"),
        meta_template("order_shipped", "es", "APPROVED", "UTILITY"),
        meta_template("draft_offer", "en", "PENDING", "MARKETING"),
        meta_template("loyalty_points", "pt_BR", "APPROVED", "LOYALTY"),
        meta_template("login_code", "en", "APPROVED", "AUTHENTICATION"),
        meta_template("old_promo", "en", "REJECTED", "MARKETING"),
        meta_template("Bad Name", "en", "APPROVED", "UTILITY"),
    ]);
    let page = html(&app, "/admin/templates", 200).await;
    assert!(
        page.contains(&format!(r#"name="number" value="{number}""#)),
        "the import is offered"
    );

    let r = post(
        &app,
        "/admin/templates/import",
        "/admin/templates",
        &[("number", &number)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = html(&app, "/admin/templates", 200).await;
    let said = text(&page);
    assert!(
        said.contains(
            "Imported from Meta: 2 with a proposed category (check them below), 2 without one"
        ),
        "{said}"
    );
    assert!(said.contains("2 not approved yet were skipped."), "{said}");
    assert!(
        said.contains("1 with a name or language Assent cannot use were skipped."),
        "{said}"
    );

    // Every page was asked for, with the token, the cursor of the one before.
    let asked: Vec<_> = standin
        .requests()
        .await
        .into_iter()
        .filter(|r| r.url.path() == format!("/v23.0/{WABA_ID}/message_templates"))
        .collect();
    assert_eq!(asked.len(), 7usize.div_ceil(TEMPLATES_PAGE));
    let cursors: Vec<Option<String>> = asked
        .iter()
        .map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "after")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(
        cursors,
        [
            None,
            Some("cursor-2".into()),
            Some("cursor-4".into()),
            Some("cursor-6".into())
        ]
    );
    for r in &asked {
        assert_eq!(r.headers["authorization"], format!("Bearer {TOKEN}"));
        assert_eq!(r.method.as_str(), "GET");
    }

    let own = |name: &str, language: &str, meta: &str, category: Option<&str>| {
        (
            name.to_owned(),
            language.to_owned(),
            meta.to_owned(),
            category.map(str::to_owned),
        )
    };
    assert_eq!(
        mapping(&app).await,
        [
            own("login_code", "en", "AUTHENTICATION", None),
            own("loyalty_points", "pt_BR", "LOYALTY", None),
            own("order_shipped", "es", "UTILITY", Some("order_updates")),
            own("spring_sale", "en_US", "MARKETING", Some("offers")),
        ],
        "approved ones only; MARKETING → a marketing category, UTILITY → a utility one; \
         no authentication category exists, and LOYALTY is not a category Assent knows"
    );
    let loyalty = row_of(&page, &template_id(&app, "loyalty_points").await);
    assert!(
        loyalty.contains("No category: cannot be sent."),
        "{loyalty}"
    );
    assert!(
        loyalty.contains("Meta's category LOYALTY is not one Assent knows"),
        "{loyalty}"
    );
    let login = row_of(&page, &template_id(&app, "login_code").await);
    assert!(login.contains("No category: cannot be sent."), "{login}");

    let imported: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.1 == "templates.imported")
        .collect();
    assert_eq!(imported.len(), 1);
    assert_eq!(imported[0].0, ADMIN);
    assert_eq!(imported[0].2, format!("number:{number}"));
    assert!(
        imported[0]
            .3
            .contains("2 added with a proposed category, 2 added without one"),
        "{:?}",
        imported[0]
    );

    // Again: what is here stays as it is, even a category changed by hand.
    let sale = template_id(&app, "spring_sale").await;
    let r = post(
        &app,
        &format!("/admin/templates/{sale}/map"),
        "/admin/templates",
        &[("category", "product_news")],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = post(
        &app,
        "/admin/templates/import",
        "/admin/templates",
        &[("number", &number)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let said = text(&html(&app, "/admin/templates", 200).await);
    assert!(said.contains("0 with a proposed category"), "{said}");
    assert!(
        said.contains("4 were here already and were left as they were."),
        "{said}"
    );
    assert_eq!(mapping(&app).await[3].3.as_deref(), Some("product_news"));
}

#[tokio::test]
async fn an_import_that_cannot_happen_says_why_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    admin(&app).await;
    cloud_number(&app, &standin).await;
    let number = number_id(&app, CLOUD_ID).await;
    standin.set_templates(vec![meta_template(
        "spring_sale",
        "en",
        "APPROVED",
        "MARKETING",
    )]);

    // Without its business account id: the page points to the settings.
    let page = html(&app, "/admin/templates", 200).await;
    assert!(!page.contains(&format!(r#"name="number" value="{number}""#)));
    assert!(page.contains(&format!(
        r#"add its WhatsApp Business Account id in the <a href="/admin/numbers/{number}">"#
    )));
    let r = post(
        &app,
        "/admin/templates/import",
        "/admin/templates",
        &[("number", &number)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(
        text(&html(&app, "/admin/templates", 200).await)
            .contains("has no WhatsApp Business Account id")
    );

    // A token Meta refuses.
    sqlx::query(
        "UPDATE business_numbers SET waba_id = $1, access_token = 'EAAGrevoked' WHERE id = $2",
    )
    .bind(WABA_ID)
    .bind(&number)
    .execute(&app.raw_db().pool)
    .await
    .unwrap();
    let r = post(
        &app,
        "/admin/templates/import",
        "/admin/templates",
        &[("number", &number)],
    )
    .await;
    assert_eq!(r.status(), 303);
    let said = text(&html(&app, "/admin/templates", 200).await);
    assert!(
        said.contains("Meta refused the access token: Invalid OAuth access token"),
        "{said}"
    );

    // The sandbox has no templates at Meta.
    let sandbox = number_id(&app, SANDBOX_ID).await;
    let r = post(
        &app,
        "/admin/templates/import",
        "/admin/templates",
        &[("number", &sandbox)],
    )
    .await;
    assert_eq!(r.status(), 303);
    assert!(text(&html(&app, "/admin/templates", 200).await).contains("Only Cloud API numbers"));

    assert_eq!(app.count("templates").await, 0);
    assert!(
        audit(&app)
            .await
            .iter()
            .all(|e| e.1 != "templates.imported")
    );
}
