//! `POST|GET /api/v1/forms`, `GET|PATCH /api/v1/forms/{slug}`, and
//! `POST /api/v1/forms/{slug}/links`: the key's number's opt-in forms, their
//! statistics, and pre-filled links for known customers.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::consent::export::rfc3339;
use crate::domain::PhoneNumber;
use crate::forms::{self, Form, FormChange, FormError, NewForm};
use crate::opt_in;
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WelcomeIn {
    name: String,
    language: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextsIn {
    title: String,
    notice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewBody {
    slug: String,
    title: String,
    notice: String,
    categories: Vec<String>,
    welcome_template: WelcomeIn,
    double_opt_in: Option<bool>,
    language: Option<String>,
    #[serde(default)]
    translations: BTreeMap<String, TextsIn>,
    #[serde(default)]
    frame_ancestors: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeBody {
    title: Option<String>,
    notice: Option<String>,
    categories: Option<Vec<String>>,
    welcome_template: Option<WelcomeIn>,
    double_opt_in: Option<bool>,
    translations: Option<BTreeMap<String, TextsIn>>,
    frame_ancestors: Option<Vec<String>>,
}

fn pairs(t: BTreeMap<String, TextsIn>) -> BTreeMap<String, (String, String)> {
    t.into_iter()
        .map(|(l, t)| (l, (t.title, t.notice)))
        .collect()
}

fn refused(e: FormError) -> ApiError {
    match e {
        // The API names one problem per answer: the first, in the order of the fields.
        FormError::Invalid(problems) => match problems.first() {
            Some(p) => ApiError::field(&p.field, &p.problem),
            None => ApiError::field("(body)", "is not a valid form"),
        },
        e @ (FormError::Exists(_) | FormError::Changed(_)) => {
            ApiError::new(StatusCode::CONFLICT, 100, "Conflict", e.to_string())
        }
        e @ FormError::NotFound(_) => ApiError::not_found(e.to_string()),
        FormError::Db(e) => e.into(),
    }
}

/// A form as the API shows it: its settings, words, statistics, and where people
/// find it.
fn view(form: &Form, public_url: &str) -> Value {
    let own = &form.texts[&form.language];
    let translations: BTreeMap<&str, Value> = form
        .texts
        .iter()
        .filter(|(l, _)| **l != form.language)
        .map(|(l, t)| {
            (
                l.code(),
                json!({"title": t.title, "notice": t.notice, "notice_sha256": t.notice_sha256}),
            )
        })
        .collect();
    let url = format!("{public_url}/f/{}", form.slug);
    let submissions = form.stats.submissions;
    json!({
        "slug": form.slug,
        "url": url,
        "embed_html": opt_in::embed_html(&url, &own.title),
        "language": form.language,
        "title": own.title,
        "notice": own.notice,
        "notice_version": form.version_label(),
        "notice_sha256": own.notice_sha256,
        "translations": translations,
        "categories": form.categories,
        "double_opt_in": form.double_opt_in,
        "welcome_template": form.welcome_template,
        "frame_ancestors": form.frame_ancestors,
        "stats": {
            "views": form.stats.views,
            "submissions": submissions,
            "confirmations": form.stats.confirmations,
            "expiries": form.stats.expiries,
            "opt_ins": form.stats.opt_ins(),
            "conversion": form.stats.conversion(),
        },
        "created_at": rfc3339(form.created_at),
        "updated_at": rfc3339(form.updated_at),
    })
}

pub async fn create(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let b: NewBody = body::json(payload).await?;
    let new = NewForm {
        slug: b.slug,
        language: b.language,
        title: b.title,
        notice: b.notice,
        translations: pairs(b.translations),
        categories: b.categories,
        double_opt_in: b.double_opt_in,
        welcome_template: (b.welcome_template.name, b.welcome_template.language),
        frame_ancestors: b.frame_ancestors,
    };
    let form = forms::create(&services.db, &key.doer(), &key.number, new)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Created().json(view(&form, &services.public_url)))
}

pub async fn list(key: ApiKey, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let data: Vec<Value> = forms::list(&services.db, &key.number)
        .await?
        .iter()
        .map(|f| view(f, &services.public_url))
        .collect();
    Ok(HttpResponse::Ok().json(json!({ "data": data })))
}

pub async fn show(
    key: ApiKey,
    slug: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    match forms::of_number(&services.db, &key.number, &slug).await? {
        Some(form) => Ok(HttpResponse::Ok().json(view(&form, &services.public_url))),
        None => Err(refused(FormError::NotFound(slug.into_inner()))),
    }
}

pub async fn change(
    key: ApiKey,
    slug: web::Path<String>,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let b: ChangeBody = body::json(payload).await?;
    let change = FormChange {
        title: b.title,
        notice: b.notice,
        translations: b.translations.map(pairs),
        drop_translations: Vec::new(),
        categories: b.categories,
        double_opt_in: b.double_opt_in,
        welcome_template: b.welcome_template.map(|w| (w.name, w.language)),
        frame_ancestors: b.frame_ancestors,
    };
    let updated = forms::update(&services.db, &key.doer(), &key.number, &slug, change)
        .await
        .map_err(refused)?;
    Ok(HttpResponse::Ok().json(view(&updated.form, &services.public_url)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkBody {
    phone: String,
    /// 1 to 90; 14 by default.
    expires_in_days: Option<u64>,
}

pub async fn link(
    key: ApiKey,
    slug: web::Path<String>,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let b: LinkBody = body::json(payload).await?;
    let phone = PhoneNumber::parse(&b.phone).map_err(|e| ApiError::field("phone", e))?;
    let days = b.expires_in_days.unwrap_or(14);
    if !(1..=90).contains(&days) {
        return Err(ApiError::field("expires_in_days", "must be 1 to 90"));
    }
    let Some(form) = forms::of_number(&services.db, &key.number, &slug).await? else {
        return Err(refused(FormError::NotFound(slug.into_inner())));
    };
    let ttl = Duration::from_secs(days * 24 * 60 * 60);
    let link = opt_in::prefilled_link(&services, &form, &phone, ttl);
    Ok(HttpResponse::Created().json(json!({
        "url": link.url,
        "expires_at": rfc3339(link.expires_at),
    })))
}
