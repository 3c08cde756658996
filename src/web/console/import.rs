//! `/admin/import`: compliance staff upload a CSV file of consents collected
//! before Assent, for one business number; `/admin/import/{id}` follows it
//! while the worker records it (the page refreshes itself, no script) and then
//! lists the rejected rows, which `/admin/import/{id}/rejected.csv` downloads.

use super::Staff;
use super::dates::when;
use super::text;
use crate::audit::{self, Entry};
use crate::import::{self, COLUMNS, Summary, UploadError};
use crate::numbers::{self, BusinessNumber};
use crate::services::Services;
use crate::web::csrf::Upload;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use futures_util::{StreamExt, TryStreamExt};

/// Rejected rows shown on the page; the download has them all.
const REJECTED_SHOWN: i64 = 100;
/// What a multipart form adds to its file: boundaries, the other fields.
const FORM_OVERHEAD: u64 = 64 * 1024;

pub struct NumberChoice {
    value: String,
    label: String,
    chosen: bool,
}

pub struct ImportRow {
    href: String,
    at: String,
    file_name: String,
    number: String,
    rows: String,
    status: String,
}

#[derive(Template)]
#[template(path = "console/import.html")]
pub struct ImportPage {
    page: Page,
    numbers: Vec<NumberChoice>,
    errors: FieldErrors,
    imports: Vec<ImportRow>,
    max_mib: u64,
}

fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

fn status_of(s: &Summary, t: &text::Import) -> String {
    match s.state.as_str() {
        "done" => (t.finished)(
            &grouped(s.recorded),
            &grouped(s.already_granted),
            &grouped(s.rejected),
        ),
        _ if s.done_rows == 0 => t.waiting.to_owned(),
        _ => (t.importing)(&grouped(s.done_rows), &grouped(s.total_rows)),
    }
}

fn number_label(n: &BusinessNumber) -> String {
    match &n.business_name {
        Some(name) => format!("{name} ({})", n.display_number),
        None => n.display_number.clone(),
    }
}

async fn form_page(
    page: Page,
    services: &Services,
    chosen: Option<&str>,
    errors: FieldErrors,
) -> Result<ImportPage, PageError> {
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    let only_one = numbers.len() == 1;
    let choices = numbers
        .iter()
        .map(|n| NumberChoice {
            value: n.phone_number_id.clone(),
            label: number_label(n),
            chosen: only_one || chosen == Some(n.phone_number_id.as_str()),
        })
        .collect();
    let imports = import::recent(&services.db, 20)
        .await
        .map_err(|e| page.internal(e))?
        .iter()
        .map(|s| ImportRow {
            href: format!("/admin/import/{}", s.id),
            at: when(s.created_at),
            file_name: s.file_name.clone(),
            number: s.display_number.clone(),
            rows: grouped(s.total_rows),
            status: status_of(s, &page.console.import),
        })
        .collect();
    Ok(ImportPage {
        page,
        numbers: choices,
        errors,
        imports,
        max_mib: import::MAX_BYTES / (1024 * 1024),
    })
}

pub async fn show(page: Page, services: web::Data<Services>) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = form_page(page, &services, None, FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

/// Reads a short text field of the form.
async fn text_field(field: &mut actix_multipart::Field) -> Option<String> {
    match field.bytes(1024).await {
        Ok(Ok(bytes)) => String::from_utf8(bytes.to_vec()).ok(),
        _ => None,
    }
}

/// Reads a field to its end (a field read to its end must not be read again).
async fn skip(field: &mut actix_multipart::Field) {
    while let Some(Ok(_)) = field.next().await {}
}

/// The form is the token (checked before this runs), the number, then the
/// file: the number is known before the file streams in.
pub async fn upload(
    page: Page,
    staff: Staff,
    req: HttpRequest,
    Upload(mut form): Upload,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let mut errors = FieldErrors::default();
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > import::MAX_BYTES + FORM_OVERHEAD) {
        errors.add("file", UploadError::TooLarge.to_string());
        let view = form_page(page, &services, None, errors).await?;
        return Ok(render(StatusCode::PAYLOAD_TOO_LARGE, &view));
    }
    let mut chosen: Option<String> = None;
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut received = None;
    while let Some(field) = form.next().await {
        let Ok(mut field) = field else {
            errors.add("file", page.console.import.stopped);
            break;
        };
        match field.name() {
            Some("number") => chosen = text_field(&mut field).await,
            Some("file") => {
                let file_name = field
                    .content_disposition()
                    .and_then(|d| d.get_filename())
                    .unwrap_or_default()
                    .to_owned();
                let numbers = numbers::list(&services.db)
                    .await
                    .map_err(|e| page.internal(e))?;
                let number = numbers
                    .into_iter()
                    .find(|n| chosen.as_deref() == Some(n.phone_number_id.as_str()));
                match number {
                    None => {
                        skip(&mut field).await;
                        errors.add("number", page.console.import.choose_number);
                    }
                    Some(_) if file_name.is_empty() => {
                        skip(&mut field).await;
                        errors.add("file", page.console.import.choose_file);
                    }
                    Some(number) => {
                        let outcome = import::receive(
                            &services.db,
                            &staff.doer(),
                            &number,
                            &file_name,
                            &mut field,
                        )
                        .await;
                        match outcome {
                            Ok(id) => received = Some(id),
                            Err(UploadError::Internal(e)) => return Err(page.internal(e)),
                            Err(e) => {
                                if matches!(e, UploadError::TooLarge) {
                                    status = StatusCode::PAYLOAD_TOO_LARGE;
                                }
                                errors.add("file", e.to_string());
                            }
                        }
                    }
                }
            }
            _ => skip(&mut field).await,
        }
        if !errors.is_empty() {
            break;
        }
    }
    match received {
        Some(id) if errors.is_empty() => Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, format!("/admin/import/{id}")))
            .finish()),
        _ => {
            if errors.is_empty() {
                errors.add("file", page.console.import.choose_file);
            }
            let view = form_page(page, &services, chosen.as_deref(), errors).await?;
            Ok(render(status, &view))
        }
    }
}

