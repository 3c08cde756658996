//! `/admin/entry-points`: a marketer lists the entry points with their figures,
//! creates one (with a preview of its wa.me link before saving), and compares
//! every entry point and form by conversion. The rules (codes, the prefilled
//! text, the link) are `crate::entry_points`'s, as for the API.

use super::Staff;
use super::text::EntryPoints as Words;
use crate::domain::Locale;
use crate::entry_points::{self, EntryPointError, NewEntryPoint, Stats};
use crate::numbers::BusinessNumber;
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, render};
use crate::{categories, forms, numbers};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;

/// What was typed into an entry point's form, kept to show it again.
#[derive(Default)]
pub struct Typed {
    /// The business number's phone number id (creation only).
    pub number: String,
    pub code: String,
    pub name: String,
    pub categories: Vec<String>,
    pub prefilled_text: String,
    pub language: String,
    /// `preview`: show the link, save nothing.
    pub intent: String,
}

impl Typed {
    pub fn of(fields: &[(String, String)]) -> Self {
        let field = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            number: field("number"),
            code: field("code").trim().to_owned(),
            name: field("name"),
            categories: fields
                .iter()
                .filter(|(k, _)| k == "categories")
                .map(|(_, v)| v.clone())
                .collect(),
            prefilled_text: field("prefilled_text"),
            language: field("language"),
            intent: field("intent"),
        }
    }

    pub fn previewing(&self) -> bool {
        self.intent == "preview"
    }

    pub fn text(&self) -> Option<String> {
        Some(self.prefilled_text.clone()).filter(|t| !t.trim().is_empty())
    }

    pub fn language(&self) -> Option<String> {
        Some(self.language.clone()).filter(|l| !l.is_empty())
    }
}

/// What the form shows after "Preview": the text the chat opens with, and its link.
pub struct Preview {
    pub text: String,
    pub link: String,
}

/// Checks what was typed the way saving would, for the preview.
pub fn preview(
    number: &BusinessNumber,
    code: &str,
    typed: &Typed,
    words: &Words,
    errors: &mut FieldErrors,
) -> Option<Preview> {
    let typed_text = typed.text();
    let checked = entry_points::check_code(code).and_then(|code| {
        let text = entry_points::prefilled(&code, typed_text.as_deref())?;
        let link = entry_points::preview(number, &code, typed_text.as_deref())?;
        Ok(Preview { text, link })
    });
    match checked {
        Ok(preview) => Some(preview),
        Err(e) => {
            // These checks read no database: a refusal is all they can answer.
            let _ = refused(e, words, errors);
            None
        }
    }
}

/// A refusal beside the field it is about; `Err` for a fault of ours.
pub fn refused(e: EntryPointError, t: &Words, errors: &mut FieldErrors) -> anyhow::Result<()> {
    match e {
        EntryPointError::Invalid(field, problem) => match field {
            "code" => errors.add("code", t.bad_code),
            "name" => errors.add("name", t.bad_name),
            "categories" if problem.contains("unknown") => {
                errors.add("categories", t.unknown_category)
            }
            "categories" => errors.add("categories", t.choose_category),
            "prefilled_text" => errors.add("prefilled_text", t.bad_text),
            _ => errors.add("language", t.bad_language),
        },
        EntryPointError::Exists(_) => errors.add("code", t.code_taken),
        EntryPointError::Db(e) => return Err(e),
    }
    Ok(())
}

pub struct CategoryChoice {
    pub name: String,
    pub title: String,
    pub checked: bool,
}

pub async fn category_choices(
    services: &Services,
    ticked: &[String],
) -> anyhow::Result<Vec<CategoryChoice>> {
    Ok(categories::list(&services.db)
        .await?
        .into_iter()
        .map(|c| CategoryChoice {
            checked: ticked.iter().any(|t| t == c.name.as_str()),
            name: c.name.to_string(),
            title: c.title,
        })
        .collect())
}

/// (code, name) of each language a chat can be in.
pub fn languages(t: &Words) -> Vec<(&'static str, &'static str)> {
    Locale::ALL
        .iter()
        .map(|l| (l.code(), (t.language_name)(l.code())))
        .collect()
}

/// A number as staff recognise it: its business name and display number (the
/// number alone when it has no name).
pub fn number_label(n: &BusinessNumber) -> String {
    if n.name() == n.display_number {
        n.display_number.clone()
    } else {
        format!("{} ({})", n.name(), n.display_number)
    }
}

/// `33.3%`
pub fn percent(rate: f64) -> String {
    let tenths = (rate * 1000.0).round() / 10.0;
    format!("{tenths}%")
}

pub struct Row {
    code: String,
    name: String,
    number: String,
    categories: String,
    stats: Stats,
    conversion: String,
}

pub struct CompareRow {
    kind: &'static str,
    name: String,
    /// The entry point's page; forms have theirs elsewhere.
    href: Option<String>,
    reached: i64,
    started: i64,
    opted_in: i64,
    conversion: String,
    rate: f64,
}

/// A bar of the comparison chart: one row of the table, drawn.
pub struct CompareBar {
    /// Where the row's name is written, and where its bar starts.
    label_y: f64,
    bar_y: f64,
    width: f64,
    /// A form's bar is hatched, an entry point's solid.
    form: bool,
    label: String,
    value: String,
    value_x: f64,
}

/// The comparison as horizontal bars, highest conversion first, 0 to 100 %.
pub struct CompareChart {
    height: f64,
    bars: Vec<CompareBar>,
}

const ROW: f64 = 46.0;
const BAR_LEFT: f64 = 8.0;
const BAR_MAX: f64 = 560.0;

