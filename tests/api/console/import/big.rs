//! A file of 100 000 rows: streamed in without being held whole, recorded in the
//! background by the worker, and meanwhile every other request is answered.

use super::*;
use std::time::{Duration, Instant};

#[tokio::test]
async fn a_file_of_100_000_rows_is_imported_while_other_requests_are_answered() {
    let app = TestApp::spawn_with_workers().await;
    sign_in_as(&app, Role::Compliance).await;
    let csv = rows(100_000, "offers");
    let started = Instant::now();
    let id = uploaded(&app, &csv).await;
    let upload_took = started.elapsed();
    let mut slowest = Duration::ZERO;
    let mut answered_while_running = 0;
    loop {
        let s = summary(&app, &id).await;
        if s.is_done() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(900),
            "the import takes too long: {} of {} rows",
            s.done_rows,
            s.total_rows
        );
        for path in ["/healthz", "/admin/import", &format!("/admin/import/{id}")] {
            let asked = Instant::now();
            let r = app.page(path).await;
            assert_eq!(r.status(), 200, "{path}");
            r.bytes().await.unwrap();
            slowest = slowest.max(asked.elapsed());
        }
        if s.done_rows > 0 {
            answered_while_running += 1;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let took = started.elapsed();
    eprintln!(
        "100 000 rows: uploaded in {upload_took:?}, imported in {took:?}; slowest other request {slowest:?}"
    );
    assert!(
        answered_while_running > 0,
        "requests were answered while it ran"
    );
    assert!(
        slowest < Duration::from_secs(3),
        "another request waited {slowest:?}"
    );
    let s = summary(&app, &id).await;
    assert_eq!(
        (s.total_rows, s.done_rows, s.recorded, s.rejected),
        (100_000, 100_000, 100_000, 0)
    );
    assert_eq!(count_imported(&app).await, 100_000);
    assert_eq!(s.file_sha256.as_deref(), Some(sha256_hex(&csv).as_str()));
    let html = status_page(&app, &id).await;
    assert!(html.contains("Finished: 100,000 recorded, 0 already granted, 0 rejected"));
}
