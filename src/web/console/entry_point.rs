//! `/admin/entry-points/{code}`: one entry point. Its links and QR code (to
//! download as PNG in print sizes, or SVG), its figures since it was made and
//! per day for 30 days (charts with their tables, from the daily counts kept as
//! things happen), and its settings to edit (with a preview of the new link).

use super::Staff;
use super::chart::{self, Axis, DayChart};
use super::dates::iso_date;
use super::entry_points::{
    CategoryChoice, Preview, Typed, category_choices, languages, percent, preview, refused,
};
use crate::consent::tally::day_of;
use crate::db::now_ms;
use crate::entry_points::{self, DayStats, EntryPoint, EntryPointChange, Stats, qr};
use crate::numbers::BusinessNumber;
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// Days the charts and their tables cover, today included.
const DAYS: i64 = 30;

pub struct DayRow {
    date: String,
    stats: Stats,
    conversion: String,
}

pub struct Download {
    href: String,
    label: String,
}

/// The daily figures, drawn three ways.
pub struct Charts {
    visits: DayChart,
    answers: DayChart,
    conversion: DayChart,
    days: Vec<DayRow>,
    totals: Stats,
    conversion_total: String,
}

#[derive(Template)]
#[template(path = "console/entry_point.html")]
pub struct EntryPointPage {
    page: Page,
    ep: EntryPoint,
    number: String,
    categories: String,
    tracking: String,
    conversion: String,
    downloads: Vec<Download>,
    svg: String,
    /// The phone simulator, opening with this entry point scanned (sandbox numbers).
    simulator: Option<String>,
    charts: Charts,
    days: i64,
    typed: Typed,
    choices: Vec<CategoryChoice>,
    languages: Vec<(&'static str, &'static str)>,
    preview: Option<Preview>,
    errors: FieldErrors,
}

fn charts(days: &[DayStats], t: &super::text::EntryPoints) -> Charts {
    let totals = days.iter().fold(Stats::default(), |a, d| Stats {
        visits: a.visits + d.stats.visits,
        chats_started: a.chats_started + d.stats.chats_started,
        accepted: a.accepted + d.stats.accepted,
        declined: a.declined + d.stats.declined,
        conversion: 0.0,
    });
    let overall = if totals.chats_started > 0 {
        totals.accepted as f64 / totals.chats_started as f64
    } else {
        0.0
    };
    let (first, last) = match (days.first(), days.last()) {
        (Some(f), Some(l)) => (iso_date(f.day), iso_date(l.day)),
        _ => Default::default(),
    };
    let series = |f: fn(&Stats) -> [i64; 2]| -> Vec<(i64, [i64; 2])> {
        days.iter().map(|d| (d.day, f(&d.stats))).collect()
    };
    Charts {
        visits: chart::per_day(
            &series(|s| [s.visits, s.chats_started]),
            Axis::Count,
            t.visit_bar,
            (t.visits_desc)(&first, &last, totals.visits, totals.chats_started),
        ),
        answers: chart::per_day(
            &series(|s| [s.accepted, s.declined]),
            Axis::Count,
            t.answer_bar,
            (t.answers_desc)(&first, &last, totals.accepted, totals.declined),
        ),
        conversion: chart::per_day(
            &series(|s| [(s.conversion * 100.0).round() as i64, 0]),
            Axis::Percent,
            |day, n, _| (t.conversion_bar)(day, n),
            (t.conversion_desc)(&first, &last, &percent(overall)),
        ),
        days: days
            .iter()
            .rev()
            .map(|d| DayRow {
                date: iso_date(d.day),
                stats: d.stats,
                conversion: percent(d.stats.conversion),
            })
            .collect(),
        totals,
        conversion_total: percent(overall),
    }
}

/// The entry point the path names, with its number; a 404 page when none has it.
async fn found(
    page: &Page,
    services: &Services,
    code: &str,
) -> Result<(BusinessNumber, EntryPoint), PageError> {
    entry_points::public(&services.db, code)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))
}

