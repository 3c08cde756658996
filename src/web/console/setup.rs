//! `/setup/{token}`: the first-run link `assent serve` prints while no staff
//! account exists. It creates the first admin and signs them in; afterwards (or
//! when it has expired) it is a 410 page.

use crate::services::Services;
use crate::users::{self, AddUserError, SetupError};
use crate::web::form::{FieldErrors, Sender};
use crate::web::page::{Page, PageError, Problem, render};
use crate::web::session::SignedInAs;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "console/setup.html")]
pub struct SetupPage {
    page: Page,
    action: String,
    email: String,
    errors: FieldErrors,
    min_length: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FirstAdmin {
    email: String,
    password: String,
    repeat: String,
}

pub async fn form(
    page: Page,
    token: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let open = users::setup_link_open(&services.db, &token)
        .await
        .map_err(|e| page.internal(e))?;
    if !open {
        return Err(page.error(Problem::Gone));
    }
    Ok(render(
        StatusCode::OK,
        &SetupPage {
            page,
            action: format!("/setup/{token}"),
            email: String::new(),
            errors: FieldErrors::default(),
            min_length: users::MIN_LENGTH,
        },
    ))
}

pub async fn submit(
    page: Page,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<FirstAdmin>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    if form.password != form.repeat {
        errors.add("repeat", page.console.setup.passwords_differ);
    }
    if errors.is_empty() {
        let ip = Sender::of(&req).ip;
        match users::create_first_admin(&services.db, &token, &form.email, form.password, ip).await
        {
            Ok(user) => {
                page.session().sign_in(SignedInAs {
                    user_id: user.id,
                    epoch: user.session_epoch,
                });
                page.session().set_flash(page.console.setup.welcome);
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/admin"))
                    .finish());
            }
            Err(SetupError::Closed) => return Err(page.error(Problem::Gone)),
            Err(SetupError::Account(AddUserError::BadEmail(_))) => {
                errors.add("email", page.console.chrome.bad_email);
            }
            Err(SetupError::Account(AddUserError::Password(e))) => {
                errors.add("password", (page.console.chrome.password_rule)(&e));
            }
            Err(SetupError::Account(AddUserError::Exists(_))) => {
                return Err(page.error(Problem::Gone));
            }
            Err(SetupError::Account(AddUserError::Other(e))) => return Err(page.internal(e)),
        }
    }
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &SetupPage {
            page,
            action: format!("/setup/{token}"),
            email: form.email,
            errors,
            min_length: users::MIN_LENGTH,
        },
    ))
}
