//! `/admin/blocked`: every send the gate or the contact check refused, newest
//! first, 50 to a page: why, who asked (an API key by name, one of Assent's
//! flows, a staff member), the template, the recipient masked, and when; by
//! number, reason, recipient and days. `/admin/blocked/export` downloads the
//! same as CSV (recorded in the audit log).

use super::Staff;
use super::attachment::{attachment, filename};
use super::dates::moment;
use super::filters;
use super::text::{Blocked, ConsoleText};
use crate::audit::{self, Entry};
use crate::numbers::{self, BusinessNumber};
use crate::sending::blocked::report::{self, BlockedFilter, BlockedSend, REASONS};
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, render};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BlockedQuery {
    number: String,
    reason: String,
    phone: String,
    from: String,
    to: String,
    /// The last refused send of the previous page.
    before: String,
}

impl BlockedQuery {
    fn link(&self, path: &str, before: Option<&str>) -> String {
        let q = filters::query_string(&[
            ("number", &self.number),
            ("reason", &self.reason),
            ("phone", &self.phone),
            ("from", &self.from),
            ("to", &self.to),
            ("before", before.unwrap_or_default()),
        ]);
        if q.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{q}")
        }
    }

    fn parse(
        &self,
        numbers: &[BusinessNumber],
        t: &ConsoleText,
    ) -> Result<(BlockedFilter, Option<String>), FieldErrors> {
        let mut errors = FieldErrors::default();
        let f = &t.filters;
        let reasons = REASONS.map(|(r, _)| (r, r));
        let (since_ms, until_ms) = filters::days(&self.from, &self.to, f, &mut errors);
        let filter = BlockedFilter {
            phone_number_id: filters::number(&self.number, numbers, f, &mut errors),
            reason: filters::one_of("reason", &self.reason, &reasons, f, &mut errors),
            phone: filters::phone(&self.phone, f, &mut errors),
            since_ms,
            until_ms,
        };
        // Ids are UUIDs: anything else is a damaged link.
        let before = match self.before.as_str() {
            "" => None,
            raw if uuid::Uuid::parse_str(raw).is_ok() => Some(raw.to_owned()),
            _ => {
                errors.add("", t.blocked.damaged_link);
                None
            }
        };
        if errors.is_empty() {
            Ok((filter, before))
        } else {
            Err(errors)
        }
    }
}

pub struct Row {
    at: String,
    number: String,
    reason: String,
    words: String,
    code: i64,
    caller: String,
    attempted: String,
    recipient: String,
}

impl Row {
    fn of(b: BlockedSend, t: &Blocked) -> Self {
        Self {
            at: moment(b.created_at),
            number: b.display_number.unwrap_or_default(),
            words: report::describe_reason(&b.reason).to_owned(),
            reason: b.reason,
            code: b.code,
            caller: b.caller.describe(),
            attempted: b.attempted.describe(),
            recipient: b.recipient.unwrap_or_else(|| t.erased.into()),
        }
    }
}

#[derive(Template)]
#[template(path = "console/blocked.html")]
pub struct BlockedPage {
    page: Page,
    q: BlockedQuery,
    numbers: Vec<(String, String)>,
    reasons: [(&'static str, &'static str); 9],
    errors: FieldErrors,
    rows: Vec<Row>,
    older: Option<String>,
    newest: Option<String>,
    export: String,
}

pub async fn list(
    page: Page,
    query: web::Query<BlockedQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let q = query.into_inner();
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    let parsed = q.parse(&numbers, page.console);
    let status = match parsed {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    };
    let view = view(page, &services, numbers, q, parsed).await?;
    Ok(render(status, &view))
}

async fn view(
    page: Page,
    services: &Services,
    numbers: Vec<BusinessNumber>,
    q: BlockedQuery,
    parsed: Result<(BlockedFilter, Option<String>), FieldErrors>,
) -> Result<BlockedPage, PageError> {
    let (rows, errors, later, older) = match parsed {
        Ok((filter, before)) => {
            let mut found = report::page(
                &services.db,
                &services.secret,
                &filter,
                before.as_deref(),
                PER_PAGE + 1,
            )
            .await
            .map_err(|e| page.internal(e))?;
            let more = found.len() as i64 > PER_PAGE;
            found.truncate(PER_PAGE as usize);
            let older = found.last().filter(|_| more).map(|b| b.id.clone());
            (found, FieldErrors::default(), before.is_some(), older)
        }
        Err(errors) => (Vec::new(), errors, false, None),
    };
    Ok(BlockedPage {
        older: older.map(|id| q.link("/admin/blocked", Some(&id))),
        newest: later.then(|| q.link("/admin/blocked", None)),
        export: q.link("/admin/blocked/export", None),
        rows: rows
            .into_iter()
            .map(|b| Row::of(b, &page.console.blocked))
            .collect(),
        numbers: numbers
            .into_iter()
            .map(|n| {
                let label = format!("{} ({})", n.name(), n.display_number);
                (n.phone_number_id, label)
            })
            .collect(),
        reasons: REASONS,
        errors,
        page,
        q,
    })
}

pub async fn download(
    page: Page,
    staff: Staff,
    query: web::Query<BlockedQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let q = query.into_inner();
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    let filter = match q.parse(&numbers, page.console) {
        Ok((filter, _)) => filter,
        Err(errors) => {
            let view = view(page, &services, numbers, q, Err(errors)).await?;
            return Ok(render(StatusCode::BAD_REQUEST, &view));
        }
    };
    let detail = format!("csv: {}", filter.describe());
    audit::record_alone(
        &services.db,
        &staff.doer(),
        Entry {
            action: "blocked_sends.exported",
            target: "blocked_sends",
            detail: &detail,
        },
    )
    .await
    .map_err(|e| page.internal(e))?;
    let chunks = report::csv(services.db.clone(), services.secret.clone(), filter);
    Ok(attachment(
        chunks,
        &filename("blocked-sends", "csv"),
        "text/csv; charset=utf-8",
    ))
}
