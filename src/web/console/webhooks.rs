//! `/admin/webhooks`: each number's forwarding to the business's own systems.
//! An admin sets the URL and extra headers (checked by the same rules as `POST
//! /v1/configs/webhook`, internal targets included), rotates the signing secret
//! (the new one shown once, on the answer; never again), reads the forwards still
//! owed and the recent delivery attempts, and retries one now. Audited.

use super::Staff;
use super::dates::moment;
use crate::forwarding::{self, config, target};
use crate::numbers::{self, BusinessNumber};
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, render};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::BTreeMap;

/// How many forwards and attempts the page lists.
const LISTED: i64 = 20;

fn label(n: &BusinessNumber) -> String {
    format!("{} ({})", n.display_number, n.phone_number_id)
}

pub struct NumberRow {
    id: String,
    label: String,
    url: Option<String>,
}

#[derive(Template)]
#[template(path = "console/webhooks.html")]
pub struct ListPage {
    page: Page,
    numbers: Vec<NumberRow>,
}

pub async fn list(
    page: Page,
    _staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let mut rows = Vec::new();
    for n in numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
    {
        let url = config::of_number(&services.db, &n.id)
            .await
            .map_err(|e| page.internal(e))?
            .map(|c| c.url);
        rows.push(NumberRow {
            label: label(&n),
            id: n.id,
            url,
        });
    }
    Ok(render(
        StatusCode::OK,
        &ListPage {
            page,
            numbers: rows,
        },
    ))
}

pub struct OwedRow {
    id: String,
    kind: String,
    failed: bool,
    attempts: i64,
    created: String,
    next: String,
    last_error: String,
}

pub struct AttemptRow {
    at: String,
    kind: String,
    delivered: bool,
    outcome: String,
}

#[derive(Template)]
#[template(path = "console/webhook.html")]
pub struct NumberPage {
    page: Page,
    id: String,
    label: String,
    configured: bool,
    url: String,
    headers: String,
    errors: FieldErrors,
    owed: Vec<OwedRow>,
    attempts: Vec<AttemptRow>,
}

#[derive(Template)]
#[template(path = "console/webhook_secret.html")]
pub struct SecretPage {
    page: Page,
    id: String,
    label: String,
    first: bool,
    secret: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Settings {
    url: String,
    headers: String,
}

/// Headers as the form shows them: one `Name: value` a line.
fn headers_text(headers: &BTreeMap<String, String>) -> String {
    headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The form's headers, or the number of the first line that is not `Name: value`.
fn parse_headers(text: &str) -> Result<BTreeMap<String, String>, usize> {
    let mut headers = BTreeMap::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let (name, value) = line.split_once(':').ok_or(n + 1)?;
        if name.trim().is_empty() {
            return Err(n + 1);
        }
        headers.insert(name.trim().to_owned(), value.trim().to_owned());
    }
    Ok(headers)
}

async fn view(
    page: Page,
    services: &Services,
    n: &BusinessNumber,
    typed: Option<Settings>,
    errors: FieldErrors,
) -> Result<NumberPage, PageError> {
    let saved = config::of_number(&services.db, &n.id)
        .await
        .map_err(|e| page.internal(e))?;
    let owed = forwarding::queued(&services.db, &n.id, LISTED)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|q| OwedRow {
            failed: q.state == "failed",
            id: q.id,
            kind: q.kind,
            attempts: q.attempts,
            created: moment(q.created_at),
            next: if q.state == "failed" {
                String::new()
            } else {
                moment(q.next_attempt_at)
            },
            last_error: q.last_error.unwrap_or_default(),
        })
        .collect();
    let attempts = forwarding::attempts(&services.db, &n.id, LISTED)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|a| AttemptRow {
            at: moment(a.at),
            kind: a.kind,
            delivered: *a.delivered,
            outcome: a.outcome,
        })
        .collect();
    let (url, headers) = match (typed, &saved) {
        (Some(typed), _) => (typed.url, typed.headers),
        (None, Some(c)) => (c.url.clone(), headers_text(&c.headers)),
        (None, None) => (String::new(), String::new()),
    };
    Ok(NumberPage {
        id: n.id.clone(),
        label: label(n),
        configured: saved.is_some(),
        url,
        headers,
        errors,
        owed,
        attempts,
        page,
    })
}

pub async fn show(
    page: Page,
    _staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let n = super::number(&page, &services, &id).await?;
    let view = view(page, &services, &n, None, FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

/// Answers with the secret: the one page that shows it, kept out of every cache.
fn secret_page(page: Page, n: &BusinessNumber, first: bool, secret: String) -> HttpResponse {
    let mut response = render(
        StatusCode::OK,
        &SecretPage {
            page,
            id: n.id.clone(),
            label: label(n),
            first,
            secret,
        },
    );
    response
        .headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub async fn save(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    form: web::Form<Settings>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let n = super::number(&page, &services, &id).await?;
    let typed = form.into_inner();
    let t = &page.console.webhooks;
    let mut errors = FieldErrors::default();
    let url = typed.url.trim().to_owned();
    match parse_headers(&typed.headers) {
        Err(line) => errors.add("headers", (t.headers_problem)(&(t.header_line)(line))),
        Ok(headers) => match config::validate(&url, &headers) {
            Err(("url", problem)) => errors.add("url", (t.url_problem)(&problem)),
            Err((_, problem)) => errors.add("headers", (t.headers_problem)(&problem)),
            Ok(parsed) => {
                let refused = if services.forward.to_internal {
                    None
                } else {
                    target::check(&parsed).await.err()
                };
                if let Some(problem) = refused {
                    errors.add(
                        "url",
                        (t.url_problem)(&format!("{problem}; {}", target::API_HINT)),
                    );
                } else {
                    let (saved, first) =
                        config::save(&services.db, &staff.doer(), &n.id, &url, &headers)
                            .await
                            .map_err(|e| page.internal(e))?;
                    if first {
                        return Ok(secret_page(page, &n, true, saved.secret));
                    }
                    page.session().set_flash(t.saved);
                    return Ok(HttpResponse::SeeOther()
                        .insert_header((LOCATION, format!("/admin/webhooks/{}", n.id)))
                        .finish());
                }
            }
        },
    }
    let view = view(page, &services, &n, Some(typed), errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

pub async fn rotate(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let n = super::number(&page, &services, &id).await?;
    match config::rotate_secret(&services.db, &staff.doer(), &n.id)
        .await
        .map_err(|e| page.internal(e))?
    {
        Some(secret) => Ok(secret_page(page, &n, false, secret)),
        None => {
            page.session().set_flash(page.console.webhooks.no_webhook);
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, format!("/admin/webhooks/{}", n.id)))
                .finish())
        }
    }
}

pub async fn retry(
    page: Page,
    staff: Staff,
    path: web::Path<(String, String)>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (id, forward) = path.into_inner();
    let n = super::number(&page, &services, &id).await?;
    let t = &page.console.webhooks;
    let due = forwarding::retry_now(&services.db, &staff.doer(), &n.id, &forward)
        .await
        .map_err(|e| page.internal(e))?;
    if due {
        services.forward_wake.notify_one();
    }
    page.session()
        .set_flash(if due { t.retrying } else { t.not_retried });
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, format!("/admin/webhooks/{}", n.id)))
        .finish())
}
