//! Entry point codes are unique across every business number: the public links
//! name the code alone.

use super::*;

#[tokio::test]
async fn a_code_another_number_uses_is_refused_with_409() {
    let app = TestApp::spawn().await;
    spring(&app).await;
    let other = app
        .add_number(new_number("100000000000002", "+34911234567"))
        .await;
    let key = app.api_key_for(&other, "second").await;
    let create = |code: &'static str, key: String| {
        let app = &app;
        async move {
            app.post_json(
                "/api/v1/entry-points",
                &key,
                &json!({"code": code, "name": "Mine", "categories": ["offers"]}),
            )
            .await
        }
    };

    let (status, answer) = create(CODE, key.clone()).await;
    assert_meta_error("taken by the sandbox", status, &answer, 409, 100, None);
    assert!(details(&answer).contains("already exists"), "{answer}");
    let (status, list) = app.get_json("/api/v1/entry-points", Some(&key)).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"], json!([]), "nothing was made: {list}");

    // And the other way round.
    let (status, made) = create("AUTUMN-26", key.clone()).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        made["wa_me_url"],
        "https://wa.me/34911234567?text=Hello%21%20%28AUTUMN%2D26%29"
    );
    let (status, answer) = create("AUTUMN-26", app.api_key.clone()).await;
    assert_meta_error("taken by the other", status, &answer, 409, 100, None);
    // Each number sees only its own.
    let (status, _) = app
        .get_json("/api/v1/entry-points/AUTUMN-26", Some(&app.api_key))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .get_json(&format!("/api/v1/entry-points/{CODE}"), Some(&key))
        .await;
    assert_eq!(status, 404);
    // A code differing only in case is another code.
    let (status, made) = create("spring-26", key.clone()).await;
    assert_eq!(status, 201, "{made}");
    // The public links find each number's own.
    let r = app.page("/l/AUTUMN-26").await;
    assert_eq!(r.status(), 302);
    assert!(location(&r).starts_with("https://wa.me/34911234567?"));
}

#[tokio::test]
async fn two_numbers_making_the_same_code_at_once_get_one_entry_point() {
    let app = TestApp::spawn().await;
    let other = app
        .add_number(new_number("100000000000002", "+34911234567"))
        .await;
    let key = app.api_key_for(&other, "second").await;
    for round in 0..5 {
        let code = format!("RACE-{round}");
        let body = json!({"code": code, "name": "Race", "categories": ["offers"]});
        let (a, b) = tokio::join!(
            app.post_json("/api/v1/entry-points", &app.api_key, &body),
            app.post_json("/api/v1/entry-points", &key, &body),
        );
        let mut statuses = [a.0.as_u16(), b.0.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [201, 409], "round {round}: {a:?} {b:?}");
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM entry_points WHERE code = $1")
            .bind(&code)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
        assert_eq!(n, 1, "round {round}");
    }
}
