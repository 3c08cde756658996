//! `/admin/api-keys`: an admin lists the API keys (never the keys themselves,
//! which are not stored), creates one (shown once, on the answer to the form),
//! and revokes one after a page that asks. Each change is in the audit log.

use super::Staff;
use super::dates::{moment, when};
use crate::api_keys::{self, IssueError, Listed};
use crate::numbers;
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub struct KeyRow {
    id: String,
    name: String,
    number: String,
    created: String,
    last_used: Option<String>,
    revoked: Option<String>,
}

impl From<Listed> for KeyRow {
    fn from(k: Listed) -> Self {
        Self {
            number: number_label(&k.display_number, &k.phone_number_id),
            id: k.id,
            name: k.name,
            created: moment(k.created_at),
            last_used: k.last_used_at.map(moment),
            revoked: k.revoked_at.map(when),
        }
    }
}

fn number_label(display: &str, phone_number_id: &str) -> String {
    format!("{display} ({phone_number_id})")
}

/// A number to choose in the form: (id, label).
pub struct Choice {
    id: String,
    label: String,
}

#[derive(Template)]
#[template(path = "console/api_keys.html")]
pub struct KeysPage {
    page: Page,
    keys: Vec<KeyRow>,
    numbers: Vec<Choice>,
    name: String,
    number: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "console/api_key_created.html")]
pub struct CreatedPage {
    page: Page,
    name: String,
    number: String,
    key: String,
}

#[derive(Template)]
#[template(path = "console/api_key_revoke.html")]
pub struct RevokePage {
    page: Page,
    key: KeyRow,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewKey {
    name: String,
    number: String,
}

async fn view(
    page: Page,
    services: &Services,
    typed: NewKey,
    errors: FieldErrors,
) -> Result<KeysPage, PageError> {
    let keys = api_keys::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(KeyRow::from)
        .collect();
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|n| Choice {
            label: number_label(&n.display_number, &n.phone_number_id),
            id: n.id,
        })
        .collect();
    Ok(KeysPage {
        page,
        keys,
        numbers,
        name: typed.name,
        number: typed.number,
        errors,
    })
}

pub async fn list(
    page: Page,
    _staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = view(page, &services, NewKey::default(), FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

/// Creates a key and answers with it: the one page that ever shows it, kept out
/// of every cache.
pub async fn create(
    page: Page,
    staff: Staff,
    form: web::Form<NewKey>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = form.into_inner();
    let t = &page.console.api_keys;
    let mut errors = FieldErrors::default();
    if let Err(IssueError::BadName) = api_keys::parse_name(&typed.name) {
        errors.add("name", (t.bad_name)(api_keys::MAX_NAME));
    }
    if typed.number.is_empty() {
        errors.add("number", t.choose_number);
    }
    if errors.is_empty() {
        match api_keys::issue(&services.db, &staff.doer(), &typed.number, &typed.name).await {
            Ok(issued) => {
                let number = numbers::by_id(
                    &mut *services
                        .db
                        .pool
                        .acquire()
                        .await
                        .map_err(|e| page.internal(e))?,
                    &typed.number,
                )
                .await
                .map_err(|e| page.internal(e))?
                .map(|n| number_label(&n.display_number, &n.phone_number_id))
                .unwrap_or_default();
                let mut response = render(
                    StatusCode::OK,
                    &CreatedPage {
                        page,
                        name: typed.name.trim().to_owned(),
                        number,
                        key: issued.key,
                    },
                );
                response
                    .headers_mut()
                    .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                return Ok(response);
            }
            Err(IssueError::BadName) => errors.add("name", (t.bad_name)(api_keys::MAX_NAME)),
            Err(IssueError::NoNumber) => errors.add("number", t.choose_number),
            Err(IssueError::Other(e)) => return Err(page.internal(e)),
        }
    }
    let view = view(page, &services, typed, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// The page that asks before revoking.
pub async fn confirm(
    page: Page,
    _staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let key = api_keys::find(&services.db, &id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    if key.revoked_at.is_some() {
        page.session()
            .set_flash(page.console.api_keys.already_revoked);
        return Ok(back());
    }
    Ok(render(
        StatusCode::OK,
        &RevokePage {
            page,
            key: key.into(),
        },
    ))
}

pub async fn revoke(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let key = api_keys::find(&services.db, &id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    let t = &page.console.api_keys;
    let revoked = api_keys::revoke(&services.db, &staff.doer(), &key.id)
        .await
        .map_err(|e| page.internal(e))?;
    page.session().set_flash(&if revoked {
        (t.now_revoked)(&key.name)
    } else {
        t.already_revoked.to_owned()
    });
    Ok(back())
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/api-keys"))
        .finish()
}
