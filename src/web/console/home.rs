//! `/admin`: the console's first page. Everyone sees the business numbers this
//! instance serves; compliance staff and admins also see the compliance
//! figures: people per category and state, opt-ins and opt-outs per day for 30
//! days, blocked sends per reason, the ledger's last verification, and Meta's
//! word on each number's quality. `?number=` narrows the figures to one number.

use super::Staff;
use super::chart::{self, DayChart};
use super::dates::{iso_date, moment};
use super::text::Chart;
use crate::consent::ConsentState;
use crate::consent::tally::{self, Day};
use crate::consent::verifications::{self, Verification};
use crate::db::now_ms;
use crate::sending::blocked::report;
use crate::services::Services;
use crate::users::Area;
use crate::web::page::{Page, PageError};
use crate::{categories, numbers};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// Days the chart and the blocked-sends counts cover, today included.
const DAYS: i64 = 30;

pub struct NumberRow {
    phone_number_id: String,
    display_number: String,
    name: String,
    provider: &'static str,
    quality: String,
    flagged: bool,
    quality_at: String,
}

pub struct CategoryRow {
    title: String,
    name: String,
    /// People granted, pending, withdrawn, expired: `ConsentState::HELD`'s order.
    people: [i64; 4],
}

pub struct DayRow {
    date: String,
    opt_ins: i64,
    opt_outs: i64,
}

pub struct ReasonRow {
    reason: String,
    words: String,
    attempts: i64,
}

/// What only compliance staff and admins see.
pub struct Figures {
    /// The number the figures are narrowed to (its phone number id).
    number: Option<String>,
    categories: Vec<CategoryRow>,
    chart: DayChart,
    days: Vec<DayRow>,
    totals: (i64, i64),
    blocked: Vec<ReasonRow>,
    blocked_total: i64,
    verification: Option<Verification>,
    verified_at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/home.html")]
pub struct HomePage {
    page: Page,
    numbers: Vec<NumberRow>,
    figures: Option<Figures>,
    states: [&'static str; 4],
    /// Numbers whose quality Meta rates low now.
    flagged: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Narrow {
    number: String,
}

pub async fn show(
    page: Page,
    staff: Staff,
    narrow: web::Query<Narrow>,
    services: web::Data<Services>,
) -> Result<HomePage, PageError> {
    let page = page.for_staff();
    let all = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    let compliance = staff.user.role.may(Area::Compliance);
    let figures = if compliance {
        // An unknown number (an old link) shows every number's figures.
        let number = all
            .iter()
            .find(|n| n.phone_number_id == narrow.number)
            .map(|n| (n.id.clone(), n.phone_number_id.clone()));
        Some(
            figures(&services, number, &page.console.chart)
                .await
                .map_err(|e| page.internal(e))?,
        )
    } else {
        None
    };
    let numbers: Vec<NumberRow> = all
        .into_iter()
        .map(|n| {
            let quality = n.quality();
            NumberRow {
                name: n.name().to_owned(),
                provider: n.provider().as_str(),
                quality: quality.as_ref().map_or_else(
                    || page.console.home.no_quality_report.into(),
                    |q| q.describe(),
                ),
                flagged: quality.as_ref().is_some_and(|q| q.flagged()),
                quality_at: quality.map(|q| moment(q.at)).unwrap_or_default(),
                phone_number_id: n.phone_number_id,
                display_number: n.display_number,
            }
        })
        .collect();
    Ok(HomePage {
        page,
        flagged: numbers.iter().filter(|n| n.flagged).count(),
        numbers,
        figures,
        states: ConsentState::HELD.map(ConsentState::as_str),
    })
}

async fn figures(
    services: &Services,
    number: Option<(String, String)>,
    words: &Chart,
) -> anyhow::Result<Figures> {
    let db = &services.db;
    let id = number.as_ref().map(|(id, _)| id.as_str());
    let today = tally::day_of(now_ms());
    let tallies = tally::people_by_state(db, id).await?;
    let categories = categories::list(db)
        .await?
        .into_iter()
        .map(|c| {
            let people = ConsentState::HELD.map(|state| {
                tallies
                    .iter()
                    .filter(|t| t.category == c.name.as_str() && t.state == state)
                    .map(|t| t.people)
                    .sum()
            });
            CategoryRow {
                title: c.title,
                name: c.name.to_string(),
                people,
            }
        })
        .collect();
    let days: Vec<Day> = tally::recent_days(db, id, today, DAYS).await?;
    let totals = days
        .iter()
        .fold((0, 0), |(a, b), d| (a + d.opt_ins, b + d.opt_outs));
    let blocked: Vec<ReasonRow> = report::per_reason(db, id, today, DAYS)
        .await?
        .into_iter()
        .map(|(reason, attempts)| ReasonRow {
            words: report::describe_reason(&reason).to_owned(),
            reason,
            attempts,
        })
        .collect();
    let verification = verifications::latest(db).await?;
    Ok(Figures {
        number: number.map(|(_, pnid)| pnid),
        categories,
        chart: chart::daily(&days, words),
        days: days
            .iter()
            .rev()
            .map(|d| DayRow {
                date: iso_date(d.day),
                opt_ins: d.opt_ins,
                opt_outs: d.opt_outs,
            })
            .collect(),
        totals,
        blocked_total: blocked.iter().map(|r| r.attempts).sum(),
        blocked,
        verified_at: verification
            .as_ref()
            .map(|v| moment(v.at))
            .unwrap_or_default(),
        verification,
    })
}
