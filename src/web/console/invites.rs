//! Invitations. `POST /admin/users/invite`: an admin invites a colleague by
//! email and role and gets the one-time link, on the answer to the form only.
//! `/invite/{token}`: the colleague chooses a password there, which creates the
//! account and signs them in; afterwards (or once expired) it is a 410 page.

use super::Staff;
use super::accounts::{NewAccount, NewInvite, view_with};
use super::dates::when;
use crate::services::Services;
use crate::users::{self, AddUserError, InviteError, Role};
use crate::web::form::{FieldErrors, Sender};
use crate::web::page::{Page, PageError, Problem, render};
use crate::web::session::SignedInAs;
use actix_web::http::StatusCode;
use actix_web::http::header::{CACHE_CONTROL, HeaderValue, LOCATION};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "console/invite_link.html")]
pub struct LinkPage {
    page: Page,
    email: String,
    role: &'static str,
    expires: String,
    link: String,
}

pub async fn create(
    page: Page,
    staff: Staff,
    form: web::Form<NewInvite>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = form.into_inner();
    let mut errors = FieldErrors::default();
    let role = Role::parse(&typed.role);
    if role.is_none() {
        errors.add("invite_role", page.console.accounts.choose_role);
    }
    if let Some(role) = role {
        match users::invite(&services.db, &staff.doer(), &typed.email, role).await {
            Ok(invitation) => {
                let mut response = render(
                    StatusCode::OK,
                    &LinkPage {
                        page,
                        email: invitation.email,
                        role: role.as_str(),
                        expires: when(invitation.expires_at),
                        link: format!("{}/invite/{}", services.public_url, invitation.token),
                    },
                );
                response
                    .headers_mut()
                    .insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                return Ok(response);
            }
            Err(AddUserError::BadEmail(_)) => {
                errors.add("invite_email", page.console.chrome.bad_email)
            }
            Err(AddUserError::Exists(_)) => {
                errors.add("invite_email", page.console.accounts.exists)
            }
            Err(AddUserError::Password(_)) => {}
            Err(AddUserError::Other(e)) => return Err(page.internal(e)),
        }
    } else if typed.email.trim().is_empty() {
        errors.add("invite_email", page.console.chrome.bad_email);
    }
    let view = view_with(
        page,
        &staff,
        &services,
        NewAccount::default(),
        typed,
        errors,
    )
    .await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

#[derive(Template)]
#[template(path = "console/invite.html")]
pub struct InvitePage {
    page: Page,
    action: String,
    email: String,
    role: &'static str,
    errors: FieldErrors,
    min_length: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Chosen {
    password: String,
    repeat: String,
}

async fn open(
    page: &Page,
    services: &Services,
    token: &str,
) -> Result<users::OpenInvite, PageError> {
    users::invite_open(&services.db, token)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::Gone))
}

pub async fn form(
    page: Page,
    token: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let invite = open(&page, &services, &token).await?;
    Ok(render(
        StatusCode::OK,
        &InvitePage {
            page,
            action: format!("/invite/{token}"),
            email: invite.email,
            role: invite.role.as_str(),
            errors: FieldErrors::default(),
            min_length: users::MIN_LENGTH,
        },
    ))
}

pub async fn accept(
    page: Page,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<Chosen>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let invite = open(&page, &services, &token).await?;
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    if form.password != form.repeat {
        errors.add("repeat", page.console.setup.passwords_differ);
    }
    if errors.is_empty() {
        let ip = Sender::of(&req).ip;
        match users::accept_invite(&services.db, &token, form.password, ip).await {
            Ok(user) => {
                page.session().sign_in(SignedInAs {
                    user_id: user.id,
                    epoch: user.session_epoch,
                });
                page.session().set_flash(&(page.console.invites.welcome)(
                    &user.email,
                    user.role.as_str(),
                ));
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/admin"))
                    .finish());
            }
            Err(InviteError::Closed | InviteError::Account(AddUserError::Exists(_))) => {
                return Err(page.error(Problem::Gone));
            }
            Err(InviteError::Account(AddUserError::Password(e))) => {
                errors.add("password", (page.console.chrome.password_rule)(&e));
            }
            Err(InviteError::Account(AddUserError::BadEmail(_))) => {
                return Err(page.error(Problem::Gone));
            }
            Err(InviteError::Account(AddUserError::Other(e))) => return Err(page.internal(e)),
        }
    }
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &InvitePage {
            page,
            action: format!("/invite/{token}"),
            email: invite.email,
            role: invite.role.as_str(),
            errors,
            min_length: users::MIN_LENGTH,
        },
    ))
}
