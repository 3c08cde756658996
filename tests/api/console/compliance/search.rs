//! `/admin/ledger`: the search by number, phone, category, action, source and
//! days; pages that stay put while events arrive; bad input answered with a
//! message beside its field.

use super::*;
use crate::helpers::ledger::ok_consent;

const OTHER_ID: &str = "100000000000002";

/// The events shown, as (event number, person, category, action, source) with
/// the source's reference and actor left out.
async fn shown(app: &TestApp, path: &str) -> Vec<(String, String, String, String, String)> {
    rows(&html(app, path, 200).await, "<caption>")
        .into_iter()
        .map(|r| {
            let source = r[5].split(' ').next().unwrap().to_owned();
            (
                r[0].clone(),
                r[1].clone(),
                r[2].clone(),
                r[3].clone(),
                source,
            )
        })
        .collect()
}

async fn seqs(app: &TestApp, path: &str) -> Vec<i64> {
    rows(&html(app, path, 200).await, "<caption>")
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect()
}

#[tokio::test]
async fn each_filter_narrows_the_events_newest_first() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    ok_consent(&app, ALICE, "order_updates", "grant").await;
    ok_consent(&app, BOB, "offers", "grant").await;
    ok_consent(&app, ALICE, "offers", "withdraw").await;
    let other = app.add_number(new_number(OTHER_ID, "+12025550111")).await;
    let other_key = app.api_key_for(&other, "other").await;
    let (status, body) = app
        .post_json(
            "/api/v1/consents",
            &other_key,
            &serde_json::json!({"phone": ALICE, "category": "product_news", "action": "grant",
                "evidence": {"source": "import", "notice_version": "v1", "notice_text": "News from Acme."}}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    signed_in(&app, Role::Compliance).await;

    let alice = masked_digits("34612345678");
    let bob = masked_digits("34612345679");
    let all = shown(&app, "/admin/ledger").await;
    assert_eq!(
        all.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(),
        ["5", "4", "3", "2", "1"],
        "newest first"
    );
    assert_eq!(
        all[1],
        (
            "4".into(),
            alice.clone(),
            "offers".into(),
            "withdrawn".into(),
            "api".into()
        )
    );
    assert_eq!(all[2].1, bob);

    assert_eq!(
        seqs(&app, &format!("/admin/ledger?number={OTHER_ID}")).await,
        [5]
    );
    assert_eq!(
        seqs(&app, &format!("/admin/ledger?number={SANDBOX_ID}")).await,
        [4, 3, 2, 1]
    );
    // The person by number, written any way that parses; on every number or one.
    assert_eq!(
        seqs(&app, "/admin/ledger?phone=%2B34+612+34+56+78").await,
        [5, 4, 2, 1]
    );
    assert_eq!(
        seqs(
            &app,
            &format!("/admin/ledger?phone=34612345678&number={SANDBOX_ID}")
        )
        .await,
        [4, 2, 1]
    );
    assert_eq!(
        seqs(&app, "/admin/ledger?phone=%2B34612345670").await,
        Vec::<i64>::new()
    );
    assert_eq!(seqs(&app, "/admin/ledger?category=offers").await, [4, 3, 1]);
    assert_eq!(seqs(&app, "/admin/ledger?action=withdrawn").await, [4]);
    assert_eq!(
        seqs(&app, "/admin/ledger?category=offers&action=granted").await,
        [3, 1]
    );
    assert_eq!(seqs(&app, "/admin/ledger?source=api").await, [4, 3, 2, 1]);
    assert_eq!(seqs(&app, "/admin/ledger?source=import").await, [5]);
    assert_eq!(
        seqs(&app, "/admin/ledger?source=web_form").await,
        Vec::<i64>::new()
    );
    let today = today();
    assert_eq!(
        seqs(&app, &format!("/admin/ledger?from={today}&to={today}")).await,
        [5, 4, 3, 2, 1]
    );
    assert_eq!(
        seqs(&app, "/admin/ledger?from=2000-01-01&to=2000-12-31").await,
        Vec::<i64>::new()
    );
    assert_eq!(
        seqs(&app, "/admin/ledger?from=2999-01-01").await,
        Vec::<i64>::new()
    );

    // Each row leads to the person's page.
    let page = html(&app, "/admin/ledger?action=withdrawn", 200).await;
    let contact: (String,) = sqlx::query_as("SELECT subject_id FROM ledger_events WHERE seq = 4")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"<a href="/admin/contacts/{}">{alice}</a>"#,
            contact.0
        )),
        "{page}"
    );
    // No full number anywhere on the page.
    assert!(
        !page.contains("612345678"),
        "{}",
        page.lines()
            .filter(|l| l.contains("612345678"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn an_erased_person_is_shown_as_erased_and_cannot_be_found_by_number() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    app.erase(ALICE).await;
    signed_in(&app, Role::Compliance).await;
    let all = shown(&app, "/admin/ledger").await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].1, "erased");
    assert_eq!(all[0].2, "every category");
    assert_eq!(all[0].3, "erased");
    assert_eq!(all[1].1, "erased");
    assert_eq!(
        seqs(&app, &format!("/admin/ledger?phone={}", "%2B34612345678")).await,
        Vec::<i64>::new()
    );
}

