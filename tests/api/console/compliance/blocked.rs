//! `/admin/blocked` and `GET /api/v1/blocked-sends`: every refused send with its
//! reason, who asked, the template, the masked recipient and when; filters, a
//! CSV download in the audit log, and the API's pages for the key's number.

use super::*;
use serde_json::Value;

/// ALICE: a template without consent; BOB: free text outside the 24 h window.
async fn two_refusals(app: &TestApp) {
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (status, body) = app.send(&template_body(ALICE, "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470102));
    let (status, body) = app.send(&text_body(BOB, "Hello")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 131047));
}

#[tokio::test]
async fn the_report_names_reason_caller_template_and_the_masked_recipient() {
    let app = TestApp::spawn().await;
    two_refusals(&app).await;
    signed_in(&app, Role::Compliance).await;
    let page = html(&app, "/admin/blocked", 200).await;
    let shown = rows(&page, "<caption>");
    assert_eq!(shown.len(), 2, "{page}");
    let (alice, bob) = (masked_digits("34612345678"), masked_digits("34612345679"));
    assert_eq!(
        shown[0][1..],
        [
            "Free-form message outside the 24-hour window outside_window (131047)".to_owned(),
            "API key \"tests\"".into(),
            "free-form text message".into(),
            bob.clone(),
        ]
    );
    assert_eq!(
        shown[1][1..],
        [
            "No consent in the template's category no_consent (470102)".to_owned(),
            "API key \"tests\"".into(),
            "spring_sale (en)".into(),
            alice.clone(),
        ]
    );
    assert!(shown[0][0].starts_with(&today()));
    assert!(!page.contains("612345678") && !page.contains("612345679"));

    let only = rows(
        &html(&app, "/admin/blocked?reason=no_consent", 200).await,
        "<caption>",
    );
    assert_eq!(only.len(), 1);
    assert_eq!(only[0][4], alice);
    let bobs = rows(
        &html(&app, "/admin/blocked?phone=%2B34612345679", 200).await,
        "<caption>",
    );
    assert_eq!(bobs.len(), 1);
    assert_eq!(bobs[0][4], bob);
    let none = rows(
        &html(&app, "/admin/blocked?from=2000-01-01&to=2000-01-02", 200).await,
        "<caption>",
    );
    assert!(none.is_empty());
    let page = html(&app, "/admin/blocked?reason=spam&phone=x", 400).await;
    assert!(page.contains(r#"id="reason-error""#) && page.contains(r#"id="phone-error""#));
}

#[tokio::test]
async fn the_report_downloads_as_csv_and_the_download_is_audited() {
    let app = TestApp::spawn().await;
    two_refusals(&app).await;
    signed_in(&app, Role::Admin).await;
    let page = html(&app, "/admin/blocked?reason=no_consent", 200).await;
    let href = link(&page, "CSV").unwrap();
    assert_eq!(href, "/admin/blocked/export?reason=no_consent");
    let r = app.page(&href).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let body = r.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "id",
            "created_at",
            "phone_number_id",
            "reason",
            "code",
            "caller_kind",
            "caller",
            "template",
            "language",
            "message_type",
            "recipient"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0].iter().skip(2).collect::<Vec<_>>(),
        [
            SANDBOX_ID,
            "no_consent",
            "470102",
            "api_key",
            "tests",
            "spring_sale",
            "en",
            "template",
            // Starts with + and is no plain number: written as text for spreadsheets.
            &format!("'{}", masked_digits("34612345678"))
        ]
    );
    assert!(!body.contains("612345678"));
    let entries = audited(&app, "blocked_sends.exported").await;
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].2, "csv: reason no_consent");
}

async fn api(app: &TestApp, path: &str, key: &str) -> (u16, Value) {
    let (status, body) = app.get_json(path, Some(key)).await;
    (status.as_u16(), body)
}

#[tokio::test]
async fn the_api_pages_through_the_keys_number_with_a_cursor() {
    let app = TestApp::spawn().await;
    two_refusals(&app).await;
    let key = app.api_key.clone();
    let (status, all) = api(&app, "/api/v1/blocked-sends", &key).await;
    assert_eq!(status, 200, "{all}");
    let data = all["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["reason"], "outside_window");
    assert_eq!(data[0]["code"], 131047);
    assert_eq!(data[0]["message_type"], "text");
    assert_eq!(data[0]["template"], Value::Null);
    assert_eq!(data[1]["reason"], "no_consent");
    assert_eq!(
        data[1]["template"],
        serde_json::json!({"name": "spring_sale", "language": "en"})
    );
    assert_eq!(
        data[1]["caller"],
        serde_json::json!({"kind": "api_key", "name": "tests"})
    );
    assert_eq!(data[1]["recipient"], masked_digits("34612345678"));
    assert!(
        data[1]["created_at"]
            .as_str()
            .unwrap()
            .starts_with(&today())
    );
    assert!(all["paging"].get("next").is_none(), "one page holds both");

    let (_, first) = api(&app, "/api/v1/blocked-sends?limit=1", &key).await;
    assert_eq!(first["data"].as_array().unwrap().len(), 1);
    assert_eq!(first["data"][0]["reason"], "outside_window");
    let next = first["paging"]["next"].as_str().expect("a next page");
    let after = first["paging"]["cursors"]["after"].as_str().unwrap();
    assert_eq!(
        next,
        format!("https://assent.example/api/v1/blocked-sends?limit=1&after={after}")
    );
    // A new refusal meanwhile does not shift the next page.
    let (status, _) = app
        .send(&template_body("+34612345600", "spring_sale"))
        .await;
    assert_eq!(status, 400);
    let (_, second) = api(&app, &next.replace("https://assent.example", ""), &key).await;
    assert_eq!(second["data"].as_array().unwrap().len(), 1);
    assert_eq!(second["data"][0]["reason"], "no_consent");
    assert_eq!(second["data"][0]["recipient"], masked_digits("34612345678"));

    let (_, filtered) = api(
        &app,
        "/api/v1/blocked-sends?reason=no_consent&phone=%2B34612345678",
        &key,
    )
    .await;
    assert_eq!(filtered["data"].as_array().unwrap().len(), 1);

    // Another number's key sees none of the sandbox's.
    let other = app
        .add_number(new_number("100000000000002", "+12025550111"))
        .await;
    let other_key = app.api_key_for(&other, "other").await;
    let (status, theirs) = api(&app, "/api/v1/blocked-sends", &other_key).await;
    assert_eq!(status, 200);
    assert_eq!(theirs["data"], serde_json::json!([]));
}

#[tokio::test]
async fn bad_parameters_get_a_meta_shaped_error_naming_the_field() {
    let app = TestApp::spawn().await;
    let key = app.api_key.clone();
    for (query, field) in [
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("limit=ten", "limit"),
        ("after=nope", "after"),
        ("reason=spam", "reason"),
        ("phone=12", "phone"),
        ("since=yesterday", "since"),
    ] {
        let (status, body) = api(&app, &format!("/api/v1/blocked-sends?{query}"), &key).await;
        assert_eq!(status, 400, "{query}: {body}");
        assert_eq!(code(&body), 100, "{query}");
        assert!(
            details(&body).starts_with(&format!("{field}: ")),
            "{query}: {body}"
        );
    }
    let (status, _) = app.get_json("/api/v1/blocked-sends", None).await;
    assert_eq!(status, 401);
    let (_, doc) = app.get_json("/api/openapi.json", None).await;
    assert_eq!(
        doc["paths"]["/api/v1/blocked-sends"]["get"]["operationId"], "listBlockedSends",
        "described in the OpenAPI document"
    );
}
