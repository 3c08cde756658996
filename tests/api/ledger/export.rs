//! `assent ledger export`: CSV and JSON, filters, a file, and what erasure leaves.

use crate::helpers::ledger::*;
use crate::helpers::*;
use serde_json::{Value, json};

const CSV_HEADER: &str = "seq,id,created_at,phone_number_id,subject_id,phone,user_id,category,action,source,\
source_ref,notice_version,notice_sha256,language,actor,ip,user_agent,inbound_message_id,prev_hash,hash";

fn csv_rows(text: &str) -> Vec<csv::StringRecord> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<&str> = reader.headers().unwrap().iter().collect();
    assert_eq!(header.join(","), CSV_HEADER);
    reader.records().map(Result::unwrap).collect()
}

fn export(app: &TestApp, extra: &[&str]) -> Run {
    let mut args = vec!["ledger", "export"];
    args.extend_from_slice(extra);
    let r = app.cli(&args);
    assert!(r.ok(), "export {extra:?}: {r}");
    r
}

#[tokio::test]
async fn an_empty_ledger_exports_only_the_csv_header() {
    let app = TestApp::spawn().await;
    let r = export(&app, &["--format", "csv"]);
    assert_eq!(
        r.stdout.lines().collect::<Vec<_>>(),
        vec![CSV_HEADER],
        "{r}"
    );
    let r = export(&app, &["--format", "json"]);
    let parsed: Value = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {r}"));
    assert_eq!(parsed, json!([]));
}

#[tokio::test]
async fn the_cli_exports_the_ledger_as_csv_and_json_with_filters() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    grant_with_ip(&app, BOB, "offers", "198.51.100.9").await;
    ok_consent(&app, ALICE, "offers", "withdraw").await;
    let n = 4;

    // CSV: a header and one line per event, in chain order, with the person's phone
    // and evidence joined in.
    let csv_out = export(&app, &["--format", "csv"]);
    assert_eq!(csv_out.stdout.lines().count(), n + 1, "{csv_out}");
    assert!(csv_out.stdout.starts_with(&format!("{CSV_HEADER}\n")));
    let rows = csv_rows(&csv_out.stdout);
    assert_eq!(rows.len(), n);
    let col = |name: &str| CSV_HEADER.split(',').position(|c| c == name).unwrap();
    let seqs: Vec<&str> = rows.iter().map(|r| &r[col("seq")]).collect();
    assert_eq!(seqs, ["1", "2", "3", "4"]);
    let phones: Vec<&str> = rows.iter().map(|r| &r[col("phone")]).collect();
    assert_eq!(phones, [ALICE, ALICE, BOB, ALICE]);
    assert_eq!(&rows[0][col("phone_number_id")], SANDBOX_ID);
    assert_eq!(&rows[0][col("action")], "granted");
    assert_eq!(&rows[3][col("action")], "withdrawn");
    assert_eq!(&rows[0][col("ip")], ALICE_IP);
    assert_eq!(&rows[0][col("notice_sha256")], sha256_hex(NOTICE));
    assert_eq!(&rows[0][col("prev_hash")], GENESIS);
    for pair in rows.windows(2) {
        assert_eq!(pair[1][col("prev_hash")], pair[0][col("hash")]);
    }
    assert!(csv_out.stderr.contains("4 events exported"), "{csv_out}");

    // JSON: an array of the same events, with their hashes.
    let json_out = export(&app, &["--format", "json"]);
    let parsed: Value =
        serde_json::from_str(&json_out.stdout).unwrap_or_else(|e| panic!("{e}: {json_out}"));
    let events = parsed.as_array().expect("a JSON array");
    assert_eq!(events.len(), n);
    for (event, row) in events.iter().zip(&rows) {
        assert!(is_hex64(event["hash"].as_str().unwrap()), "{event}");
        assert!(is_hex64(event["prev_hash"].as_str().unwrap()), "{event}");
        assert_eq!(event["hash"], &row[col("hash")]);
        assert_eq!(event["id"], &row[col("id")]);
    }
    assert_eq!(events[1]["prev_hash"], events[0]["hash"]);

    // --category filters.
    let offers = csv_rows(&export(&app, &["--format", "csv", "--category", "offers"]).stdout);
    assert_eq!(offers.len(), 3);
    assert!(offers.iter().all(|r| &r[col("category")] == "offers"));
    let none = csv_rows(&export(&app, &["--format", "csv", "--category", "product_news"]).stdout);
    assert!(none.is_empty());

    // --phone-number-id filters by business number.
    let ours = export(&app, &["--format", "csv", "--phone-number-id", SANDBOX_ID]);
    assert_eq!(csv_rows(&ours.stdout).len(), n);
    let other = export(
        &app,
        &["--format", "csv", "--phone-number-id", "100000000000999"],
    );
    assert_eq!(csv_rows(&other.stdout).len(), 0);

    // --since / --until filter by time.
    let since = export(
        &app,
        &["--format", "csv", "--since", "2000-01-01T00:00:00Z"],
    );
    assert_eq!(csv_rows(&since.stdout).len(), n);
    let until = export(
        &app,
        &["--format", "csv", "--until", "2000-01-01T00:00:00Z"],
    );
    assert_eq!(csv_rows(&until.stdout).len(), 0);
    let future = export(
        &app,
        &["--format", "csv", "--since", "2999-01-01T00:00:00Z"],
    );
    assert_eq!(csv_rows(&future.stdout).len(), 0);

    // A bad time is refused, naming the format it should have.
    let bad = app.cli(&[
        "ledger",
        "export",
        "--format",
        "csv",
        "--since",
        "yesterday",
    ]);
    assert!(!bad.ok() && bad.code.is_some(), "{bad}");
    assert!(bad.stderr.contains("RFC 3339"), "{bad}");

    // --output writes the file instead of standard output.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ledger.csv");
    let to_file = export(
        &app,
        &["--format", "csv", "--output", file.to_str().unwrap()],
    );
    assert!(to_file.stdout.is_empty(), "{to_file}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv_out.stdout);

    // After erasure the export keeps every event but no longer names her.
    app.erase(ALICE).await;
    let erased = export(&app, &["--format", "csv"]);
    let rows = csv_rows(&erased.stdout);
    assert_eq!(rows.len(), n + 1);
    let phones: Vec<&str> = rows.iter().map(|r| &r[col("phone")]).collect();
    assert_eq!(phones, ["", "", BOB, "", ""]);
    assert!(!erased.stdout.contains("612345678"), "{erased}");
    assert!(!erased.stdout.contains(ALICE_IP), "{erased}");
    assert_eq!(&rows[n][col("action")], "erased");
}
