//! A form cannot be used to message strangers: at most 3 submissions for one
//! number in an hour, and 10 from one address in ten minutes; beyond that a 429
//! page, and nothing is recorded or sent.

use crate::helpers::*;

#[tokio::test]
async fn one_number_is_submitted_three_times_an_hour_at_most() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    for n in 1..=3 {
        let r = app.submit_form("join", "ES", ALICE, &["offers"]).await;
        assert_eq!(r.status(), 200, "submission {n}");
    }
    let r = app.submit_form("join", "ES", ALICE, &["offers"]).await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>Too many attempts</h1>")
    );
    app.settle().await;
    assert_eq!(
        app.count("messages").await,
        1,
        "one welcome; the repeats change nothing more"
    );
    // Another number from the same place still may.
    assert_eq!(
        app.submit_form("join", "ES", BOB, &["offers"])
            .await
            .status(),
        200
    );
}

#[tokio::test]
async fn one_address_submits_ten_times_in_ten_minutes_at_most_in_the_persons_language() {
    let app = TestApp::spawn().await;
    app.with_form(form_body("join")).await;
    for n in 0..10 {
        let phone = format!("+3461234{:04}", 5000 + n);
        assert_eq!(
            app.submit_form("join", "ES", &phone, &["offers"])
                .await
                .status(),
            200,
            "{phone}"
        );
    }
    let path = "/f/join?lang=es";
    let token = app.form_token(path).await;
    let r = app
        .post_form(
            path,
            &[
                ("csrf_token", &token),
                ("country", "ES"),
                ("phone", "+34612349999"),
                ("category", "offers"),
            ],
        )
        .await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>Demasiados intentos</h1>")
    );
    app.settle().await;
    assert_eq!(app.count("ledger_events").await, 10);
    // One counter for the address, one per number, one for the form.
    assert_eq!(app.count("throttle_hits").await, 12);
    let keys: Vec<(String,)> = sqlx::query_as("SELECT key_hash FROM throttle_hits")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap();
    assert!(
        keys.iter()
            .all(|(k,)| !k.contains("127.0.0.1") && !k.contains("3461234"))
    );
}
