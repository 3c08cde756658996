//! Tampering with the stored ledger is detected and the first broken event named:
//! altered, deleted, reordered or truncated events, and altered or deleted evidence.

use crate::helpers::ledger::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn verify_detects_an_altered_event() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let altered = event_id(&app, 2).await;
    exec(
        &app,
        "UPDATE ledger_events SET category = 'product_news' WHERE seq = 2",
    )
    .await;
    let r = assert_broken_at(&app, 2, 1);
    assert!(r.stdout.contains(&altered), "names the event id: {r}");
}

/// A tamperer who also recomputes the altered event's own hash is still caught: the
/// next event no longer follows it.
#[tokio::test]
async fn verify_detects_an_altered_event_whose_own_hash_was_recomputed() {
    let app = TestApp::spawn().await;
    four_events(&app).await;

    type Row = (
        i64,
        String,
        String,
        String,
        i64,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Row = sqlx::query_as(
        "SELECT seq, id, prev_hash, hash, created_at, business_number_id, subject_id, category, action, source, \
         source_ref, notice_version, notice_sha256, language, actor, evidence_sha256 FROM ledger_events WHERE seq = 2",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    let confirmation_template: Option<String> = None;
    let rehash = |category: &str| {
        sha256_hex(
            &json!([
                row.0,
                row.1,
                row.2,
                row.4,
                row.5,
                row.6,
                category,
                row.8,
                row.9,
                row.10,
                row.11,
                row.12,
                row.13,
                row.14,
                confirmation_template,
                row.15
            ])
            .to_string(),
        )
    };
    assert_eq!(
        rehash(&row.7),
        row.3,
        "the test's copy of the hash recipe matches the stored hash"
    );
    exec(
        &app,
        &format!(
            "UPDATE ledger_events SET category = 'product_news', hash = '{}' WHERE seq = 2",
            rehash("product_news")
        ),
    )
    .await;
    let r = assert_broken_at(&app, 3, 2);
    assert!(r.stdout.contains(&event_id(&app, 3).await), "{r}");
}

#[tokio::test]
async fn verify_detects_an_event_deleted_from_the_middle() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let after_gap = event_id(&app, 3).await;
    exec(&app, "DELETE FROM ledger_events WHERE seq = 2").await;
    let r = assert_broken_at(&app, 3, 1);
    assert!(r.stdout.contains(&after_gap), "{r}");
    assert!(
        r.stdout.contains("2..2 were removed"),
        "says which event is missing: {r}"
    );
}

#[tokio::test]
async fn verify_detects_reordered_events() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let third = event_id(&app, 3).await;
    exec(&app, "UPDATE ledger_events SET seq = -1 WHERE seq = 2").await;
    exec(&app, "UPDATE ledger_events SET seq = 2 WHERE seq = 3").await;
    exec(&app, "UPDATE ledger_events SET seq = 3 WHERE seq = -1").await;
    let r = assert_broken_at(&app, 2, 1);
    assert!(
        r.stdout.contains(&third),
        "names the event now in position 2: {r}"
    );
}

#[tokio::test]
async fn verify_detects_events_removed_from_the_end() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    exec(&app, "DELETE FROM ledger_events WHERE seq = 4").await;
    let r = assert_broken_at(&app, 4, 3);
    assert!(r.stdout.contains("removed"), "{r}");
}

#[tokio::test]
async fn verify_detects_altered_evidence() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let target = event_id(&app, 3).await;
    sqlx::query("UPDATE ledger_evidence SET body = $1 WHERE event_id = $2")
        .bind(r#"{"nonce":"00","evidence":{"ip":"198.51.100.1","user_agent":"forged"}}"#)
        .bind(&target)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let r = assert_broken_at(&app, 3, 2);
    assert!(r.stdout.contains(&target), "{r}");
    assert!(r.stdout.contains("evidence"), "{r}");
}

/// Evidence may only disappear through erasure (which appends an `erased` event for
/// the person). Deleting one event's evidence outside an erasure destroys the proof
/// of that consent and must not pass verification.
#[tokio::test]

async fn verify_detects_evidence_deleted_without_an_erasure() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    let target = event_id(&app, 3).await;
    sqlx::query("DELETE FROM ledger_evidence WHERE event_id = $1")
        .bind(&target)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let r = assert_broken_at(&app, 3, 2);
    assert!(r.stdout.contains(&target), "{r}");
}
