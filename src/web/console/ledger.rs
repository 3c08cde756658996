//! `/admin/ledger`: search the consent ledger by business number, phone (exact),
//! category, action, source and days, newest first, 50 to a page (keyset: a
//! page never shifts as events arrive); each row links to the person. And
//! `/admin/ledger/export?format=csv|json` with the same filters, streamed and
//! recorded in the audit log.

use super::Staff;
use super::attachment::{attachment, filename};
use super::dates::moment;
use super::filters;
use super::text::{ConsoleText, Ledger};
use crate::audit::{self, Entry};
use crate::consent::export::{self, ExportFormat};
use crate::consent::search::{self, FoundEvent, LedgerFilter};
use crate::consent::{ConsentAction, Source};
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, render};
use crate::{categories, numbers};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const PER_PAGE: i64 = 50;

/// The search as typed: every field text, kept to show it again.
#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct LedgerQuery {
    number: String,
    phone: String,
    category: String,
    action: String,
    source: String,
    from: String,
    to: String,
    /// The last event of the previous page.
    before: String,
    /// Exports only: `csv` or `json`.
    format: String,
}

impl LedgerQuery {
    /// The filters as a query string (no paging, no format).
    fn filters(&self) -> String {
        filters::query_string(&[
            ("number", &self.number),
            ("phone", &self.phone),
            ("category", &self.category),
            ("action", &self.action),
            ("source", &self.source),
            ("from", &self.from),
            ("to", &self.to),
        ])
    }

    fn link(&self, path: &str, extra: &[(&str, &str)]) -> String {
        let more = filters::query_string(extra);
        match (self.filters(), more) {
            (f, m) if f.is_empty() && m.is_empty() => path.to_owned(),
            (f, m) if f.is_empty() => format!("{path}?{m}"),
            (f, m) if m.is_empty() => format!("{path}?{f}"),
            (f, m) => format!("{path}?{f}&{m}"),
        }
    }
}

pub struct EventRow {
    seq: i64,
    at: String,
    number: String,
    person: String,
    contact_href: String,
    category: String,
    action: String,
    source: String,
    source_ref: String,
    notice: String,
    actor: String,
}

