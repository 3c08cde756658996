//! The statistics of an entry point: visits, chats started, terms accepted and
//! declined, and the conversion, from anonymous counters.

use super::*;
use crate::helpers::chat::*;

async fn stats(app: &TestApp, code: &str) -> Value {
    shown(app, code).await["stats"].clone()
}

fn counts(visits: i64, chats: i64, accepted: i64, declined: i64, conversion: f64) -> Value {
    json!({"visits": visits, "chats_started": chats, "accepted": accepted,
           "declined": declined, "conversion": conversion})
}

#[tokio::test]
async fn chats_acceptances_declines_and_visits_are_counted_and_the_conversion_follows() {
    let app = TestApp::spawn().await;
    let ep = spring(&app).await;
    app.entry_point("OTHER-1", &["offers"], "en").await;
    assert_eq!(ep["stats"], counts(0, 0, 0, 0, 0.0), "{ep}");
    let (ana, ben, carla, dario) = (person(1), person(2), person(3), person(4));

    // Two visits of the tracking link.
    for _ in 0..2 {
        assert_eq!(app.page(&format!("/l/{CODE}")).await.status(), 302);
    }
    assert_eq!(stats(&app, CODE).await, counts(2, 0, 0, 0, 0.0));

    // Ana writes the pre-filled text: a chat started; writing again is the same chat.
    text(&app, &ana, "Send me the spring offers, café SPRING-26").await;
    assert!(is_terms(app.sent_to(&ana).await.last().unwrap()));
    text(&app, &ana, "SPRING-26 hello?").await;
    assert_eq!(stats(&app, CODE).await, counts(2, 1, 0, 0, 0.0));
    // She accepts.
    press(&app, &ana, "assent_terms_accept").await;
    assert_eq!(states(&app, &ana).await["offers"], "granted");
    assert_eq!(stats(&app, CODE).await, counts(2, 1, 1, 0, 1.0));

    // Ben comes through it too and declines.
    text(&app, &ben, "Hi SPRING-26").await;
    assert_eq!(stats(&app, CODE).await, counts(2, 2, 1, 0, 0.5));
    press(&app, &ben, "assent_terms_decline").await;
    let after_ben = stats(&app, CODE).await;
    assert_eq!(after_ben, counts(2, 2, 1, 1, 0.5));
    assert_eq!(
        shown(&app, CODE).await["declines"],
        1,
        "kept for old clients"
    );
    // Writing again starts over: a new chat.
    text(&app, &ben, "Hi again SPRING-26").await;
    assert_eq!(stats(&app, CODE).await, counts(2, 3, 1, 1, 0.3333));

    // Carla names no code, and only later the code: the terms had gone out, so
    // she is not the entry point's.
    text(&app, &carla, "Hello").await;
    text(&app, &carla, "SPRING-26").await;
    press(&app, &carla, "assent_terms_accept").await;
    // Dario comes through the other entry point.
    text(&app, &dario, "OTHER-1").await;
    press(&app, &dario, "assent_terms_decline").await;
    assert_eq!(stats(&app, CODE).await, counts(2, 3, 1, 1, 0.3333));
    assert_eq!(stats(&app, "OTHER-1").await, counts(0, 1, 0, 1, 0.0));

    // The list shows the same.
    let (status, list) = app
        .get_json("/api/v1/entry-points", Some(&app.api_key))
        .await;
    assert_eq!(status, 200, "{list}");
    let spring = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["code"] == CODE)
        .unwrap()
        .clone();
    assert_eq!(spring["stats"], counts(2, 3, 1, 1, 0.3333), "{list}");
    assert_eq!(
        spring["tracking_url"],
        format!("https://assent.example/l/{CODE}")
    );
    assert_eq!(
        spring["qr_png_url"],
        format!("https://assent.example/qr/{CODE}.png")
    );
    assert_eq!(
        spring["qr_svg_url"],
        format!("https://assent.example/qr/{CODE}.svg")
    );
    assert_eq!(spring["wa_me_url"], ep["wa_me_url"]);
}

#[tokio::test]
async fn the_counters_name_nobody() {
    let app = TestApp::spawn().await;
    spring(&app).await;
    let ana = person(7);
    text(&app, &ana, "Hi SPRING-26").await;
    press(&app, &ana, "assent_terms_decline").await;
    assert_eq!(stats(&app, CODE).await, counts(0, 1, 0, 1, 0.0));
    // Nothing of hers remains: the counters are all the entry point keeps.
    assert!(find_everywhere(&app, &[ana.as_str()]).await.is_empty());
    let columns: Vec<String> = all_columns(&app)
        .await
        .into_iter()
        .filter(|(t, _)| t == "entry_points")
        .map(|(_, c)| c)
        .collect();
    for counter in ["visits", "chats_started", "accepted", "declines"] {
        assert!(columns.iter().any(|c| c == counter), "{columns:?}");
    }
}
