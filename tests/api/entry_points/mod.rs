//! An entry point's public side and its numbers (SPEC §6): the tracking link
//! `/l/{code}`, its QR codes, the anonymous statistics, and codes unique across
//! every business number. Making and validating them: mo_flow::entry_points.

mod codes;
pub mod qr;
mod stats;
mod tracking;

use crate::helpers::*;
use serde_json::{Value, json};

/// The code every test here uses, in a text with a space and an accent.
pub const CODE: &str = "SPRING-26";

/// Makes the entry point `CODE` (offers, English) on the sandbox number; returns
/// it as the API answered.
pub async fn spring(app: &TestApp) -> Value {
    let (status, ep) = app
        .new_entry_point(
            &json!({"code": CODE, "name": "Spring flyer", "categories": ["offers"],
            "prefilled_text": "Send me the spring offers, café SPRING-26", "language": "en"}),
        )
        .await;
    assert_eq!(status, 201, "{ep}");
    ep
}

/// `GET /api/v1/entry-points/{code}` with the sandbox key, expecting 200.
pub async fn shown(app: &TestApp, code: &str) -> Value {
    let (status, ep) = app
        .get_json(&format!("/api/v1/entry-points/{code}"), Some(&app.api_key))
        .await;
    assert_eq!(status, 200, "{ep}");
    ep
}

/// The rows of every table, by name.
pub async fn rows_everywhere(app: &TestApp) -> Vec<(String, i64)> {
    let tables: std::collections::BTreeSet<String> =
        all_columns(app).await.into_iter().map(|(t, _)| t).collect();
    let mut rows = Vec::new();
    for table in tables {
        let n = app.count(&format!("\"{table}\"")).await;
        rows.push((table, n));
    }
    rows
}

/// Whether a response is an HTML page with this status.
pub async fn assert_page(label: &str, r: reqwest::Response, status: u16) {
    assert_eq!(r.status(), status, "{label}");
    assert_eq!(
        r.headers()["content-type"],
        "text/html; charset=utf-8",
        "{label}"
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang="), "{label}: {html}");
}
