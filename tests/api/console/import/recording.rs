//! A small file: its good rows become `granted` events with source `import`, the
//! file's SHA-256 as reference, the notice version given, the staff member as
//! actor and the file's words as evidence; a consent granted already records
//! nothing; every bad row is rejected with its line and reason, listed on the
//! page and downloadable; the audit log has the upload, the completion and the
//! download, without phone numbers.

use super::*;
use serde_json::json;

const CAROL: &str = "+34612345680";
const DAVE: &str = "+447911123456";
const ERIN: &str = "+34612345681";

/// Good rows (lines 2, 3, 5), a row granted already through the API (line 4,
/// BOB), the same consent twice in the file (line 6 repeats line 2), and a bad
/// row of each kind.
fn file() -> String {
    format!(
        "{HEADER}\
         {ALICE},offers,2024-03-01T10:30:00+01:00,\"paper form, shop 12\",2023-09,slip 4411\n\
         {ALICE},order_updates,2024-03-01T09:30:00Z,checkout box,checkout-v3,\n\
         {BOB},offers,2024-03-02T09:30:00Z,paper form,2023-09,slip 4412\n\
         {DAVE},product_news,2025-12-24T18:00:00Z,newsletter signup,nl-2,\"line one\nline two\"\n\
         {ALICE},offers,2024-03-03T09:30:00Z,paper form,2023-09,slip 4413\n\
         0612345678,offers,2024-03-01T09:30:00Z,paper form,2023-09,slip\n\
         {CAROL},coupons,2024-03-01T09:30:00Z,paper form,2023-09,slip\n\
         {CAROL},offers,01/03/2024,paper form,2023-09,slip\n\
         {CAROL},offers,2099-01-01T00:00:00Z,paper form,2023-09,slip\n\
         {ERIN},offers,2024-03-01T09:30:00Z,,2023-09,slip\n\
         {ERIN},offers,2024-03-01T09:30:00Z,paper form,,slip\n\
         {ERIN},offers\n\
         '=1+2,offers,2024-03-01T09:30:00Z,paper form,2023-09,=HYPERLINK(\"x\")\n"
    )
}