#[tokio::test]
async fn pages_do_not_shift_when_events_arrive_between_them() {
    let app = TestApp::spawn().await;
    for i in 0..60 {
        ok_consent(&app, &format!("+346123450{i:02}"), "offers", "grant").await;
    }
    signed_in(&app, Role::Compliance).await;
    let first = html(&app, "/admin/ledger?category=offers", 200).await;
    let first_seqs: Vec<i64> = rows(&first, "<caption>")
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(first_seqs, (11..=60).rev().collect::<Vec<_>>());
    let older = link(&first, "Older events").expect("a link to older events");
    assert!(
        older.contains("category=offers") && older.contains("before=11"),
        "{older}"
    );
    assert!(!older.contains("offset"), "{older}");

    // Two new events arrive while the person reads the first page.
    ok_consent(&app, "+34612345100", "offers", "grant").await;
    ok_consent(&app, "+34612345101", "offers", "grant").await;

    let second = html(&app, &older, 200).await;
    let second_seqs: Vec<i64> = rows(&second, "<caption>")
        .iter()
        .map(|r| r[0].parse().unwrap())
        .collect();
    assert_eq!(
        second_seqs,
        (1..=10).rev().collect::<Vec<_>>(),
        "the next page is where it was"
    );
    assert!(link(&second, "Older events").is_none(), "the last page");
    let newest = link(&second, "Newest").expect("back to the newest");
    assert_eq!(seqs(&app, &newest).await[..2], [62, 61]);
}

#[tokio::test]
async fn bad_filters_come_back_with_a_message_beside_each_and_nothing_searched() {
    let app = TestApp::spawn().await;
    ok_consent(&app, ALICE, "offers", "grant").await;
    signed_in(&app, Role::Compliance).await;
    let page = html(
        &app,
        "/admin/ledger?phone=call+me&category=nope&action=given&source=fax&from=2026-02-30&to=someday&number=1",
        400,
    )
    .await;
    for (field, message) in [
        ("phone", "This number contains letters"),
        ("category", "Choose one from the list."),
        ("action", "Choose one from the list."),
        ("source", "Choose one from the list."),
        ("from", "Enter a day as year-month-day"),
        ("to", "Enter a day as year-month-day"),
        ("number", "Choose a business number from the list."),
    ] {
        let beside = format!(r#"<p class="error" id="{field}-error">{message}"#);
        assert!(page.contains(&beside), "{field}: {message}\n{page}");
    }
    assert!(
        page.contains(r#"value="call me""#),
        "what was typed is kept"
    );
    assert!(page.contains("Nothing was searched"));
    assert!(!page.contains("<tbody>"), "no results");

    let page = html(&app, "/admin/ledger?from=2026-11-02&to=2026-11-01", 400).await;
    assert!(page.contains("This day is before the first day"));
    let page = html(&app, "/admin/ledger?before=x%27%20OR%201=1", 400).await;
    assert!(page.contains("The link to this page is damaged"));
    // SQL in a field is only a value that matches nothing.
    let page = html(
        &app,
        "/admin/ledger?phone=%27%3B+DROP+TABLE+ledger_events",
        400,
    )
    .await;
    assert!(page.contains("phone-error"));
    assert_eq!(app.count("ledger_events").await, 1);
}
