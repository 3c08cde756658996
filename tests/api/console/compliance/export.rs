//! `/admin/ledger/export`: the search's filters as CSV or JSON, each download in
//! the audit log (with the phone number masked), and values a spreadsheet would
//! run as formulas made harmless, in the console's download and the command
//! line's alike.

use super::*;
use crate::helpers::ledger::{CATEGORIES, ok_consent};
use serde_json::{Value, json};

async fn download(app: &TestApp, path: &str) -> (reqwest::header::HeaderMap, String) {
    let r = app.page(path).await;
    assert_eq!(r.status(), 200, "{path}");
    let headers = r.headers().clone();
    (headers, r.text().await.unwrap())
}

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test]
async fn the_search_filters_download_as_csv_and_json_and_each_download_is_audited() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    ok_consent(&app, BOB, "offers", "grant").await;
    ok_consent(&app, ALICE, "offers", "withdraw").await;
    signed_in(&app, Role::Compliance).await;

    // The page's links carry its filters.
    let page = html(
        &app,
        "/admin/ledger?category=offers&phone=%2B34612345678",
        200,
    )
    .await;
    let csv_link = link(&page, "CSV").unwrap();
    assert_eq!(
        csv_link,
        "/admin/ledger/export?phone=%2B34612345678&category=offers&format=csv"
    );
    let (headers, body) = download(&app, &csv_link).await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    let disposition = headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"assent-ledger-")
            && disposition.ends_with(".csv\""),
        "{disposition}"
    );
    assert_eq!(headers["cache-control"], "no-store");
    assert!(body.starts_with("seq,id,created_at,phone_number_id,subject_id,phone,"));
    let rows = csv_rows(&body);
    assert_eq!(rows.len(), 2, "{body}");
    assert_eq!(
        (&rows[0][0], &rows[0][5], &rows[0][8]),
        ("1", ALICE, "granted")
    );
    assert_eq!((&rows[1][0], &rows[1][8]), ("4", "withdrawn"));

    let (headers, body) = download(&app, &link(&page, "JSON").unwrap()).await;
    assert_eq!(headers["content-type"], "application/json");
    let events: Value = serde_json::from_str(&body).unwrap();
    let seqs: Vec<i64> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 4]);
    assert_eq!(events[0]["phone"], ALICE);
    assert_eq!(events[0]["ip"], "203.0.113.7");

    let (_, everything) = download(&app, "/admin/ledger/export?format=csv").await;
    assert_eq!(csv_rows(&everything).len(), 4);

    let entries = audited(&app, "ledger.exported").await;
    assert_eq!(entries.len(), 3);
    let (_, target, detail) = &entries[0];
    assert_eq!(target, "ledger");
    assert_eq!(
        detail,
        &format!(
            "csv: phone {}, category offers",
            masked_digits("34612345678")
        )
    );
    assert!(
        entries.iter().all(|(_, _, d)| !d.contains("612345678")),
        "{entries:?}"
    );
    assert_eq!(
        entries[1].2,
        format!(
            "json: phone {}, category offers",
            masked_digits("34612345678")
        )
    );
    assert_eq!(entries[2].2, "csv: every event");
    let who: (String, Option<String>) = sqlx::query_as(
        "SELECT actor_name, ip FROM audit_log WHERE action = 'ledger.exported' LIMIT 1",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(who.0, "compliance@acme.example");
    assert_eq!(who.1.as_deref(), Some("127.0.0.1"));
    let _ = CATEGORIES;
}