pub struct RejectedRow {
    line: i64,
    phone: String,
    category: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "console/import_status.html")]
pub struct StatusPage {
    page: Page,
    id: String,
    file_name: String,
    number: String,
    uploaded: String,
    who: String,
    sha256: String,
    ignored_columns: String,
    running: bool,
    status: String,
    total: i64,
    done: i64,
    total_text: String,
    done_text: String,
    recorded: String,
    already_granted: String,
    rejected_count: i64,
    rejected_text: String,
    rejected: Vec<RejectedRow>,
    finished: String,
    last_error: bool,
}

async fn found(page: &Page, services: &Services, id: &str) -> Result<Summary, PageError> {
    import::summary(&services.db, id)
        .await
        .map_err(|e| page.internal(e))?
        .filter(|s| s.state != "uploading")
        .ok_or_else(|| page.error(Problem::NotFound))
}

pub async fn status(
    page: Page,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let s = found(&page, &services, &id).await?;
    let rejected = if s.is_done() {
        import::rejected(&services.db, &s.id, 0, REJECTED_SHOWN)
            .await
            .map_err(|e| page.internal(e))?
    } else {
        Vec::new()
    };
    let value = |r: &import::Rejected, column: &str| {
        COLUMNS
            .iter()
            .position(|c| *c == column)
            .and_then(|i| r.values[i].clone())
            .unwrap_or_default()
    };
    let view = StatusPage {
        id: s.id.clone(),
        file_name: s.file_name.clone(),
        number: s.display_number.clone(),
        uploaded: when(s.created_at),
        who: s.actor_name.clone(),
        sha256: s.file_sha256.clone().unwrap_or_default(),
        ignored_columns: s.ignored_columns.clone(),
        running: !s.is_done(),
        status: status_of(&s, &page.console.import),
        total: s.total_rows,
        done: s.done_rows,
        total_text: grouped(s.total_rows),
        done_text: grouped(s.done_rows),
        recorded: grouped(s.recorded),
        already_granted: grouped(s.already_granted),
        rejected_count: s.rejected,
        rejected_text: grouped(s.rejected),
        rejected: rejected
            .iter()
            .map(|r| RejectedRow {
                line: r.line,
                phone: value(r, "phone"),
                category: value(r, "category"),
                reason: r.reason.clone(),
            })
            .collect(),
        finished: s.finished_at.map(when).unwrap_or_default(),
        last_error: s.last_error.is_some(),
        page,
    };
    Ok(render(StatusCode::OK, &view))
}

/// The rejected rows as CSV, streamed: the file's columns as typed, then the
/// line and the reason, which a new import reads past.
pub async fn rejected_csv(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let s = found(&page, &services, &id).await?;
    if !s.is_done() {
        return Err(page.error(Problem::NotFound));
    }
    audit::record_alone(
        &services.db,
        &staff.doer(),
        Entry {
            action: "import.rejected_downloaded",
            target: &format!("import:{}", s.id),
            detail: &format!("{} rejected rows", s.rejected),
        },
    )
    .await
    .map_err(|e| page.internal(e))?;
    let body = import::rejected_csv(services.db.clone(), s.id.clone()).map_ok(web::Bytes::from);
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"import-{}-rejected.csv\"", s.id),
        ))
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(100_000), "100,000");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
    }
}
