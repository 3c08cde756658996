//! `/admin/users`: an admin lists staff accounts, adds one (or invites one:
//! `invites`), changes one's role, and disables or enables one. Each change is
//! in the audit log.

use super::Staff;
use crate::services::Services;
use crate::users::{self, AddUserError, Role, RoleChange, Toggled};
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
    invite_email: String,
    invite_role: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewAccount {
    email: String,
    role: String,
    password: String,
}

/// What was typed into the invitation form, for the page that shows it again.
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewInvite {
    pub email: String,
    pub role: String,
}

async fn view(
    page: Page,
    staff: &Staff,
    services: &Services,
    typed: NewAccount,
    errors: FieldErrors,
) -> Result<AccountsPage, PageError> {
    view_with(page, staff, services, typed, NewInvite::default(), errors).await
}

/// The page with what was typed into either form; `errors` names the add form's
/// fields as they are, the invitation form's as `invite_email`, `invite_role`.
pub(super) async fn view_with(
    page: Page,
    staff: &Staff,
    services: &Services,
    typed: NewAccount,
    invite: NewInvite,
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
        invite_email: invite.email,
        invite_role: invite.role,
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
        (Toggled::LastAdmin, _) => page.console.invites.last_admin,
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

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewRole {
    role: String,
}

/// Gives another account a role; never one's own, never away from the last
/// enabled admin.
pub async fn change_role(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    form: web::Form<NewRole>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let t = &page.console.invites;
    let Some(role) = Role::parse(&form.role) else {
        page.session().set_flash(page.console.accounts.choose_role);
        return Ok(HttpResponse::SeeOther()
            .insert_header((LOCATION, "/admin/users"))
            .finish());
    };
    let done = users::change_role(&services.db, &staff.doer(), &id, role)
        .await
        .map_err(|e| page.internal(e))?;
    let said = match done {
        RoleChange::Changed => {
            let email = users::list(&services.db)
                .await
                .map_err(|e| page.internal(e))?
                .into_iter()
                .find(|a| a.user.id == *id)
                .map(|a| a.user.email)
                .unwrap_or_default();
            (t.role_changed)(&email, role.as_str())
        }
        RoleChange::Unchanged => t.role_unchanged.to_owned(),
        RoleChange::OwnAccount => t.own_role.to_owned(),
        RoleChange::LastAdmin => t.last_admin.to_owned(),
    };
    page.session().set_flash(&said);
    Ok(HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/users"))
        .finish())
}