#[tokio::test]
async fn a_bad_format_or_filter_downloads_nothing_and_records_nothing() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    signed_in(&app, Role::Compliance).await;
    let page = html(&app, "/admin/ledger/export?format=xlsx", 400).await;
    assert!(page.contains("Choose CSV or JSON to download."));
    let page = html(&app, "/admin/ledger/export?format=csv&phone=12", 400).await;
    assert!(page.contains(r#"id="phone-error""#), "{page}");
    assert!(page.contains(r#"value="12""#));
    assert_eq!(audited(&app, "ledger.exported").await, vec![]);
}

/// A person whose evidence and reference begin like spreadsheet formulas.
async fn formula_minded(app: &TestApp) {
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": ALICE, "category": "offers", "action": "grant",
                "evidence": {"notice_version": "v1", "notice_text": "Offers from Acme.",
                    "user_agent": "=HYPERLINK(\"https://evil.example\",\"click\")",
                    "source_ref": "@SUM(1+1)*cmd|' /C calc'!A0"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": BOB, "category": "offers", "action": "grant",
                "evidence": {"notice_version": "v1", "notice_text": "Offers from Acme.",
                    "user_agent": "-2+3", "source_ref": "+cmd|' /C calc'!A0"}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

fn assert_defused(csv: &str) {
    let rows = csv_rows(csv);
    assert_eq!(rows.len(), 2, "{csv}");
    let col = |name: &str| {
        csv::Reader::from_reader(csv.as_bytes())
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == name)
            .unwrap()
    };
    assert_eq!(
        &rows[0][col("user_agent")],
        "'=HYPERLINK(\"https://evil.example\",\"click\")"
    );
    assert_eq!(&rows[0][col("source_ref")], "'@SUM(1+1)*cmd|' /C calc'!A0");
    assert_eq!(&rows[1][col("user_agent")], "'-2+3");
    assert_eq!(&rows[1][col("source_ref")], "'+cmd|' /C calc'!A0");
    // A number stays a number: the phone keeps its plus.
    assert_eq!(&rows[0][col("phone")], ALICE);
    for row in &rows {
        for field in row {
            assert!(
                !field.starts_with(['=', '@'])
                    && !(field.starts_with(['+', '-'])
                        && field.chars().skip(1).any(|c| !c.is_ascii_digit())),
                "a live formula: {field:?}"
            );
        }
    }
}

#[tokio::test]
async fn values_that_spreadsheets_would_run_are_escaped_in_every_csv() {
    let app = TestApp::spawn().await;
    formula_minded(&app).await;
    signed_in(&app, Role::Compliance).await;
    let (_, console) = download(&app, "/admin/ledger/export?format=csv").await;
    assert_defused(&console);
    let cli = app.cli(&["ledger", "export", "--format", "csv"]);
    assert!(cli.ok(), "{cli}");
    assert_defused(&cli.stdout);
    // JSON is data, not a spreadsheet: values stay as they were given.
    let (_, json) = download(&app, "/admin/ledger/export?format=json").await;
    let events: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(events[1]["user_agent"], "-2+3");
    assert_eq!(events[0]["source_ref"], "@SUM(1+1)*cmd|' /C calc'!A0");
}

#[tokio::test]
async fn the_command_line_export_takes_the_same_filters() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, BOB, "offers", "grant").await;
    ok_consent(&app, ALICE, "offers", "withdraw").await;
    let r = app.cli(&[
        "ledger",
        "export",
        "--format",
        "csv",
        "--phone",
        ALICE,
        "--action",
        "withdrawn",
    ]);
    assert!(r.ok(), "{r}");
    let rows = csv_rows(&r.stdout);
    assert_eq!(rows.len(), 1, "{r}");
    assert_eq!(&rows[0][0], "3");
    // Audited like the console's download: who, and which filters.
    let audited: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT actor, action, detail FROM audit_log WHERE target = 'ledger' ORDER BY at, id",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(audited.len(), 1, "{audited:?}");
    assert_eq!(audited[0].0, "system:cli");
    assert_eq!(audited[0].1, "ledger.exported");
    assert!(audited[0].2.starts_with("csv: "), "{audited:?}");
    assert!(audited[0].2.contains("withdrawn"), "{audited:?}");
    let r = app.cli(&["ledger", "export", "--format", "csv", "--source", "fax"]);
    assert!(
        !r.ok() && r.stderr.contains("--source must be one of"),
        "{r}"
    );
    let r = app.cli(&["ledger", "export", "--format", "csv", "--phone", "12"]);
    assert!(!r.ok() && r.stderr.contains("--phone"), "{r}");
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(n, 1, "a refused export exports nothing and audits nothing");
}
