//! `/login` and `/logout`. A wrong email, a wrong password and a disabled account
//! get the same answer (and take the same time: see `users::sign_in`); too many
//! attempts get a 429 page.

use crate::services::Services;
use crate::users::{self, SignIn};
use crate::web::form::{FieldErrors, Sender, local_path};
use crate::web::page::{Page, PageError, Problem, render};
use crate::web::session::SignedInAs;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const HOME: &str = "/admin";

#[derive(Template)]
#[template(path = "console/sign_in.html")]
pub struct SignInPage {
    page: Page,
    email: String,
    next: String,
    errors: FieldErrors,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Wanted {
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SignInForm {
    email: String,
    password: String,
    next: String,
}

pub async fn form(page: Page, wanted: web::Query<Wanted>) -> HttpResponse {
    let page = page.for_staff();
    let form = SignInPage {
        page,
        email: String::new(),
        next: local_path(&wanted.next).unwrap_or(HOME).to_owned(),
        errors: FieldErrors::default(),
    };
    render(StatusCode::OK, &form)
}

pub async fn submit(
    page: Page,
    req: HttpRequest,
    form: web::Form<SignInForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let form = form.into_inner();
    let next = local_path(&form.next).unwrap_or(HOME).to_owned();
    let mut errors = FieldErrors::default();
    let email = form.email.trim();
    if email.is_empty() {
        errors.add("email", page.console.sign_in.email_missing);
    }
    if form.password.is_empty() {
        errors.add("password", page.console.sign_in.password_missing);
    }
    if errors.is_empty() {
        let ip = Sender::of(&req).ip;
        let attempt = users::sign_in(
            &services.db,
            &services.secret,
            email,
            &form.password,
            ip.as_deref(),
        )
        .await
        .map_err(|e| page.internal(e))?;
        match attempt {
            SignIn::Welcome(user) => {
                page.session().sign_in(SignedInAs {
                    user_id: user.id,
                    epoch: user.session_epoch,
                });
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, next))
                    .finish());
            }
            SignIn::Refused => errors.add("", page.console.sign_in.refused),
            SignIn::Throttled => return Err(page.error(Problem::TooManyRequests)),
        }
    }
    // The password is never sent back; what else was typed is.
    let again = SignInPage {
        page,
        email: form.email,
        next,
        errors,
    };
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &again))
}

pub async fn sign_out(page: Page) -> HttpResponse {
    page.session().sign_out();
    page.session().set_flash(page.console.sign_in.signed_out);
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/login"))
        .finish()
}
