//! An entry point's page: its figures since it was made and per day for 30 days,
//! as SVG charts (solid and hatched bars, titled, described) with the table of
//! the same figures beside each, read from the daily counts kept as things
//! happen.

use super::*;
use crate::helpers::chat::{person, press, text};

fn today() -> String {
    let day = assent::consent::tally::day_of(assent::db::now_ms());
    let date = time::Date::from_julian_day(2_440_588 + day as i32).unwrap();
    date.to_string()
}

/// The `<tbody>` rows of the table with this id: (day, figures).
fn table(page: &str, id: &str) -> Vec<(String, Vec<String>)> {
    let start = page
        .find(&format!(r#"<table id="{id}">"#))
        .unwrap_or_else(|| panic!("no table {id}"));
    let body = &page[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let day = row
                .split(r#"<th scope="row">"#)
                .nth(1)
                .unwrap()
                .split("</th>")
                .next()
                .unwrap()
                .to_owned();
            let cells = row
                .split(r#"<td class="num">"#)
                .skip(1)
                .map(|c| c.split("</td>").next().unwrap().to_owned())
                .collect();
            (day, cells)
        })
        .collect()
}

/// The titles of the bars drawn in the chart whose id is `id`.
fn bars(page: &str, id: &str) -> Vec<String> {
    let start = page
        .find(&format!(r#"aria-labelledby="{id}-title {id}-desc""#))
        .unwrap_or_else(|| panic!("no chart {id}"));
    let svg = &page[start..start + page[start..].find("</svg>").unwrap()];
    svg.split("<rect ")
        .skip(1)
        .map(|r| {
            r.split("<title>")
                .nth(1)
                .unwrap()
                .split("</title>")
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

#[tokio::test]
async fn an_entry_point_nobody_used_has_its_charts_and_tables_of_zeros() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("QUIET-1", &["offers"], "en").await;
    let page = html(&app, "/admin/entry-points/QUIET-1").await;
    for id in ["visits", "answers", "conversion"] {
        assert!(bars(&page, id).is_empty(), "{id}: no bar");
        assert!(
            page.contains(&format!(r#"<title id="{id}-title">"#)),
            "{id}"
        );
        let rows = table(&page, &format!("{id}-table"));
        assert_eq!(rows.len(), 30, "{id}: a row per day");
        assert_eq!(rows[0].0, today(), "{id}: newest first");
        for (day, cells) in &rows {
            assert!(
                cells.iter().all(|c| c == "0" || c == "0%"),
                "{id} {day}: {cells:?}"
            );
        }
    }
    assert!(page.contains("0 visits (solid bars) and 0 chats started (hatched bars) in all"));
    // The axis is there, with round ticks.
    assert!(page.contains(r#"text-anchor="end">4</text>"#), "{page}");
    assert!(page.contains(r#"text-anchor="end">100%</text>"#));
}

#[tokio::test]
async fn a_busy_entry_points_charts_and_tables_show_what_happened_today() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("BUSY-1", &["offers"], "en").await;
    app.entry_point("OTHER-1", &["offers"], "en").await;
    // Five visits of the tracking link, one of the other entry point's.
    for _ in 0..5 {
        assert_eq!(app.page("/l/BUSY-1").await.status(), 302);
    }
    assert_eq!(app.page("/l/OTHER-1").await.status(), 302);
    // Four chats: two accept, one declines, one does not answer.
    let people: Vec<String> = (1..=4).map(person).collect();
    for p in &people {
        text(&app, p, "Hello! (BUSY-1)").await;
    }
    press(&app, &people[0], "assent_terms_accept").await;
    press(&app, &people[1], "assent_terms_accept").await;
    press(&app, &people[2], "assent_terms_decline").await;
    // Someone who came through the other entry point.
    text(&app, &person(9), "OTHER-1").await;

    let page = html(&app, "/admin/entry-points/BUSY-1").await;
    let day = today();
    assert_eq!(
        bars(&page, "visits"),
        [
            format!("{day}: 5 visits"),
            format!("{day}: 4 chats started")
        ]
    );
    assert_eq!(
        bars(&page, "answers"),
        [format!("{day}: 2 accepted"), format!("{day}: 1 declined")]
    );
    assert_eq!(
        bars(&page, "conversion"),
        [format!("{day}: 50% conversion")]
    );
    // The hatched bar is the second series, and the legend says which is which.
    assert!(page.contains(r#"class="out" fill="url(#visits-hatch)""#));
    assert!(page.contains("Visits (solid): 5") && page.contains("Chats started (hatched): 4"));
    assert!(page.contains("Accepted (solid): 2") && page.contains("Declined (hatched): 1"));

    let visits = table(&page, "visits-table");
    assert_eq!(visits[0], (day.clone(), vec!["5".into(), "4".into()]));
    assert!(visits[1..].iter().all(|(_, c)| c == &["0", "0"]));
    let answers = table(&page, "answers-table");
    assert_eq!(answers[0], (day.clone(), vec!["2".into(), "1".into()]));
    let conversion = table(&page, "conversion-table");
    assert_eq!(
        conversion[0],
        (day.clone(), vec!["4".into(), "2".into(), "50%".into()])
    );
    // The totals since it was made agree.
    for (label, n) in [
        ("Visits", "5"),
        ("Chats started", "4"),
        ("Accepted", "2"),
        ("Declined", "1"),
        ("Conversion", "50%"),
    ] {
        assert!(
            page.contains(&format!(
                r#"<span class="label">{label}</span><strong>{n}</strong>"#
            )),
            "{label}: {page}"
        );
    }
    // The daily counts are what the page read: one row today, per entry point.
    let rows: Vec<(String, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT code, visits, chats_started, accepted, declines FROM entry_point_days ORDER BY code",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [
            ("BUSY-1".into(), 5, 4, 2, 1),
            ("OTHER-1".into(), 1, 1, 0, 0)
        ]
    );
    // The list agrees with the page.
    let list = html(&app, "/admin/entry-points").await;
    assert!(
        list.contains(r#"<td class="num">5</td><td class="num">4</td><td class="num">2</td><td class="num">1</td><td class="num">50%</td>"#),
        "{list}"
    );
}
