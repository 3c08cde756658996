//! `/f/{slug}`: an opt-in form (MT-flow). The person sees the business, the
//! form's title and notice, an unticked box per topic, and their number's field
//! with a country; what they send is parsed field by field, and a form that fails
//! comes back with what they typed and what to fix. A form that succeeds always
//! gets the same page, whoever the number belongs to.

use crate::domain::{CategoryList, CategoryName, Locale, PhoneNumber, countries};
use crate::entry_points::wa_me_url;
use crate::forms::{self, Form};
use crate::opt_in::{self, IntakeError, Submission};
use crate::services::Services;
use crate::web::form::{FieldErrors, Sender};
use crate::web::headers;
use crate::web::page::{Page, PageError, Problem, render};
use crate::{categories, numbers};
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT_LANGUAGE, CONTENT_SECURITY_POLICY, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub struct Topic {
    name: String,
    title: String,
    description: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "public/form.html")]
pub struct FormPage {
    page: Page,
    business: String,
    title: String,
    notice: String,
    notice_language: Locale,
    topics: Vec<Topic>,
    countries: &'static [(String, u16)],
    country: String,
    phone: String,
    double_opt_in: bool,
    action: String,
    errors: FieldErrors,
    /// A staff preview: where its settings are (sending is turned off).
    preview: Option<String>,
}

#[derive(Template)]
#[template(path = "public/thanks.html")]
pub struct ThanksPage {
    page: Page,
    business: String,
    double_opt_in: bool,
    wa_me: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Asked {
    /// A pre-filled link's sealed number.
    t: Option<String>,
}

pub async fn show(
    page: Page,
    req: HttpRequest,
    slug: web::Path<String>,
    asked: web::Query<Asked>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let form = find(&page, &services, &slug).await?;
    let (_, shown) = form.text_in(page.locale);
    forms::viewed(&services.db, &form.slug, &shown.notice_id)
        .await
        .map_err(|e| page.internal(e))?;
    let prefilled = asked.t.as_deref().and_then(|t| {
        opt_in::prefilled_phone(&services, &form, t)
            .inspect_err(
                |e| tracing::info!(form = %form.slug, problem = %e, "pre-filled link not used"),
            )
            .ok()
    });
    let country = default_country(&req, page.locale);
    let phone = prefilled
        .map(|p| p.as_e164().to_owned())
        .unwrap_or_default();
    let view = form_page(
        page,
        &services,
        &form,
        country,
        phone,
        &[],
        FieldErrors::default(),
    )
    .await?;
    Ok(framed(&form, render(StatusCode::OK, &view)))
}

pub async fn submit(
    page: Page,
    req: HttpRequest,
    slug: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let form = find(&page, &services, &slug).await?;
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let (country, phone) = (field("country"), field("phone"));
    let ticked: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "category")
        .map(|(_, v)| v.clone())
        .collect();

    let t = page.t;
    let mut errors = FieldErrors::default();
    let parsed_phone = PhoneNumber::parse_in(&phone, &country)
        .map_err(|e| errors.add("phone", t.phone_problem(&e)))
        .ok();
    let offered: Vec<CategoryName> = ticked
        .iter()
        .filter_map(|n| CategoryName::parse(n).ok())
        .filter(|n| form.categories.iter().any(|c| c == n))
        .collect();
    if offered.is_empty() || offered.len() != ticked.len() {
        errors.add("categories", t.form_choose_topic);
    }
    let Some(phone_number) = parsed_phone.filter(|_| errors.is_empty()) else {
        let view = form_page(page, &services, &form, country, phone, &ticked, errors).await?;
        return Ok(framed(
            &form,
            render(StatusCode::UNPROCESSABLE_ENTITY, &view),
        ));
    };
    let sender = Sender::of(&req);
    let submission = Submission {
        phone: phone_number,
        categories: CategoryList::new(offered),
        locale: page.locale,
        ip: sender.ip,
        user_agent: sender.user_agent,
    };
    match opt_in::submit(&services, &form, submission).await {
        Ok(()) => {}
        Err(IntakeError::Throttled) => return Err(page.error(Problem::TooManyRequests)),
        Err(IntakeError::Internal(e)) => return Err(page.internal(e)),
    }
    let number = numbers::by_id(
        &mut *services
            .db
            .pool
            .acquire()
            .await
            .map_err(|e| page.internal(e))?,
        &form.business_number_id,
    )
    .await
    .map_err(|e| page.internal(e))?
    .ok_or_else(|| page.error(Problem::NotFound))?;
    let greeting = match page.locale {
        Locale::En => "Hello!",
        Locale::Es => "¡Hola!",
        Locale::Pt => "Olá!",
    };
    let thanks = ThanksPage {
        business: number.name().to_owned(),
        double_opt_in: form.double_opt_in,
        wa_me: wa_me_url(&number, greeting),
        page,
    };
    Ok(framed(&form, render(StatusCode::OK, &thanks)))
}

