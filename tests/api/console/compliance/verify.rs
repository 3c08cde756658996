//! `/admin/ledger/verify`: runs the integrity check over the whole chain and
//! shows what it found (events checked and the head hash to keep elsewhere, or
//! the first broken event and how), keeps the run for the dashboard, and puts
//! it in the audit log.

use super::*;
use crate::helpers::ledger::{event_id, four_events};

async fn run_check(app: &TestApp) -> String {
    let page = html(app, "/admin/ledger/verify", 200).await;
    let token = csrf_token(&page);
    let r = app
        .post_form("/admin/ledger/verify", &[("csrf_token", &token)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/ledger/verify");
    html(app, "/admin/ledger/verify", 200).await
}

#[tokio::test]
async fn an_intact_ledger_shows_the_events_checked_and_the_head_to_keep() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    signed_in(&app, Role::Compliance).await;
    let before = text(&html(&app, "/admin/ledger/verify", 200).await);
    assert!(
        before.contains("by command line"),
        "four_events verified once: {before}"
    );

    let page = run_check(&app).await;
    let head: (String,) = sqlx::query_as("SELECT hash FROM ledger_events WHERE seq = 4")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert!(page.contains("verified just now: intact"), "{page}");
    assert!(page.contains(r#"<h2 id="result">Intact</h2>"#));
    assert!(text(&page).contains("Events checked 4"), "{}", text(&page));
    assert!(page.contains(&format!(r#"<code class="hash">{}</code>"#, head.0)));
    assert!(page.contains(&format!("assent ledger verify --anchor {}", head.0)));
    assert!(text(&page).contains("by compliance@acme.example"));

    let home = text(&html(&app, "/admin", 200).await);
    assert!(home.contains("Intact: 4 events checked"), "{home}");

    let entries = audited(&app, "ledger.verified").await;
    assert_eq!(entries.len(), 2, "the command line's run and this one");
    assert_eq!(entries[1].2, format!("intact: 4 events, head {}", head.0));
    assert_eq!(app.count("ledger_verifications").await, 2);
}

#[tokio::test]
async fn a_tampered_event_is_named_with_how_it_broke() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    signed_in(&app, Role::Admin).await;
    run_check(&app).await;
    let altered = event_id(&app, 2).await;
    exec(
        &app,
        "UPDATE ledger_events SET category = 'product_news' WHERE seq = 2",
    )
    .await;

    let page = run_check(&app).await;
    assert!(page.contains("it is BROKEN"), "{page}");
    assert!(
        page.contains(r#"<h2 id="result">Broken at event 2</h2>"#),
        "{page}"
    );
    assert!(page.contains("content was altered (hash mismatch)"));
    assert!(page.contains(&format!("<code>{altered}</code>")));
    assert!(text(&page).contains("Events before it that verified 1"));
    assert!(
        !page.contains("--anchor"),
        "no head to keep from a broken chain"
    );

    let home = text(&html(&app, "/admin", 200).await);
    assert!(
        home.contains("Broken at event 2: content was altered (hash mismatch)."),
        "the dashboard shows the last run: {home}"
    );
    let entries = audited(&app, "ledger.verified").await;
    assert_eq!(entries.len(), 3);
    assert_eq!(
        entries[2].2,
        "BROKEN at event 2: content was altered (hash mismatch) (1 events before it verified)"
    );
}

#[tokio::test]
async fn the_command_line_check_is_kept_for_the_dashboard_too() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    signed_in(&app, Role::Compliance).await;
    let home = text(&html(&app, "/admin", 200).await);
    assert!(
        home.contains("Intact: 4 events checked"),
        "four_events verifies once: {home}"
    );
    assert!(home.contains("by command line"), "{home}");
}

#[tokio::test]
async fn a_ledger_never_verified_says_so_and_the_check_needs_the_forms_csrf_token() {
    let app = TestApp::spawn().await;
    signed_in(&app, Role::Compliance).await;
    assert!(
        html(&app, "/admin/ledger/verify", 200)
            .await
            .contains("not been verified yet")
    );
    assert!(text(&html(&app, "/admin", 200).await).contains("Not verified yet."));
    let r = app
        .post_form("/admin/ledger/verify", &[("csrf_token", "forged")])
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("ledger_verifications").await, 0);
}

/// `2021-01-01 00:00:05`: an epoch-ms time as the console writes it (UTC).
fn written(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms / 1000).unwrap();
    format!(
        "{} {:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

#[tokio::test]
async fn the_dashboard_shows_when_the_ledger_was_last_verified() {
    let app = TestApp::spawn().await;
    four_events(&app).await;
    // The command line's run, moved to a known moment.
    exec(&app, "UPDATE ledger_verifications SET at = 1609459205678").await;
    signed_in(&app, Role::Compliance).await;
    let home = html(&app, "/admin", 200).await;
    assert!(
        text(&home).contains("Intact: 4 events checked 2021-01-01 00:00:05 (UTC) by command line."),
        "{}",
        text(&home)
    );
    assert!(
        home.contains("4 events, checked 2021-01-01 00:00:05"),
        "the card says it too: {home}"
    );

    // A newer run replaces it, with its own time.
    run_check(&app).await;
    let (at,): (i64,) = sqlx::query_as("SELECT MAX(at) FROM ledger_verifications")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert!(at > 1609459205678);
    let home = text(&html(&app, "/admin", 200).await);
    assert!(
        home.contains(&format!(
            "Intact: 4 events checked {} (UTC) by compliance@acme.example.",
            written(at)
        )),
        "{home}"
    );
    assert!(
        !home.contains("2021-01-01 00:00:05"),
        "the older run is not shown: {home}"
    );
}
