//! `/admin` for compliance staff: people per category and state, opt-ins and
//! opt-outs per day (a chart that reads without colour, and a table), blocked
//! sends per reason; figures that match what happened, kept in step with the
//! ledger as it grows.

use super::*;
use crate::helpers::ledger::ok_consent;
use serde_json::json;

const CAROL: &str = "+34612345680";
const DAVE: &str = "+34612345681";

async fn happenings(app: &TestApp) {
    ok_consent(app, ALICE, "offers", "grant").await;
    ok_consent(app, ALICE, "order_updates", "grant").await;
    ok_consent(app, BOB, "offers", "grant").await;
    ok_consent(app, ALICE, "offers", "withdraw").await;
    app.register_template("confirm_offers", "MARKETING", "offers")
        .await;
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": CAROL, "category": "offers", "action": "grant", "confirmation_template": "confirm_offers",
                    "evidence": {"notice_version": "v1", "notice_text": "Offers from Acme."}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    let (status, _) = app.send(&template_body(DAVE, "spring_sale")).await;
    assert_eq!(status, 400, "refused: no consent");
}

#[tokio::test]
async fn the_figures_match_what_happened() {
    let app = TestApp::spawn().await;
    happenings(&app).await;
    signed_in(&app, Role::Compliance).await;
    let page = html(&app, "/admin", 200).await;

    let consents = rows(&page, r#"aria-labelledby="consents""#);
    assert_eq!(
        consents,
        [
            ["Offers and promotions offers", "1", "1", "1", "0"],
            ["Order updates order_updates", "1", "0", "0", "0"],
            ["Product news product_news", "0", "0", "0", "0"],
        ]
        .map(|r| r.map(str::to_owned).to_vec())
        .to_vec(),
        "granted, pending, withdrawn, expired"
    );
    assert!(page.contains(
        r#"<th scope="col" class="num">granted</th><th scope="col" class="num">pending</th>"#
    ));

    let days = rows(&page, "per UTC day");
    assert_eq!(days.len(), 30);
    assert_eq!(days[0], [today(), "4".into(), "1".into()], "today first");
    assert!(days[1..].iter().all(|d| d[1] == "0" && d[2] == "0"));
    assert!(text(&page).contains("Opt-ins (consent granted): 4"));
    assert!(text(&page).contains("Opt-outs (withdrawn or declined): 1"));

    // The chart: described in words, bars titled, opt-outs hatched.
    let svg = page
        .split("<svg viewBox")
        .nth(1)
        .unwrap()
        .split("</svg>")
        .next()
        .unwrap();
    assert!(svg.contains(r#"role="img" aria-labelledby="chart-title chart-desc""#));
    assert!(svg.contains(
        "<title id=\"chart-title\">Opt-ins and opt-outs per day, last 30 days (UTC)</title>"
    ));
    assert!(
        svg.contains("4 opt-ins (solid bars) and 1 opt-outs (hatched bars)"),
        "{svg}"
    );
    assert!(svg.contains(&format!("<title>{}: 4 opt-ins</title>", today())));
    assert!(svg.contains(&format!("<title>{}: 1 opt-out</title>", today())));
    assert!(svg.contains(r#"<rect class="out" fill="url(#hatch)""#));
    assert!(svg.contains(r#"<pattern id="hatch""#));

    let blocked = rows(&page, r#"aria-labelledby="blocked""#);
    assert_eq!(
        blocked,
        vec![vec![
            "No consent in the template's category no_consent".to_owned(),
            "1".into()
        ]]
    );
    assert_eq!(
        link(&page, "No consent in the template's category").as_deref(),
        Some("/admin/blocked?reason=no_consent")
    );
}

#[tokio::test]
async fn figures_can_be_narrowed_to_one_number() {
    let app = TestApp::spawn().await;
    happenings(&app).await;
    let other = app
        .add_number(new_number("100000000000002", "+12025550111"))
        .await;
    let key = app.api_key_for(&other, "other").await;
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &key,
            &json!({"phone": ALICE, "category": "product_news", "action": "grant",
                    "evidence": {"notice_version": "v1", "notice_text": "News."}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    signed_in(&app, Role::Compliance).await;
    let all = html(&app, "/admin", 200).await;
    assert_eq!(rows(&all, r#"aria-labelledby="consents""#)[2][1], "1");
    assert_eq!(rows(&all, "per UTC day")[0][1], "5");
    let theirs = html(&app, "/admin?number=100000000000002", 200).await;
    let consents = rows(&theirs, r#"aria-labelledby="consents""#);
    assert_eq!(consents[0][1..], ["0", "0", "0", "0"]);
    assert_eq!(consents[2][1..], ["1", "0", "0", "0"]);
    assert_eq!(rows(&theirs, "per UTC day")[0][1], "1");
    assert!(theirs.contains("No send was blocked in the last 30 days."));
    assert!(theirs.contains(r#"<option value="100000000000002" selected>"#));
}

/// The figures kept by each append equal what the migration counts from the
/// ledger alone (the fold of every person's events), after grants, a double
/// opt-in confirmed and one left pending, withdrawals and an erasure.
#[tokio::test]
async fn the_kept_figures_equal_a_count_from_the_whole_ledger() {
    let app = TestApp::spawn().await;
    happenings(&app).await;
    ok_consent(&app, CAROL, "offers", "confirm").await;
    app.register_template("confirm_news", "MARKETING", "product_news")
        .await;
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &app.api_key,
            &json!({"phone": DAVE, "category": "product_news", "action": "grant", "confirmation_template": "confirm_news",
                    "evidence": {"notice_version": "v1", "notice_text": "News."}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    ok_consent(&app, BOB, "order_updates", "grant").await;
    app.erase(BOB).await;
    ok_consent(&app, BOB, "offers", "grant").await;

    let kept = tallies(&app).await;
    let backend = if app.db.is_postgres() {
        "postgres"
    } else {
        "sqlite"
    };
    let migration = std::fs::read_to_string(format!(
        "{}/migrations/{backend}/0008_compliance.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let at = migration.find("INSERT INTO consent_tallies").unwrap();
    let count = &migration[at..at + migration[at..].find(';').unwrap()];
    exec(&app, "DELETE FROM consent_tallies").await;
    exec(&app, count).await;
    assert_eq!(tallies(&app).await, kept);
    assert_eq!(
        kept,
        [
            ("offers", "granted", 2),
            ("offers", "withdrawn", 1),
            ("order_updates", "granted", 1),
            ("product_news", "pending", 1),
        ]
        .map(|(c, s, n)| (c.to_owned(), s.to_owned(), n))
        .to_vec()
    );
}

async fn tallies(app: &TestApp) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT category, state, people FROM consent_tallies WHERE people <> 0 ORDER BY category, state",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}