async fn find(page: &Page, services: &Services, slug: &str) -> Result<Form, PageError> {
    forms::by_slug(&services.db, slug)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))
}

async fn form_page(
    page: Page,
    services: &Services,
    form: &Form,
    country: String,
    phone: String,
    ticked: &[String],
    errors: FieldErrors,
) -> Result<FormPage, PageError> {
    let (notice_language, text) = form.text_in(page.locale);
    let mut conn = services
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| page.internal(e))?;
    let described = categories::described(&mut conn, page.locale)
        .await
        .map_err(|e| page.internal(e))?;
    let number = numbers::by_id(&mut conn, &form.business_number_id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    let topics = form
        .categories
        .iter()
        .filter_map(|name| described.iter().find(|d| &d.name == name))
        .map(|d| Topic {
            checked: ticked.iter().any(|t| t == d.name.as_str()),
            name: d.name.to_string(),
            title: d.title.clone(),
            description: d.description.clone(),
        })
        .collect();
    let action = format!("/f/{}?lang={}", form.slug, page.locale.code());
    Ok(FormPage {
        business: number.name().to_owned(),
        title: text.title.clone(),
        notice: text.notice.clone(),
        notice_language,
        topics,
        countries: countries(),
        country,
        phone,
        double_opt_in: form.double_opt_in,
        action,
        errors,
        preview: None,
        page,
    })
}

/// The form as people see it, for staff: the same page in the language asked
/// for, counting no view; its button is turned off and the form posts nowhere
/// that records anything (the preview answers only GET).
pub async fn preview(
    page: Page,
    req: &HttpRequest,
    services: &Services,
    form: &Form,
) -> Result<HttpResponse, PageError> {
    let country = default_country(req, page.locale);
    let mut view = form_page(
        page,
        services,
        form,
        country,
        String::new(),
        &[],
        FieldErrors::default(),
    )
    .await?;
    view.action = format!("/admin/forms/{}/preview", form.slug);
    view.preview = Some(format!("/admin/forms/{}", form.slug));
    Ok(render(StatusCode::OK, &view))
}

/// The form may be shown in a frame on the origins it lists, and nowhere else.
fn framed(form: &Form, mut response: HttpResponse) -> HttpResponse {
    if !form.frame_ancestors.is_empty() {
        let policy = headers::CSP.replace(
            "frame-ancestors 'none'",
            &format!("frame-ancestors {}", form.frame_ancestors.join(" ")),
        );
        if let Ok(value) = HeaderValue::from_str(&policy) {
            response
                .headers_mut()
                .insert(CONTENT_SECURITY_POLICY, value);
        }
    }
    response
}

/// The country a person most likely dials from: the region of their browser's
/// language (`es-MX`), else the usual one for the page's language.
fn default_country(req: &HttpRequest, locale: Locale) -> String {
    let from_header = req
        .headers()
        .get(ACCEPT_LANGUAGE)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.split(',')
                .filter_map(|tag| tag.split(';').next())
                .filter_map(|tag| tag.trim().split(['-', '_']).nth(1))
                .map(str::to_ascii_uppercase)
                .find(|region| countries().iter().any(|(id, _)| id == region))
        });
    from_header.unwrap_or_else(|| {
        match locale {
            Locale::En => "US",
            Locale::Es => "ES",
            Locale::Pt => "BR",
        }
        .to_owned()
    })
}
