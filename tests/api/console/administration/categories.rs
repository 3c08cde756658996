//! `/admin/categories`: an admin adds a category (name, kind, title and
//! description per language) and edits it; `/admin/categories/keywords/{number}`:
//! a number's own words per language and action, by the API's rules (the
//! built-in words stay). Bad input comes back as typed and changes nothing.
//! Audited.

use super::*;

async fn category(app: &TestApp, name: &str) -> Option<(String, String)> {
    sqlx::query_as("SELECT kind, title FROM categories WHERE name = $1")
        .bind(name)
        .fetch_optional(&app.raw_db().pool)
        .await
        .unwrap()
}

async fn texts(app: &TestApp, name: &str) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "SELECT language, title, description FROM category_texts WHERE category = $1 ORDER BY language",
    )
    .bind(name)
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

fn fields<'a>(name: &'a str, kind: &'a str, en: &'a str, es: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("kind", kind),
        ("title_en", en),
        ("description_en", "When what you wanted is in stock again."),
        ("title_es", es),
        ("description_es", ""),
        ("title_pt", ""),
        ("description_pt", ""),
    ]
}

#[tokio::test]
async fn an_admin_adds_a_category_that_can_then_be_used_and_edits_it() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let r = submit(
        &app,
        "/admin/categories",
        "/admin/categories",
        &fields(
            "back_in_stock",
            "marketing",
            " Back in stock ",
            "De nuevo disponible",
        ),
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = html(&app, "/admin/categories", 200).await;
    assert!(text(&page).contains("The category back_in_stock is added."));
    let row = rows(&page, r#"class="categories""#)
        .into_iter()
        .find(|r| r[0] == "back_in_stock")
        .unwrap();
    assert_eq!(
        &row[1..4],
        ["marketing", "Back in stock", "STOP back_in_stock"]
    );
    assert_eq!(
        category(&app, "back_in_stock").await,
        Some(("marketing".into(), "Back in stock".into()))
    );
    assert_eq!(
        texts(&app, "back_in_stock").await,
        vec![
            (
                "en".into(),
                "Back in stock".into(),
                "When what you wanted is in stock again.".into()
            ),
            ("es".into(), "De nuevo disponible".into(), String::new()),
        ]
    );
    // It is a category like the built-in ones: a template can be mapped to it.
    let (status, body) = app
        .register_template("restock_alert", "MARKETING", "back_in_stock")
        .await;
    assert!(status.is_success(), "{body}");

    // Editing: the kind and the words change, the name stays.
    let edit = html(&app, "/admin/categories/back_in_stock", 200).await;
    assert_eq!(input_value(&edit, "title_es"), "De nuevo disponible");
    assert!(edit.contains(r#"id="kind-marketing" name="kind" value="marketing" checked"#));
    let mut changed = fields("ignored", "utility", "Back in stock", "De nuevo disponible");
    changed[6] = ("title_pt", "De volta ao estoque");
    let r = submit(
        &app,
        "/admin/categories/back_in_stock",
        "/admin/categories/back_in_stock",
        &changed,
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/categories/back_in_stock");
    assert_eq!(
        category(&app, "back_in_stock").await,
        Some(("utility".into(), "Back in stock".into()))
    );
    assert_eq!(category(&app, "ignored").await, None);
    assert_eq!(texts(&app, "back_in_stock").await.len(), 3);
    let done: Vec<_> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.2 == "category:back_in_stock")
        .map(|e| (e.0, e.1, e.3))
        .collect();
    assert_eq!(
        done,
        vec![
            (ADMIN.into(), "category.created".into(), "marketing".into()),
            (
                ADMIN.into(),
                "category.changed".into(),
                "kind marketing to utility".into()
            ),
        ]
    );
}

#[tokio::test]
async fn bad_categories_come_back_with_what_was_typed_and_change_nothing() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let entries = app.count("audit_log").await;
    let categories = app.count("categories").await;
    let r = submit(
        &app,
        "/admin/categories",
        "/admin/categories",
        &fields("Back In Stock!", "", "", "<i>Solo</i>"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    for (field, says) in [
        (
            "name",
            "The name must be 1 to 64 lowercase letters, digits or _.",
        ),
        ("kind", "Choose a kind."),
        ("title_en", "The English title is needed."),
    ] {
        assert!(
            page.contains(&format!(r#"id="{field}-error">{says}"#)),
            "{field}: {page}"
        );
    }
    assert_eq!(input_value(&page, "name"), "Back In Stock!");
    assert_eq!(
        input_value(&page, "title_es"),
        "&#60;i&#62;Solo&#60;/i&#62;"
    );
    assert!(page.contains("When what you wanted is in stock again.</textarea>"));
    // A name that exists; Spanish words without a Spanish title.
    let mut taken = fields("offers", "marketing", "Offers", "");
    taken[5] = ("description_es", "Descuentos");
    let r = submit(&app, "/admin/categories", "/admin/categories", &taken).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(r#"id="title_es-error">The Spanish title is needed."#),
        "{page}"
    );
    let r = submit(
        &app,
        "/admin/categories",
        "/admin/categories",
        &fields("offers", "marketing", "Offers", ""),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(r#"id="name-error">A category with this name exists already."#)
    );
    // Editing with no English title changes nothing.
    let before = (category(&app, "offers").await, texts(&app, "offers").await);
    let r = submit(
        &app,
        "/admin/categories/offers",
        "/admin/categories/offers",
        &fields("offers", "utility", "", "Ofertas"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains(r#"id="kind-utility" name="kind" value="utility" checked"#),
        "as typed"
    );
    assert_eq!(
        (category(&app, "offers").await, texts(&app, "offers").await),
        before
    );
    assert_eq!(app.count("categories").await, categories);
    assert_eq!(app.count("audit_log").await, entries);
    assert_eq!(app.page("/admin/categories/no_such").await.status(), 404);
    assert_eq!(
        app.page("/admin/categories/Not%20A%20Name").await.status(),
        404
    );
}

async fn set_words(
    app: &TestApp,
    number: &str,
    language: &str,
    action: &str,
    words: &str,
) -> reqwest::Response {
    let path = format!("/admin/categories/keywords/{number}");
    submit(
        app,
        &path,
        &path,
        &[("language", language), ("action", action), ("words", words)],
    )
    .await
}

async fn words(app: &TestApp, language: &str, action: &str) -> Vec<String> {
    let (_, answer) = app.get_json("/api/v1/keywords", Some(&app.api_key)).await;
    answer["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["language"] == language && w["action"] == action)
        .map(|w| w["word"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_number_adds_keywords_but_the_built_in_ones_stay_and_conflicts_are_refused() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let number = sandbox_row_id(&app).await;
    let path = format!("/admin/categories/keywords/{number}");
    let page = html(&app, &path, 200).await;
    assert!(
        text(&page).contains("Built in: STOP, UNSUBSCRIBE"),
        "{page}"
    );
    assert!(text(&page).contains("Built in: PARAR, BAJA"), "{page}");

    let r = set_words(&app, &number, "en", "stop", "halt, No more").await;
    assert_eq!(r.status(), 303);
    let stop = words(&app, "en", "stop").await;
    assert!(
        stop.contains(&"STOP".to_owned())
            && stop.contains(&"HALT".to_owned())
            && stop.contains(&"NO MORE".to_owned()),
        "{stop:?}"
    );
    let page = html(&app, &path, 200).await;
    assert!(text(&page).contains("The English words for stop are saved."));
    assert!(page.contains(r#"value="HALT, NO MORE""#), "{page}");
    let changed = audited(&app, "keywords.changed").await;
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].3, "en stop: HALT, NO MORE");

    // A word that means another action is refused, and the words stay.
    let entries = app.count("audit_log").await;
    let r = set_words(&app, &number, "en", "help", "halt, assist").await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("is already this number&#39;s word for stop"),
        "{page}"
    );
    assert!(
        page.contains(r#"value="halt, assist""#),
        "typed kept: {page}"
    );
    let r = set_words(&app, &number, "es", "start", "PARAR").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("built-in word for stop"));
    assert_eq!(words(&app, "en", "help").await, ["HELP", "INFO"]);
    assert_eq!(app.count("audit_log").await, entries);

    // Removing the added words leaves the built-in ones.
    let r = set_words(&app, &number, "en", "stop", "").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        words(&app, "en", "stop").await,
        ["STOP", "UNSUBSCRIBE", "STOP ALL", "CANCEL", "END", "QUIT"]
    );
    assert_eq!(
        app.page("/admin/categories/keywords/nope").await.status(),
        404
    );
}

#[tokio::test]
async fn a_categorys_own_keywords_stop_it_alone_in_chat() {
    use crate::helpers::chat::{accepted_people, expect, person, states, text as write};
    let app = TestApp::spawn().await;
    admin(&app).await;
    let wa_id = person(60);
    accepted_people(&app, &[(wa_id.clone(), None)]).await;
    let mut typed = fields("offers", "marketing", "Offers and promotions", "Ofertas");
    typed.push(("keywords", " promos ,Ofertas del mes, "));
    let r = submit(
        &app,
        "/admin/categories/offers",
        "/admin/categories/offers",
        &typed,
    )
    .await;
    assert_eq!(r.status(), 303);
    let page = html(&app, "/admin/categories/offers", 200).await;
    assert_eq!(input_value(&page, "keywords"), "promos, Ofertas del mes");
    assert!(
        html(&app, "/admin/categories", 200)
            .await
            .contains("STOP promos")
    );

    // Bad words come back as typed and change nothing.
    let mut bad = fields("offers", "marketing", "Offers and promotions", "Ofertas");
    bad.push(("keywords", "promos; <b>now</b>"));
    let r = submit(
        &app,
        "/admin/categories/offers",
        "/admin/categories/offers",
        &bad,
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.contains(r#"id="keywords-error""#), "{page}");
    assert_eq!(
        input_value(&page, "keywords"),
        "promos; &#60;b&#62;now&#60;/b&#62;"
    );
    let (stored,): (String,) =
        sqlx::query_as("SELECT keywords FROM categories WHERE name = 'offers'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    assert_eq!(stored, "promos, Ofertas del mes");

    write(&app, &wa_id, "STOP promos").await;
    assert_eq!(
        states(&app, &wa_id).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted"),
        ])
    );
}