fn compare_chart(rows: &[CompareRow], form_kind: &str) -> CompareChart {
    let top = rows.iter().map(|r| r.rate).fold(1.0, f64::max);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let y = i as f64 * ROW;
            let width = (BAR_MAX * r.rate / top * 10.0).round() / 10.0;
            let mut label: String = r.name.chars().take(48).collect();
            if r.name.chars().count() > 48 {
                label.push('…');
            }
            CompareBar {
                label_y: y + 16.0,
                bar_y: y + 22.0,
                width,
                form: r.kind == form_kind,
                label,
                value: r.conversion.clone(),
                value_x: BAR_LEFT + width + 6.0,
            }
        })
        .collect();
    CompareChart {
        height: rows.len() as f64 * ROW + 4.0,
        bars,
    }
}

pub struct NumberChoice {
    phone_number_id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "console/entry_points.html")]
pub struct EntryPointsPage {
    page: Page,
    rows: Vec<Row>,
    several_numbers: bool,
    numbers: Vec<NumberChoice>,
    compare: Vec<CompareRow>,
    compare_chart: CompareChart,
    typed: Typed,
    choices: Vec<CategoryChoice>,
    languages: Vec<(&'static str, &'static str)>,
    preview: Option<Preview>,
    errors: FieldErrors,
}

async fn view(
    page: Page,
    services: &Services,
    typed: Typed,
    preview: Option<Preview>,
    errors: FieldErrors,
) -> Result<EntryPointsPage, PageError> {
    match gather(&page, services, &typed).await {
        Ok((rows, numbers, compare, choices)) => Ok(EntryPointsPage {
            rows,
            several_numbers: numbers.len() > 1,
            numbers,
            compare_chart: compare_chart(&compare, page.console.entry_points.form),
            compare,
            typed,
            choices,
            languages: languages(&page.console.entry_points),
            preview,
            errors,
            page,
        }),
        Err(e) => Err(page.internal(e)),
    }
}

type Gathered = (
    Vec<Row>,
    Vec<NumberChoice>,
    Vec<CompareRow>,
    Vec<CategoryChoice>,
);

async fn gather(page: &Page, services: &Services, typed: &Typed) -> anyhow::Result<Gathered> {
    let all = numbers::list(&services.db).await?;
    let label = number_label;
    let every = entry_points::every(&services.db).await?;
    let rows: Vec<Row> = every
        .iter()
        .map(|(number, ep)| Row {
            code: ep.code.clone(),
            name: ep.name.clone(),
            number: label(number),
            categories: ep.categories.names().collect::<Vec<_>>().join(", "),
            stats: ep.stats,
            conversion: percent(ep.stats.conversion),
        })
        .collect();
    let t = &page.console.entry_points;
    let mut compare: Vec<CompareRow> = every
        .iter()
        .map(|(_, ep)| CompareRow {
            kind: t.entry_point,
            name: format!("{} ({})", ep.name, ep.code),
            href: Some(format!("/admin/entry-points/{}", ep.code)),
            reached: ep.stats.visits,
            started: ep.stats.chats_started,
            opted_in: ep.stats.accepted,
            conversion: percent(ep.stats.conversion),
            rate: ep.stats.conversion,
        })
        .chain(
            forms::figures(&services.db)
                .await?
                .into_iter()
                .map(|f| CompareRow {
                    kind: t.form,
                    name: format!("{} ({})", f.title, f.slug),
                    href: None,
                    reached: f.stats.views,
                    started: f.stats.submissions,
                    opted_in: f.stats.opt_ins(),
                    conversion: percent(f.stats.conversion()),
                    rate: f.stats.conversion(),
                }),
        )
        .collect();
    compare.sort_by(|a, b| b.rate.total_cmp(&a.rate).then(b.started.cmp(&a.started)));
    let choices = category_choices(services, &typed.categories).await?;
    let numbers = all
        .iter()
        .map(|n| NumberChoice {
            phone_number_id: n.phone_number_id.clone(),
            label: label(n),
        })
        .collect();
    Ok((rows, numbers, compare, choices))
}

pub async fn list(
    page: Page,
    _staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = Typed {
        language: "en".into(),
        ..Typed::default()
    };
    let view = view(page, &services, typed, None, FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn create(
    page: Page,
    staff: Staff,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = Typed::of(&fields);
    let t = &page.console.entry_points;
    let mut errors = FieldErrors::default();
    let all = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    // With one number there is nothing to choose.
    let number = match all.len() {
        1 => all.first(),
        _ => all.iter().find(|n| n.phone_number_id == typed.number),
    };
    let Some(number) = number else {
        errors.add("number", t.choose_number);
        return again(page, &services, typed, None, errors).await;
    };
    if typed.previewing() {
        let preview = preview(number, &typed.code, &typed, t, &mut errors);
        let view = view(page, &services, typed, preview, errors).await?;
        return Ok(render(StatusCode::OK, &view));
    }
    let new = NewEntryPoint {
        code: typed.code.clone(),
        name: typed.name.clone(),
        categories: typed.categories.clone(),
        prefilled_text: typed.text(),
        language: typed.language(),
    };
    match entry_points::create(&services.db, &staff.doer(), number, new).await {
        Ok(ep) => {
            page.session().set_flash(&(t.created)(&ep.code));
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, format!("/admin/entry-points/{}", ep.code)))
                .finish())
        }
        Err(e) => {
            refused(e, t, &mut errors).map_err(|e| page.internal(e))?;
            again(page, &services, typed, None, errors).await
        }
    }
}

/// The form again, with what was typed and what to fix (422).
async fn again(
    page: Page,
    services: &Services,
    typed: Typed,
    preview: Option<Preview>,
    errors: FieldErrors,
) -> Result<HttpResponse, PageError> {
    let view = view(page, services, typed, preview, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}
