//! `/p/{token}`: the preference center. No login: the sealed link is the key. The
//! person sees every category with its state and turns each on or off, or stops
//! everything with one button; a link we did not make is a 403 page, an expired
//! one (or one of a person since erased) a 410 page, each saying how to get a new
//! link.

use crate::domain::CategoryName;
use crate::preferences::{self, Choices, Wanted};
use crate::services::Services;
use crate::tokens::TokenError;
use crate::web::form::Sender;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub struct ChoiceView {
    name: String,
    title: String,
    description: String,
    on: bool,
    pending: bool,
}

#[derive(Template)]
#[template(path = "public/preferences.html")]
pub struct PreferencesPage {
    page: Page,
    heading: String,
    choices: Vec<ChoiceView>,
    saved: bool,
    action: String,
    notice_link: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Shown {
    saved: Option<String>,
}

async fn open(page: &Page, services: &Services, token: &str) -> Result<Choices, PageError> {
    let contact_id = preferences::contact_of(services, token).map_err(|e| {
        page.error(match e {
            TokenError::Forged => Problem::LinkForged,
            TokenError::Expired => Problem::LinkExpired,
        })
    })?;
    preferences::load(services, &contact_id, page.locale)
        .await
        .map_err(|e| page.internal(e))?
        // The person was erased or declined since: the link is over.
        .ok_or_else(|| page.error(Problem::LinkExpired))
}

pub async fn show(
    page: Page,
    token: web::Path<String>,
    shown: web::Query<Shown>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let choices = open(&page, &services, &token).await?;
    let view = PreferencesPage {
        heading: page
            .t
            .prefs_title
            .replace("{business}", choices.number.name()),
        choices: choices
            .choices
            .iter()
            .map(|c| ChoiceView {
                name: c.category.name.to_string(),
                title: c.category.title.clone(),
                description: c.category.description.clone(),
                on: c.on(),
                pending: c.state == crate::consent::ConsentState::Pending,
            })
            .collect(),
        saved: shown.saved.is_some(),
        action: format!("/p/{}?lang={}", token.as_str(), page.locale.code()),
        notice_link: format!("/notices/{}?lang={}", choices.notice.id, page.locale.code()),
        page,
    };
    Ok(render(StatusCode::OK, &view))
}

pub async fn save(
    page: Page,
    req: HttpRequest,
    token: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let choices = open(&page, &services, &token).await?;
    let stop_all = fields.iter().any(|(k, _)| k == "stop_all");
    let on: Vec<CategoryName> = if stop_all {
        vec![]
    } else {
        fields
            .iter()
            .filter(|(k, _)| k == "category")
            .filter_map(|(_, v)| CategoryName::parse(v).ok())
            .collect()
    };
    let sender = Sender::of(&req);
    preferences::save(
        &services,
        &choices,
        &Wanted { on },
        page.locale,
        sender.ip,
        sender.user_agent,
    )
    .await
    .map_err(|e| page.internal(e))?;
    let back = format!("/p/{}?lang={}&saved=1", token.as_str(), page.locale.code());
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, back))
        .finish())
}
