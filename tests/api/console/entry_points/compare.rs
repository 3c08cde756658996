//! The comparison on `/admin/entry-points`: every entry point and every form,
//! highest conversion first, with the figures the conversion comes from.

use super::*;
use crate::helpers::chat::{person, press, text};

/// The rows of the comparison table: (name, kind, reached, started, opted in,
/// conversion).
fn compared(page: &str) -> Vec<Vec<String>> {
    let start = page
        .find(r#"class="compare""#)
        .expect("the comparison table");
    let body = &page[start..];
    let body = &body[body.find("<tbody>").unwrap()..body.find("</tbody>").unwrap()];
    body.split("<tr>")
        .skip(1)
        .map(|row| {
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(open) = rest.find("<t") {
                let from = open + rest[open..].find('>').unwrap() + 1;
                let to = from + rest[from..].find("</t").unwrap();
                let cell = &rest[from..to];
                // The text alone, without a link around it.
                let cell = match cell.find('>') {
                    Some(i) if cell.starts_with("<a ") => &cell[i + 1..cell.len() - "</a>".len()],
                    _ => cell,
                };
                cells.push(cell.to_owned());
                rest = &rest[to + 4..];
            }
            cells
        })
        .collect()
}

#[tokio::test]
async fn entry_points_and_forms_are_compared_by_conversion() {
    let app = TestApp::spawn().await;
    marketer(&app).await;
    app.entry_point("HALF-1", &["offers"], "en").await;
    app.entry_point("ALL-1", &["offers"], "en").await;
    app.with_form(form_body("newsletter")).await;
    // HALF-1: two chats, one accepted. ALL-1: one chat, accepted, after a visit.
    text(&app, &person(1), "HALF-1").await;
    text(&app, &person(2), "HALF-1").await;
    press(&app, &person(1), "assent_terms_accept").await;
    assert_eq!(app.page("/l/ALL-1").await.status(), 302);
    text(&app, &person(3), "ALL-1").await;
    press(&app, &person(3), "assent_terms_accept").await;
    // The form: four views, one submission, not confirmed (double opt-in).
    for _ in 0..4 {
        assert_eq!(app.page("/f/newsletter").await.status(), 200);
    }
    let r = app
        .submit_form("newsletter", "ES", "612345670", &["offers"])
        .await;
    assert!(
        r.status().is_success() || r.status() == 303,
        "{}",
        r.status()
    );

    let page = html(&app, "/admin/entry-points").await;
    let rows = compared(&page);
    let row = |cells: &[&str]| cells.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        rows,
        [
            row(&[
                "Campaign ALL-1 (ALL-1)",
                "Entry point",
                "1",
                "1",
                "1",
                "100%"
            ]),
            row(&[
                "Campaign HALF-1 (HALF-1)",
                "Entry point",
                "0",
                "2",
                "1",
                "50%"
            ]),
            // The form's view of /f/ when submitting counts too: five views.
            row(&[
                "News from Acme on WhatsApp (newsletter)",
                "Form",
                "5",
                "1",
                "0",
                "0%"
            ]),
        ],
        "{page}"
    );
    assert!(page.contains(r#"<a href="/admin/entry-points/ALL-1">Campaign ALL-1 (ALL-1)</a>"#));
    // The chart draws the same, in the same order: entry points solid, the form
    // hatched, each bar as long as its conversion (560 for 100%).
    let chart = &page[page
        .find(r#"aria-labelledby="compare-title compare-desc""#)
        .unwrap()..];
    let chart = &chart[..chart.find("</svg>").unwrap()];
    let bars: Vec<(&str, &str, &str)> = chart
        .split("<rect ")
        .skip(1)
        .map(|r| {
            let attr = |name: &str| {
                let at = r.find(&format!(r#"{name}=""#)).unwrap() + name.len() + 2;
                &r[at..at + r[at..].find('"').unwrap()]
            };
            let title = &r[r.find("<title>").unwrap() + 7..r.find("</title>").unwrap()];
            (attr("class"), attr("width"), title)
        })
        .collect();
    assert_eq!(
        bars,
        [
            ("in", "560", "Campaign ALL-1 (ALL-1): 100%"),
            ("in", "280", "Campaign HALF-1 (HALF-1): 50%"),
            ("out", "0", "News from Acme on WhatsApp (newsletter): 0%"),
        ],
        "{chart}"
    );
}
