//! `assent ledger verify` on an intact chain: its size and head, a head anchored
//! outside the database, and a chain that grows while it is verified or appended to
//! concurrently.

use crate::helpers::ledger::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn verify_passes_an_intact_ledger_and_reports_its_size_and_head() {
    let app = TestApp::spawn().await;
    let r = verify(&app);
    assert!(r.ok(), "an empty ledger is intact: {r}");
    assert!(r.stdout.contains("ledger intact: 0 events"), "{r}");

    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, BOB, "order_updates", "grant").await;
    let last = ok_consent(&app, ALICE, "offers", "withdraw").await;

    let r = verify(&app);
    assert!(r.ok(), "{r}");
    assert!(r.stdout.contains("ledger intact: 3 events"), "{r}");
    let head = last["event"]["hash"].as_str().unwrap();
    assert!(
        r.stdout.contains(head),
        "the head is the last event's hash {head}: {r}"
    );
}

/// Someone with write access replaces the whole history with a new, internally valid
/// chain. Only a head kept outside the database shows it.
#[tokio::test]
async fn an_anchor_kept_outside_the_database_reveals_a_rewritten_history() {
    let app = TestApp::spawn().await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    assert_eq!(app.consent(ALICE, "offers", "withdraw").await.0, 201);
    let verified = app.cli(&["ledger", "verify"]);
    assert!(verified.ok());
    let stdout = verified.stdout.clone();
    let anchor = stdout.trim().rsplit(' ').next().unwrap().to_owned();
    assert_eq!(anchor.len(), 64, "{stdout}");
    let anchored = app.cli(&["ledger", "verify", "--anchor", &anchor]);
    assert!(anchored.ok(), "{}", anchored.stdout);
    assert!(anchored.stdout.contains("is event 2"));

    // The rewrite: the withdrawal is gone, and the chain is rebuilt from scratch.
    exec(&app, "DELETE FROM ledger_evidence").await;
    exec(&app, "DELETE FROM ledger_events").await;
    exec(&app, "UPDATE ledger_head SET seq = 0, hash = '0000000000000000000000000000000000000000000000000000000000000000'").await;
    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);

    assert!(
        app.cli(&["ledger", "verify"]).ok(),
        "the new chain is internally valid"
    );
    let caught = app.cli(&["ledger", "verify", "--anchor", &anchor]);
    assert!(!caught.ok());
    assert!(caught.stdout.contains("REWRITTEN"));
}

/// Appends that land while verify walks the chain are past the head it read first:
/// a busy ledger verifies as intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_passes_while_consents_are_being_recorded() {
    let app = TestApp::spawn().await;
    for i in 0..30 {
        ok_consent(&app, &format!("+3461234{i:04}"), "offers", "grant").await;
    }
    let writer = {
        let (address, key) = (app.address.clone(), app.api_key.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            for i in 30..90 {
                let body = json!({"phone": format!("+3461234{i:04}"), "category": "offers", "action": "grant"});
                let r = client
                    .post(format!("{address}/api/v1/consents"))
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
            }
        })
    };
    for _ in 0..5 {
        let report = assent::consent::verify(app.raw_db()).await.unwrap();
        assert_eq!(
            report.broken, None,
            "after {} events",
            report.events_checked
        );
    }
    writer.await.unwrap();
    let report = assent::consent::verify(app.raw_db()).await.unwrap();
    assert_eq!((report.broken, report.events_checked), (None, 90));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_consents_form_one_unbroken_chain() {
    let app = TestApp::spawn().await;
    let phones: Vec<String> = (0..40).map(|i| format!("+3461234{i:04}")).collect();
    let answers = futures_util::future::join_all(
        phones
            .iter()
            .map(|phone| app.consent(phone, "offers", "grant")),
    )
    .await;
    let mut seqs = Vec::new();
    for (phone, (status, body)) in phones.iter().zip(&answers) {
        assert_eq!(*status, 201, "{phone}: {body}");
        seqs.push(body["event"]["seq"].as_i64().unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=40).collect::<Vec<i64>>(),
        "each append got its own seq"
    );

    let r = verify(&app);
    assert!(r.ok(), "{r}");
    assert!(r.stdout.contains("ledger intact: 40 events"), "{r}");
    let stored: Vec<(i64,)> = sqlx::query_as("SELECT seq FROM ledger_events ORDER BY seq")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap();
    assert_eq!(
        stored.into_iter().map(|(s,)| s).collect::<Vec<_>>(),
        (1..=40).collect::<Vec<i64>>()
    );
    assert_eq!(app.count("contacts").await, 40);
}