impl EventRow {
    fn of(e: FoundEvent, t: &Ledger) -> Self {
        Self {
            seq: e.seq,
            at: moment(e.created_at),
            number: e.display_number.unwrap_or_default(),
            person: e.person.unwrap_or_else(|| t.erased.into()),
            contact_href: format!("/admin/contacts/{}", e.subject_id),
            category: if e.category == "*" {
                t.all_categories.into()
            } else {
                e.category
            },
            action: e.action,
            source: e.source,
            source_ref: e.source_ref.unwrap_or_default(),
            notice: e.notice_version.unwrap_or_default(),
            actor: e.actor.map(|a| a.describe()).unwrap_or_default(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/ledger.html")]
pub struct LedgerPage {
    page: Page,
    q: LedgerQuery,
    numbers: Vec<(String, String)>,
    categories: Vec<(String, String)>,
    actions: Vec<&'static str>,
    sources: Vec<&'static str>,
    errors: FieldErrors,
    rows: Vec<EventRow>,
    /// The next (older) page, when there is one.
    older: Option<String>,
    /// The first page of the same search, when this is a later one.
    newest: Option<String>,
    export_csv: String,
    export_json: String,
    caption: String,
}

/// What the filters choose from: the numbers and the categories.
struct Choices {
    numbers: Vec<numbers::BusinessNumber>,
    categories: Vec<categories::Category>,
}

impl Choices {
    async fn read(page: &Page, services: &Services) -> Result<Self, PageError> {
        Ok(Self {
            numbers: numbers::list(&services.db)
                .await
                .map_err(|e| page.internal(e))?,
            categories: categories::list(&services.db)
                .await
                .map_err(|e| page.internal(e))?,
        })
    }
}

type Search = Result<(LedgerFilter, Option<i64>), FieldErrors>;

/// The query's filters and page, or what is wrong with each field.
fn parse(q: &LedgerQuery, choices: &Choices, t: &ConsoleText) -> Search {
    let f = &t.filters;
    let mut errors = FieldErrors::default();
    let category = match q.category.as_str() {
        "" => None,
        raw => {
            let found = choices.categories.iter().find(|c| c.name.as_str() == raw);
            if found.is_none() {
                errors.add("category", f.choose_one);
            }
            found.map(|c| c.name.clone())
        }
    };
    let actions = ConsentAction::ALL.map(|a| (a.as_str(), a));
    let sources = Source::ALL.map(|s| (s.as_str(), s));
    let (since_ms, until_ms) = filters::days(&q.from, &q.to, f, &mut errors);
    let filter = LedgerFilter {
        phone_number_id: filters::number(&q.number, &choices.numbers, f, &mut errors),
        phone: filters::phone(&q.phone, f, &mut errors),
        category,
        action: filters::one_of("action", &q.action, &actions, f, &mut errors),
        source: filters::one_of("source", &q.source, &sources, f, &mut errors),
        since_ms,
        until_ms,
    };
    let before = match q.before.as_str() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(seq) if seq > 0 => Some(seq),
            _ => {
                errors.add("", t.ledger.damaged_link);
                None
            }
        },
    };
    if errors.is_empty() {
        Ok((filter, before))
    } else {
        Err(errors)
    }
}

/// The page for `q`: a page of results, or the form with what is wrong.
async fn view(
    page: Page,
    services: &Services,
    choices: Choices,
    q: LedgerQuery,
    search: Search,
) -> Result<LedgerPage, PageError> {
    let (rows, errors, newest, older) = match search {
        Ok((filter, before)) => {
            let mut found = search::page(&services.db, &filter, before, PER_PAGE + 1)
                .await
                .map_err(|e| page.internal(e))?;
            let more = found.len() as i64 > PER_PAGE;
            found.truncate(PER_PAGE as usize);
            let older = found.last().filter(|_| more).map(|e| e.seq);
            (found, FieldErrors::default(), before.is_some(), older)
        }
        Err(errors) => (Vec::new(), errors, false, None),
    };
    let t = &page.console.ledger;
    let caption = match (rows.first(), rows.last()) {
        (Some(first), Some(last)) if first.seq == last.seq => (t.one_event)(first.seq),
        (Some(first), Some(last)) => (t.events)(first.seq, last.seq),
        _ if newest => t.no_older.into(),
        _ => t.no_event.into(),
    };
    Ok(LedgerPage {
        caption,
        older: older.map(|seq| q.link("/admin/ledger", &[("before", &seq.to_string())])),
        newest: newest.then(|| q.link("/admin/ledger", &[])),
        export_csv: q.link("/admin/ledger/export", &[("format", "csv")]),
        export_json: q.link("/admin/ledger/export", &[("format", "json")]),
        rows: rows.into_iter().map(|e| EventRow::of(e, t)).collect(),
        numbers: choices
            .numbers
            .into_iter()
            .map(|n| {
                let label = format!("{} ({})", n.name(), n.display_number);
                (n.phone_number_id, label)
            })
            .collect(),
        categories: choices
            .categories
            .into_iter()
            .map(|c| (c.name.to_string(), c.title))
            .collect(),
        actions: ConsentAction::ALL.map(ConsentAction::as_str).to_vec(),
        sources: Source::ALL.map(Source::as_str).to_vec(),
        errors,
        page,
        q,
    })
}

pub async fn search(
    page: Page,
    query: web::Query<LedgerQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let q = query.into_inner();
    let choices = Choices::read(&page, &services).await?;
    let search = parse(&q, &choices, page.console);
    // Bad input gets its messages and changes nothing.
    let status = match search {
        Ok(_) => StatusCode::OK,
        Err(_) => StatusCode::BAD_REQUEST,
    };
    let view = view(page, &services, choices, q, search).await?;
    Ok(render(status, &view))
}

pub async fn download(
    page: Page,
    staff: Staff,
    query: web::Query<LedgerQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let q = query.into_inner();
    let choices = Choices::read(&page, &services).await?;
    let parsed = parse(&q, &choices, page.console);
    let (filter, format) = match (parsed, ExportFormat::parse(&q.format)) {
        (Ok((filter, _)), Some(format)) => (filter, format),
        (search, format) => {
            let mut errors = search.err().unwrap_or_default();
            if format.is_none() {
                errors.add("", page.console.ledger.choose_format);
            }
            let view = view(page, &services, choices, q, Err(errors)).await?;
            return Ok(render(StatusCode::BAD_REQUEST, &view));
        }
    };
    let detail = format!("{}: {}", format.as_str(), filter.describe());
    audit::record_alone(
        &services.db,
        &staff.doer(),
        Entry {
            action: "ledger.exported",
            target: "ledger",
            detail: &detail,
        },
    )
    .await
    .map_err(|e| page.internal(e))?;
    let chunks = export::stream(services.db.clone(), filter, format);
    Ok(match format {
        ExportFormat::Csv => attachment(
            chunks,
            &filename("ledger", "csv"),
            "text/csv; charset=utf-8",
        ),
        ExportFormat::Json => attachment(chunks, &filename("ledger", "json"), "application/json"),
    })
}