#[tokio::test]
async fn good_rows_are_recorded_once_with_the_files_hash_and_bad_rows_say_why() {
    let app = signed_in_as(Role::Compliance).await;
    let (status, body) = app.consent(BOB, "offers", "grant").await;
    assert_eq!(status, 201, "{body}");
    let csv = file();
    let id = uploaded(&app, &csv).await;

    // Uploaded, not yet recorded: the page follows it and refreshes itself.
    let html = status_page(&app, &id).await;
    assert!(
        html.contains(r#"<meta http-equiv="refresh" content="2">"#),
        "{html}"
    );
    assert!(
        html.contains(r#"<progress id="progress" max="13" value="0""#),
        "{html}"
    );
    assert!(html.contains("Waiting to start"));
    assert!(!html.contains("<script"), "no page script");
    assert_eq!(
        count_imported(&app).await,
        0,
        "the worker records, not the upload"
    );

    let done = finish(&app, &id).await;
    assert_eq!(
        (
            done.total_rows,
            done.done_rows,
            done.recorded,
            done.already_granted,
            done.rejected
        ),
        (13, 13, 3, 2, 8)
    );

    // The events: the three good rows that were new, as the file says them.
    let sha = sha256_hex(&csv);
    let events = imported(&app).await;
    let got: Vec<(&str, &str)> = events
        .iter()
        .map(|e| (e.phone.as_str(), e.category.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (ALICE, "offers"),
            (ALICE, "order_updates"),
            (DAVE, "product_news")
        ]
    );
    let (staff_id,): (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(STAFF)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    for e in &events {
        assert_eq!(e.source_ref, format!("import:{sha}"));
        assert_eq!(e.actor, format!("staff:{staff_id}"));
        assert_eq!(e.notice_sha256, None, "Assent never held that text");
    }
    assert_eq!(events[0].notice_version.as_deref(), Some("2023-09"));
    assert_eq!(
        events[0].evidence,
        json!({"collected_at": "2024-03-01T09:30:00Z",
               "collection_method": "paper form, shop 12", "detail": "slip 4411"})
    );
    assert_eq!(
        events[1].evidence,
        json!({"collected_at": "2024-03-01T09:30:00Z", "collection_method": "checkout box"}),
        "an empty evidence value keeps none"
    );
    assert_eq!(events[2].evidence["detail"], "line one\nline two");
    assert_eq!(events[2].notice_version.as_deref(), Some("nl-2"));

    // The API reads them back as any consent; BOB's history is as it was.
    let alice = app.consents(ALICE).await;
    assert_eq!(alice["categories"]["offers"]["state"], "granted");
    assert_eq!(alice["categories"]["order_updates"]["state"], "granted");
    assert_eq!(alice["events"][0]["source"], "import");
    let bob = app.consents(BOB).await;
    assert_eq!(
        bob["events"].as_array().unwrap().len(),
        1,
        "nothing added for BOB"
    );
    assert!(verify(&app).ok(), "the chain still verifies");

    // The page: the summary, and each rejected row with its line and reason.
    let html = status_page(&app, &id).await;
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "finished: no refresh"
    );
    assert!(html.contains(r#"<progress id="progress" max="13" value="13""#));
    assert!(
        html.contains("Finished: 3 recorded, 2 already granted, 8 rejected"),
        "{html}"
    );
    let expected = [
        (8, "phone: starts with 0"),
        (
            9,
            "category: &#34;coupons&#34; is not a category; known: offers, order_updates, product_news",
        ),
        (10, "granted_at: &#34;01/03/2024&#34; is not a time"),
        (11, "granted_at: 2099-01-01T00:00:00Z is in the future"),
        (12, "source: is empty"),
        (13, "notice_version: is empty"),
        (
            14,
            "the line has 2 values where the first line names 6 columns; granted_at: is empty",
        ),
        (15, "phone: contains characters other than digits"),
    ];
    for (line, reason) in expected {
        assert!(
            html.contains(&format!("<tr><td>{line}</td>")),
            "line {line} listed: {html}"
        );
        assert!(html.contains(reason), "{reason}: {html}");
    }
    assert!(html.contains(&format!("href=\"/admin/import/{id}/rejected.csv\"")));

    // The download: the same rows as typed (escaped where a spreadsheet would
    // run them), with their line and reason.
    let r = app.page(&format!("/admin/import/{id}/rejected.csv")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = r.headers()["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"import-{id}-rejected.csv\"")
    );
    let text = r.text().await.unwrap();
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a BOM for spreadsheets");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 8, "{text}");
    assert_eq!(
        lines[0],
        "phone,category,granted_at,source,notice_version,evidence,line,reason"
    );
    assert_eq!(
        lines[1],
        "0612345678,offers,2024-03-01T09:30:00Z,paper form,2023-09,slip,8,\"phone: starts with 0; write the country code instead of a 0 or 00 prefix, e.g. +34612345678\""
    );
    // A phone number is a plain number: no spreadsheet runs it, so it stays as typed.
    assert!(
        lines[2].starts_with(&format!("{CAROL},coupons,")),
        "{}",
        lines[2]
    );
    assert!(
        lines[8].starts_with(
            "'=1+2,offers,2024-03-01T09:30:00Z,paper form,2023-09,\"'=HYPERLINK(\"\"x\"\")\",15,"
        ),
        "{}",
        lines[8]
    );

    // The audit log: who uploaded which file, and what came of it.
    let uploads = audit_entries(&app, "import.uploaded").await;
    assert_eq!(
        uploads,
        [(
            STAFF.to_owned(),
            format!("import:{id}"),
            format!("13 rows for number {SANDBOX_ID}, file SHA-256 {sha}")
        )]
    );
    let completions = audit_entries(&app, "import.completed").await;
    assert_eq!(
        completions,
        [(
            STAFF.to_owned(),
            format!("import:{id}"),
            "13 rows: 3 recorded, 2 already granted, 8 rejected".to_owned()
        )]
    );
    let downloads = audit_entries(&app, "import.rejected_downloaded").await;
    assert_eq!(downloads.len(), 1);
    assert_eq!(downloads[0].2, "8 rejected rows");
    let everything: Vec<(String, String, String)> =
        sqlx::query_as("SELECT actor_name, target, detail FROM audit_log")
            .fetch_all(&app.raw_db().pool)
            .await
            .unwrap();
    for (_, target, detail) in everything {
        for phone in [ALICE, BOB, CAROL, DAVE, ERIN] {
            let digits = &phone[1..];
            assert!(
                !target.contains(digits) && !detail.contains(digits),
                "no phone number in the audit log: {target} {detail}"
            );
        }
    }
}

#[tokio::test]
async fn an_opt_out_after_the_consent_in_the_file_wins_and_an_erased_person_stays_out() {
    let app = signed_in_as(Role::Compliance).await;
    // BOB withdrew offers (now); the file says he granted it in 2024.
    app.consent(BOB, "offers", "grant").await;
    let (status, _) = app.consent(BOB, "offers", "withdraw").await;
    assert_eq!(status, 201);
    // CAROL withdrew order updates long ago; the file has her newer consent.
    app.consent(CAROL, "order_updates", "grant").await;
    app.consent(CAROL, "order_updates", "withdraw").await;
    // ERIN was erased: only a keyed hash of her number is left.
    suppress(&app, ERIN).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let csv = format!(
        "{HEADER}\
         {BOB},offers,2024-03-01T09:30:00Z,paper form,v1,slip\n\
         {CAROL},order_updates,{},paper form,v1,slip\n\
         {ERIN},offers,2024-03-01T09:30:00Z,paper form,v1,slip\n",
        time_now_rfc3339()
    );
    let id = uploaded(&app, &csv).await;
    let done = finish(&app, &id).await;
    assert_eq!((done.recorded, done.rejected), (1, 2));
    let html = status_page(&app, &id).await;
    assert!(
        html.contains("<td>the person withdrew this category on "),
        "{html}"
    );
    assert!(
        html.contains(
            "<td>the person&#39;s data was erased at their request; only they can opt in again</td>"
        ),
        "{html}"
    );
    assert_eq!(app.consents(ERIN).await["events"], json!([]));
    assert_eq!(
        app.consents(BOB).await["categories"]["offers"]["state"],
        "withdrawn"
    );
    assert_eq!(
        app.consents(CAROL).await["categories"]["order_updates"]["state"],
        "granted"
    );
}

async fn suppress(app: &TestApp, phone: &str) {
    use assent::consent::suppression;
    use assent::domain::{PhoneNumber, Recipient};
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let number = assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
        .await
        .unwrap()
        .unwrap();
    let who = Recipient::Phone(PhoneNumber::parse(phone).unwrap());
    let key = suppression::key(&app.services.secret, &who);
    suppression::add(&mut conn, &number.id, &key, "erased", None)
        .await
        .unwrap();
}

fn time_now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}
