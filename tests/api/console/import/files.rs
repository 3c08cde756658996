//! Files refused whole: the form comes back (422, or 413 for one too large) with
//! the reason beside the field, and nothing is stored or recorded, even when the
//! problem shows only after thousands of rows were read.

use super::*;

/// Posts `body` as the file and expects the form back with `status`.
async fn refused(app: &TestApp, number: &str, name: &str, body: Vec<u8>, status: u16) -> String {
    let token = app.form_token("/admin/import").await;
    let r = post(app, form(Some(&token), number, name, body)).await;
    assert_eq!(r.status(), status);
    let html = r.text().await.unwrap();
    assert!(html.contains("Nothing was imported. Please correct what is marked below."));
    html
}

async fn nothing_stored(app: &TestApp) {
    while app.step().await {}
    assert_eq!(app.count("imports").await, 0);
    assert_eq!(app.count("import_rows").await, 0);
    assert_eq!(count_imported(app).await, 0);
    assert!(audit_entries(app, "import.uploaded").await.is_empty());
}

#[tokio::test]
async fn a_file_that_is_not_an_import_is_refused_with_the_reason_beside_it() {
    let app = signed_in_as(Role::Compliance).await;
    let cases: [(&[u8], &str); 5] = [
        (
            b"",
            "The file is empty. Its first line must name the columns",
        ),
        (
            b"phone,category,granted_at\n+34612345678,offers,2024-03-01T09:30:00Z\n",
            "The first line must name the columns; source, notice_version are missing.",
        ),
        (
            b"phone,category,granted_at,source,notice_version,phone\n",
            "The first line names the column &#34;phone&#34; twice.",
        ),
        (
            HEADER.as_bytes(),
            "The file has no rows below its first line.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
            "The first line must name the columns; phone, category, granted_at, source, notice_version are missing.",
        ),
    ];
    for (body, message) in cases {
        let html = refused(&app, SANDBOX_ID, "c.csv", body.to_vec(), 422).await;
        assert!(
            html.contains(&format!(r#"<p class="error" id="file-error">{message}"#)),
            "{message}: {html}"
        );
        assert!(html.contains(r#"aria-invalid="true""#));
        assert!(
            html.contains(&format!(r#"<option value="{SANDBOX_ID}" selected>"#)),
            "the number chosen is kept"
        );
    }
    nothing_stored(&app).await;
}

#[tokio::test]
async fn the_number_and_the_file_must_be_chosen() {
    let app = signed_in_as(Role::Compliance).await;
    let csv = rows(1, "offers").into_bytes();
    for number in ["", "999999"] {
        let html = refused(&app, number, "c.csv", csv.clone(), 422).await;
        assert!(
            html.contains(r#"<p class="error" id="number-error">Choose the business number whose customers gave these consents.</p>"#),
            "{number:?}: {html}"
        );
    }
    // A browser sends an empty part without a name when no file was chosen.
    let html = refused(&app, SANDBOX_ID, "", Vec::new(), 422).await;
    assert!(html.contains(r#"<p class="error" id="file-error">Choose a CSV file.</p>"#));
    nothing_stored(&app).await;
}

#[tokio::test]
async fn a_problem_found_after_many_rows_leaves_nothing_behind() {
    let app = signed_in_as(Role::Compliance).await;
    let mut csv = rows(3000, "offers");
    csv.push_str(&"x".repeat(70 * 1024));
    csv.push('\n');
    let html = refused(&app, SANDBOX_ID, "c.csv", csv.into_bytes(), 422).await;
    assert!(
        html.contains("Line 3002 is longer than 64 KiB. Is this a CSV file?"),
        "{html}"
    );
    nothing_stored(&app).await;
}

#[tokio::test]
async fn a_file_over_50_mib_is_refused_and_nothing_is_stored() {
    let app = signed_in_as(Role::Compliance).await;
    let mut csv = rows(1, "offers").into_bytes();
    csv.resize(50 * 1024 * 1024 + 1, b'\n');
    let html = refused(&app, SANDBOX_ID, "big.csv", csv, 413).await;
    assert!(html.contains(
        "The file is larger than 50 MiB. Split it into smaller files and import each one."
    ));
    nothing_stored(&app).await;
}

#[tokio::test]
async fn an_upload_left_unfinished_by_a_dead_process_is_swept() {
    let app = signed_in_as(Role::Compliance).await;
    // What a process that died mid-upload leaves: rows of an import never queued.
    let id = uploaded(&app, &rows(2, "offers")).await;
    exec(
        &app,
        &format!("UPDATE imports SET state = 'uploading', updated_at = 0 WHERE id = '{id}'"),
    )
    .await;
    assert_eq!(app.page(&format!("/admin/import/{id}")).await.status(), 404);
    assert!(!app.step().await, "the worker leaves it alone");
    assent::import::worker::discard_abandoned(&app.services)
        .await
        .unwrap();
    assert_eq!(app.count("imports").await, 0);
    assert_eq!(app.count("import_rows").await, 0);
}
