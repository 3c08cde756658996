//! A ledger of 100 000 events downloads as a stream: its first bytes arrive
//! while the export is still reading, and it goes no further than the reader
//! takes it.

use super::*;
use std::time::{Duration, Instant};

/// An odd count, so the log line of this export is told from any other's.
const EVENTS: i64 = 100_003;

#[tokio::test]
async fn an_export_of_100_000_events_streams_as_it_is_read() {
    let app = TestApp::spawn().await;
    insert_events(&app, EVENTS).await;
    signed_in(&app, Role::Compliance).await;
    let finished = format!("rows={EVENTS} what=\"ledger export\"");

    let started = Instant::now();
    let mut r = app.page("/admin/ledger/export?format=csv").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers().get("content-length").is_none(),
        "no length: streamed"
    );
    let first = r.chunk().await.unwrap().expect("a first chunk");
    let first_at = started.elapsed();
    assert!(first.starts_with(b"seq,id,created_at,"));
    assert!(first.len() < 4 * 1024 * 1024, "a chunk, not the file");

    // The reader pauses: the export waits for it instead of reading on.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !logs().contains(&finished),
        "the export read every event before the first bytes were taken"
    );

    let mut bytes = first.len();
    let mut lines = first.iter().filter(|b| **b == b'\n').count();
    while let Some(chunk) = r.chunk().await.unwrap() {
        bytes += chunk.len();
        lines += chunk.iter().filter(|b| **b == b'\n').count();
    }
    let total = started.elapsed();
    assert_eq!(lines as i64, EVENTS + 1, "the header and every event");
    assert!(bytes > 20 * 1024 * 1024, "{bytes} bytes");
    assert!(
        first_at < total / 4,
        "first bytes after {first_at:?} of {total:?}"
    );
    for _ in 0..100 {
        if logs().contains(&finished) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(logs().contains(&finished), "the export ends once read");
    assert_eq!(audited(&app, "ledger.exported").await.len(), 1);
}
