//! Faults lose nothing: an import stopped between batches, or with a batch in
//! the hands of a worker that died, goes on after a restart from the first row
//! not recorded, and records no row twice.

use super::*;

#[tokio::test]
async fn a_restart_in_the_middle_of_an_import_goes_on_and_records_no_row_twice() {
    let app = signed_in_as(Role::Compliance).await;
    let id = uploaded(&app, &rows(1000, "offers")).await;
    // Two batches are recorded, then a worker claims the third and dies before
    // it commits: its lease holds the import until it runs out.
    assert!(app.step().await && app.step().await);
    let halfway = summary(&app, &id).await;
    assert_eq!((halfway.done_rows, halfway.recorded), (500, 500));
    assert!(!halfway.is_done());
    let lease_end = assent::db::now_ms() + 5000;
    exec(
        &app,
        &format!(
            "UPDATE imports SET lease_until = {lease_end}, claim_id = 'dead-worker', attempts = attempts + 1 WHERE id = '{id}'"
        ),
    )
    .await;
    let db = app.stop().await;

    let app = TestApp::spawn_on(db).await;
    assert_eq!(app.sign_in(STAFF, PASSWORD).await.status(), 303);
    assert!(
        !app.step().await,
        "the dead worker's lease still holds the import"
    );
    let html = status_page(&app, &id).await;
    assert!(html.contains("Importing: 500 of 1,000 rows"), "{html}");
    let done = finish(&app, &id).await;
    assert!(assent::db::now_ms() >= lease_end);
    assert_eq!(
        (
            done.done_rows,
            done.recorded,
            done.already_granted,
            done.rejected
        ),
        (1000, 1000, 0, 0)
    );
    assert_eq!(count_imported(&app).await, 1000);
    let (distinct,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT DISTINCT subject_id, category FROM ledger_events WHERE source = 'import') x",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(distinct, 1000, "no row recorded twice");
    assert_eq!(audit_entries(&app, "import.completed").await.len(), 1);
    assert!(verify(&app).ok());
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_cannot_record_a_batch_another_worker_holds() {
    let app = signed_in_as(Role::Compliance).await;
    let id = uploaded(&app, &rows(300, "offers")).await;
    // Another worker claimed the import a moment ago (its lease runs).
    exec(
        &app,
        &format!(
            "UPDATE imports SET lease_until = {}, claim_id = 'other-worker' WHERE id = '{id}'",
            assent::db::now_ms() + 60_000
        ),
    )
    .await;
    assert!(!app.step().await, "nothing is due for this one");
    assert_eq!(summary(&app, &id).await.done_rows, 0);
    assert_eq!(count_imported(&app).await, 0);
}
