//! `/admin/account`: the signed-in person changes their own password. Their other
//! sessions end; this one carries on under the account's new epoch.

use super::Staff;
use crate::services::Services;
use crate::users::{self, PasswordChangeError};
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, render};
use crate::web::session::SignedInAs;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "console/account.html")]
pub struct AccountPage {
    page: Page,
    errors: FieldErrors,
    min_length: usize,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current: String,
    new: String,
    repeat: String,
}

pub async fn show(page: Page) -> HttpResponse {
    let page = page.for_staff();
    render(
        StatusCode::OK,
        &AccountPage {
            page,
            errors: FieldErrors::default(),
            min_length: users::MIN_LENGTH,
        },
    )
}

pub async fn change_password(
    page: Page,
    staff: Staff,
    form: web::Form<PasswordForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let form = form.into_inner();
    let mut errors = FieldErrors::default();
    if form.current.is_empty() {
        errors.add("current", page.console.account.current_missing);
    }
    if form.new != form.repeat {
        errors.add("repeat", page.console.account.passwords_differ);
    }
    if errors.is_empty() {
        let changed = users::change_password(
            &services.db,
            &staff.doer(),
            &staff.user,
            &form.current,
            form.new,
        )
        .await;
        match changed {
            Ok(user) => {
                page.session().sign_in(SignedInAs {
                    user_id: user.id,
                    epoch: user.session_epoch,
                });
                page.session().set_flash(page.console.account.changed);
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/admin/account"))
                    .finish());
            }
            Err(PasswordChangeError::WrongCurrent) => {
                errors.add("current", page.console.account.wrong_current);
            }
            Err(PasswordChangeError::Policy(e)) => {
                errors.add("new", (page.console.chrome.password_rule)(&e))
            }
            Err(PasswordChangeError::Other(e)) => return Err(page.internal(e)),
        }
    }
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &AccountPage {
            page,
            errors,
            min_length: users::MIN_LENGTH,
        },
    ))
}
