//! Import of existing consents: `/admin/import` takes a CSV file for one business
//! number, a worker records its rows in the background, and
//! `/admin/import/{id}` shows the progress, then the rejected rows and their
//! download. Helpers: uploads as a browser sends them (multipart, the CSRF
//! token first), and the events an import recorded, read back.

mod access;
mod big;
mod browser;
mod files;
mod recording;
mod restart;

pub use crate::helpers::ledger::verify;
use crate::helpers::*;
use assent::users::Role;
use reqwest::Response;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

pub const STAFF: &str = "cleo@acme.example";
pub const PASSWORD: &str = "a long enough password";
pub const HEADER: &str = "phone,category,granted_at,source,notice_version,evidence\n";

/// Assent with a signed-in member of staff in `role`.
pub async fn signed_in_as(role: Role) -> TestApp {
    let app = TestApp::spawn().await;
    sign_in_as(&app, role).await;
    app
}

pub async fn sign_in_as(app: &TestApp, role: Role) {
    app.add_staff(STAFF, role, PASSWORD).await;
    assert_eq!(app.sign_in(STAFF, PASSWORD).await.status(), 303);
}

/// The form a browser sends: the token first, the number, then the file.
pub fn form(token: Option<&str>, number: &str, file_name: &str, body: Vec<u8>) -> Form {
    let form = match token {
        Some(token) => Form::new().text("csrf_token", token.to_owned()),
        None => Form::new(),
    };
    form.text("number", number.to_owned()).part(
        "file",
        Part::bytes(body)
            .file_name(file_name.to_owned())
            .mime_str("text/csv")
            .unwrap(),
    )
}

/// POSTs a multipart form to `/admin/import` from this site.
pub async fn post(app: &TestApp, form: Form) -> Response {
    app.client
        .post(app.url("/admin/import"))
        .header("origin", &app.address)
        .header("sec-fetch-site", "same-origin")
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads `csv` for the sandbox number with the page's token.
pub async fn upload(app: &TestApp, csv: &str) -> Response {
    let token = app.form_token("/admin/import").await;
    post(
        app,
        form(
            Some(&token),
            SANDBOX_ID,
            "consents.csv",
            csv.as_bytes().to_vec(),
        ),
    )
    .await
}

/// Uploads `csv` and expects it taken: the import's id.
pub async fn uploaded(app: &TestApp, csv: &str) -> String {
    let r = upload(app, csv).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    import_id(&r)
}

pub fn import_id(r: &Response) -> String {
    location(r)
        .strip_prefix("/admin/import/")
        .unwrap_or_else(|| panic!("not an import: {}", location(r)))
        .to_owned()
}

pub async fn summary(app: &TestApp, id: &str) -> assent::import::Summary {
    assent::import::summary(app.raw_db(), id)
        .await
        .unwrap()
        .expect("the import exists")
}

/// Steps the worker (or waits for it) until the import is done.
pub async fn finish(app: &TestApp, id: &str) -> assent::import::Summary {
    app.wait_until("the import to finish", async || {
        summary(app, id).await.is_done()
    })
    .await;
    summary(app, id).await
}

/// The status page's HTML.
pub async fn status_page(app: &TestApp, id: &str) -> String {
    let r = app.page(&format!("/admin/import/{id}")).await;
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

/// A ledger event an import recorded, with its person and evidence.
#[derive(Debug)]
pub struct Imported {
    pub phone: String,
    pub category: String,
    pub source_ref: String,
    pub notice_version: Option<String>,
    pub notice_sha256: Option<String>,
    pub actor: String,
    pub evidence: Value,
}

/// wa_id, category, source_ref, notice version and SHA-256, actor, evidence.
type EventRow = (
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
);

/// Every event with source `import`, in ledger order.
pub async fn imported(app: &TestApp) -> Vec<Imported> {
    let rows: Vec<EventRow> = sqlx::query_as(
        "SELECT c.wa_id, e.category, e.source_ref, e.notice_version, e.notice_sha256, e.actor, ev.body \
         FROM ledger_events e JOIN contacts c ON c.id = e.subject_id \
         LEFT JOIN ledger_evidence ev ON ev.event_id = e.id WHERE e.source = 'import' ORDER BY e.seq",
    )
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    rows.into_iter()
        .map(
            |(wa_id, category, source_ref, notice_version, notice_sha256, actor, body)| Imported {
                phone: format!("+{wa_id}"),
                category,
                source_ref,
                notice_version,
                notice_sha256,
                actor,
                evidence: body
                    .map(|b| serde_json::from_str::<Value>(&b).unwrap()["evidence"].clone())
                    .unwrap_or_default(),
            },
        )
        .collect()
}

pub async fn count_imported(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ledger_events WHERE source = 'import'")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    n
}

/// The audit log's entries of `action`: (actor name, target, detail).
pub async fn audit_entries(app: &TestApp, action: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT actor_name, target, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

/// `n` rows of distinct, valid Spanish mobile numbers for `category`.
pub fn rows(n: usize, category: &str) -> String {
    let mut csv = String::from(HEADER);
    for i in 0..n {
        csv.push_str(&format!(
            "+3461{:07},{category},2024-03-01T09:30:00Z,paper form,v1,slip {i}\n",
            i
        ));
    }
    csv
}
