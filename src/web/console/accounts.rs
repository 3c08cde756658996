//! `/admin/users`: an admin lists staff accounts, adds one, and disables or
//! enables one. Each change is in the audit log.

use super::Staff;
use crate::services::Services;
use crate::users::{self, AddUserError, Role, Toggled};
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

pub struct AccountRow {
    id: String,
    email: String,
    role: &'static str,
    disabled: bool,
    yourself: bool,
}

#[derive(Template)]
#[template(path = "console/accounts.html")]
pub struct AccountsPage {
    page: Page,
    accounts: Vec<AccountRow>,
    email: String,
    role: String,
    roles: [&'static str; 3],
    errors: FieldErrors,
    min_length: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewAccount {
    email: String,
    role: String,
    password: String,
}

async fn view(
    page: Page,
    staff: &Staff,
    services: &Services,
    typed: NewAccount,
    errors: FieldErrors,
) -> Result<AccountsPage, PageError> {
    let accounts = users::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|a| AccountRow {
            yourself: a.user.id == staff.user.id,
            id: a.user.id,
            email: a.user.email,
            role: a.user.role.as_str(),
            disabled: a.disabled,
        })
        .collect();
    Ok(AccountsPage {
        page,
        accounts,
        email: typed.email,
        role: typed.role,
        roles: Role::ALL.map(Role::as_str),
        errors,
        min_length: users::MIN_LENGTH,
    })
}

pub async fn list(
    page: Page,
    staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = view(
        page,
        &staff,
        &services,
        NewAccount::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn add(
    page: Page,
    staff: Staff,
    form: web::Form<NewAccount>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let mut typed = form.into_inner();
    let mut errors = FieldErrors::default();
    let role = Role::parse(&typed.role);
    if role.is_none() {
        errors.add("role", page.console.accounts.choose_role);
    }
    if let Some(role) = role.filter(|_| errors.is_empty()) {
        let password = std::mem::take(&mut typed.password);
        match users::add(&services.db, &staff.doer(), &typed.email, role, password).await {
            Ok(user) => {
                page.session()
                    .set_flash(&(page.console.accounts.added)(&user.email, role.as_str()));
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/admin/users"))
                    .finish());
            }
            Err(AddUserError::BadEmail(_)) => errors.add("email", page.console.chrome.bad_email),
            Err(AddUserError::Exists(_)) => errors.add("email", page.console.accounts.exists),
            Err(AddUserError::Password(e)) => {
                errors.add("password", (page.console.chrome.password_rule)(&e))
            }
            Err(AddUserError::Other(e)) => return Err(page.internal(e)),
        }
    }
    let view = view(page, &staff, &services, typed, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

async fn toggle(
    page: Page,
    staff: Staff,
    id: String,
    services: &Services,
    disabled: bool,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let done = users::set_disabled(&services.db, &staff.doer(), &id, disabled)
        .await
        .map_err(|e| page.internal(e))?;
    let t = &page.console.accounts;
    page.session().set_flash(match (done, disabled) {
        (Toggled::OwnAccount, _) => t.own_account,
        (Toggled::Unchanged, _) => t.unchanged,
        (Toggled::Changed, true) => t.now_disabled,
        (Toggled::Changed, false) => t.now_enabled,
    });
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/users"))
        .finish())
}

pub async fn disable(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    toggle(page, staff, id.into_inner(), &services, true).await
}

pub async fn enable(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    toggle(page, staff, id.into_inner(), &services, false).await
}
