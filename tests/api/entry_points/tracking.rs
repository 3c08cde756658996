//! `/l/{code}`: counts the visit and sends the visitor on to the wa.me link, and
//! learns nothing about them.

use super::*;

#[tokio::test]
async fn the_tracking_link_redirects_to_wa_me_and_counts_each_visit_anonymously() {
    let app = TestApp::spawn().await;
    let ep = spring(&app).await;
    let wa_me = ep["wa_me_url"].as_str().unwrap();
    assert_eq!(ep["stats"]["visits"], 0, "{ep}");
    let before = rows_everywhere(&app).await;
    let visitor = ["198.51.100.23", "127.0.0.1", "VisitorAgent"];
    let traces_before = find_everywhere(&app, &visitor).await;

    for n in 1..=3 {
        // A fresh browser each time, as visitors are, saying who it is.
        let r = client()
            .get(app.url(&format!("/l/{CODE}")))
            .header("user-agent", "VisitorAgent/7.7 (tracking test)")
            .header("x-forwarded-for", "198.51.100.23")
            .header("accept-language", "es-ES")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 302, "visit {n}");
        assert_eq!(location(&r), wa_me, "visit {n}");
        assert!(
            r.headers().get_all("set-cookie").iter().next().is_none(),
            "visit {n} sets a cookie: {:?}",
            r.headers()
        );
        assert_eq!(r.headers()["cache-control"], "no-store", "visit {n}");
        assert_eq!(shown(&app, CODE).await["stats"]["visits"], n, "visit {n}");
    }

    // Nothing was stored but the count: no row anywhere but today's count (one
    // row for the three visits), and nothing of the visitor.
    let after = rows_everywhere(&app).await;
    let grown: Vec<_> = after.iter().filter(|r| !before.contains(r)).collect();
    assert_eq!(grown, [&("entry_point_days".to_owned(), 1)], "{after:?}");
    assert_eq!(after.len(), before.len());
    assert_eq!(
        find_everywhere(&app, &visitor).await,
        traces_before,
        "the visitor left traces"
    );
    let ep = shown(&app, CODE).await;
    assert_eq!(ep["stats"]["visits"], 3, "{ep}");
    assert_eq!(ep["stats"]["chats_started"], 0, "{ep}");
}

#[tokio::test]
async fn an_unknown_code_is_an_html_404_and_counts_nothing() {
    let app = TestApp::spawn().await;
    spring(&app).await;
    for path in ["/l/NOPE-NOPE", "/l/spring-26", "/l/SPRING-2", "/l/"] {
        assert_page(path, app.page(path).await, 404).await;
    }
    // In the visitor's language.
    let r = app.page_in("/l/NOPE-NOPE", "pt-BR").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains(r#"<html lang="pt">"#));
    assert_eq!(shown(&app, CODE).await["stats"]["visits"], 0);
}

#[tokio::test]
async fn of_a_code_held_twice_by_an_older_install_the_oldest_answers() {
    let app = TestApp::spawn().await;
    spring(&app).await;
    // Before codes were unique, another number made the same code earlier.
    let other = app
        .add_number(new_number("100000000000002", "+34911234567"))
        .await;
    exec(
        &app,
        &format!(
            "INSERT INTO entry_points (business_number_id, code, name, categories, prefilled_text, language, declines, created_at) \
             VALUES ('{}', '{CODE}', 'Older', 'offers', 'Older text {CODE}', 'es', 0, 1)",
            other.id
        ),
    )
    .await;

    let r = app.page(&format!("/l/{CODE}")).await;
    assert_eq!(r.status(), 302);
    assert_eq!(
        location(&r),
        "https://wa.me/34911234567?text=Older%20text%20SPRING%2D26"
    );
    // The visit counts on the one that answered.
    assert_eq!(shown(&app, CODE).await["stats"]["visits"], 0);
    let (visits,): (i64,) = sqlx::query_as(
        "SELECT visits FROM entry_points WHERE business_number_id = $1 AND code = $2",
    )
    .bind(&other.id)
    .bind(CODE)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(visits, 1);
}
