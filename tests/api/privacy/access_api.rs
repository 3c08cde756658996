//! `GET /api/v1/access?phone=` (or `user_id=`): everything held about a person
//! of the key's number; about someone it does not know, an empty record (and the
//! suppression entry, for someone erased).

use crate::helpers::chat::e164;
use crate::helpers::people::*;
use crate::helpers::*;

#[tokio::test]
async fn someone_unknown_gets_an_empty_record_and_someone_erased_only_their_suppression() {
    let app = TestApp::spawn().await;
    let (status, nobody) = app.access_request(&app.api_key, ALICE).await;
    assert_eq!(status, 200, "{nobody}");
    assert!(nobody["contact"].is_null(), "{nobody}");
    assert_eq!(nobody["events"], serde_json::json!([]));
    for category in ["offers", "order_updates", "product_news"] {
        assert_eq!(nobody["consents"][category]["state"], "none");
    }
    assert_eq!(nobody["suppression"], serde_json::json!([]));
    assert_eq!(app.count("audit_log").await, 0, "nothing was read out");

    let ana = history(&app, 1).await;
    let phone = e164(&ana.wa_id);
    app.erase_through_api(&phone).await;
    let (status, erased) = app.access_request(&app.api_key, &phone).await;
    assert_eq!(status, 200);
    assert!(erased["contact"].is_null());
    assert_eq!(
        erased["events"],
        serde_json::json!([]),
        "nothing links her to the events"
    );
    assert_eq!(erased["suppression"][0]["reason"], "erased");
}

#[tokio::test]
async fn a_key_reads_only_its_own_numbers_people_and_bad_queries_are_refused() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let phone = e164(&ana.wa_id);
    let other = app
        .add_number(new_number("200000000000002", "+12025550111"))
        .await;
    let other_key = app.api_key_for(&other, "other shop").await;
    let (status, answer) = app.access_request(&other_key, &phone).await;
    assert_eq!(status, 200);
    assert!(
        answer["contact"].is_null(),
        "another number's person: {answer}"
    );
    assert_eq!(
        answer["business_number"]["phone_number_id"],
        "200000000000002"
    );
    assert_eq!(answer["events"], serde_json::json!([]));

    for query in [
        "",
        "?phone=abc",
        "?user_id=nobody",
        "?phone=%2B34612345678&user_id=US.1",
    ] {
        let (status, answer) = app
            .get_json(&format!("/api/v1/access{query}"), Some(&app.api_key))
            .await;
        assert_eq!(status, 400, "{query}: {answer}");
        assert!(
            answer["error"]["code"].as_i64().is_some(),
            "Meta-shaped: {answer}"
        );
    }
    let (status, _) = app
        .get_json(&format!("/api/v1/access?phone={phone}"), None)
        .await;
    assert_eq!(status, 401);
    assert!(
        audit_of(&app, &format!("contact:{}", ana.contact_id))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn the_openapi_description_has_both_routes() {
    let app = TestApp::spawn().await;
    let (_, doc) = app.get_json("/api/openapi.json", None).await;
    assert!(doc["paths"]["/api/v1/access"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/erasures"]["post"].is_object());
}