async fn view(
    page: Page,
    services: &Services,
    number: BusinessNumber,
    ep: EntryPoint,
    typed: Typed,
    preview: Option<Preview>,
    errors: FieldErrors,
) -> Result<EntryPointPage, PageError> {
    let t = &page.console.entry_points;
    let today = day_of(now_ms());
    let days = entry_points::days(&services.db, &number.id, &ep.code, today, DAYS).await;
    let choices = category_choices(services, &typed.categories).await;
    let (days, choices) = match (days, choices) {
        (Ok(d), Ok(c)) => (d, c),
        (Err(e), _) | (_, Err(e)) => return Err(page.internal(e)),
    };
    let base = format!("/admin/entry-points/{}", ep.code);
    let downloads = qr::PRINT_SIZES
        .iter()
        .map(|(name, px)| Download {
            href: format!("{base}/qr.png?size={name}"),
            // 300 dots per inch: 118.1 a centimetre.
            label: (t.png_of_size)(name, *px, (*px as f64 / 118.11).round() as u32),
        })
        .collect();
    Ok(EntryPointPage {
        number: super::entry_points::number_label(&number),
        categories: ep.categories.names().collect::<Vec<_>>().join(", "),
        tracking: entry_points::tracking_url(&services.public_url, &ep.code),
        conversion: percent(ep.stats.conversion),
        downloads,
        svg: format!("{base}/qr.svg"),
        simulator: (number.provider() == crate::numbers::ProviderKind::Sandbox).then(|| {
            format!(
                "/sandbox?{}",
                serde_urlencoded::to_string([("scan", ep.code.as_str())]).unwrap_or_default()
            )
        }),
        charts: charts(&days, t),
        days: DAYS,
        typed,
        choices,
        languages: languages(t),
        preview,
        errors,
        ep,
        page,
    })
}

pub async fn show(
    page: Page,
    _staff: Staff,
    code: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (number, ep) = found(&page, &services, &code).await?;
    let typed = Typed {
        code: ep.code.clone(),
        name: ep.name.clone(),
        categories: ep.categories.to_strings(),
        prefilled_text: ep.prefilled_text.clone(),
        language: ep.language.code().to_owned(),
        ..Typed::default()
    };
    let view = view(
        page,
        &services,
        number,
        ep,
        typed,
        None,
        FieldErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn edit(
    page: Page,
    staff: Staff,
    code: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (number, ep) = found(&page, &services, &code).await?;
    let t = &page.console.entry_points;
    let mut typed = Typed::of(&fields);
    typed.code = ep.code.clone();
    let mut errors = FieldErrors::default();
    if typed.previewing() {
        let preview = preview(&number, &ep.code, &typed, t, &mut errors);
        let view = view(page, &services, number, ep, typed, preview, errors).await?;
        return Ok(render(StatusCode::OK, &view));
    }
    let change = EntryPointChange {
        name: typed.name.clone(),
        categories: typed.categories.clone(),
        prefilled_text: typed.text(),
        language: typed.language(),
    };
    match entry_points::update(&services.db, &staff.doer(), &number, &ep.code, change).await {
        Ok(Some(saved)) => {
            page.session().set_flash(&(t.saved)(&saved.code));
            Ok(HttpResponse::SeeOther()
                .insert_header((LOCATION, format!("/admin/entry-points/{}", saved.code)))
                .finish())
        }
        Ok(None) => Err(page.error(Problem::NotFound)),
        Err(e) => {
            refused(e, t, &mut errors).map_err(|e| page.internal(e))?;
            let view = view(page, &services, number, ep, typed, None, errors).await?;
            Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
        }
    }
}

#[derive(Deserialize)]
pub struct SizeQuery {
    size: Option<String>,
}

/// The QR code of the tracking link, as a file to save.
fn attachment(content_type: &str, filename: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{filename}\""),
        ))
        .insert_header((CACHE_CONTROL, "no-store"))
        .body(body)
}

async fn tracking_code(
    page: &Page,
    services: &Services,
    code: &str,
) -> Result<(String, qrcode::QrCode), PageError> {
    let (_, ep) = found(page, services, code).await?;
    let link = entry_points::tracking_url(&services.public_url, &ep.code);
    // The tracking link is short: it always fits.
    let qr = qr::encode(&link).ok_or_else(|| page.error(Problem::BadRequest))?;
    Ok((ep.code, qr))
}

/// `GET …/qr.png?size=small|medium|large` (medium when not said).
pub async fn qr_png(
    page: Page,
    _staff: Staff,
    code: web::Path<String>,
    query: web::Query<SizeQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let name = query.size.as_deref().unwrap_or("medium");
    let size = qr::print_size(name).ok_or_else(|| page.error(Problem::BadRequest))?;
    let (code, qr) = tracking_code(&page, &services, &code).await?;
    let png = web::block(move || qr::png(&qr, size))
        .await
        .map_err(|e| page.internal(e))?
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::BadRequest))?;
    Ok(attachment(
        "image/png",
        &format!("{code}-qr-{name}-{size}px.png"),
        png,
    ))
}

/// `GET …/qr.svg`
pub async fn qr_svg(
    page: Page,
    _staff: Staff,
    code: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (code, qr) = tracking_code(&page, &services, &code).await?;
    Ok(attachment(
        "image/svg+xml",
        &format!("{code}-qr.svg"),
        qr::svg(&qr).into_bytes(),
    ))
}
