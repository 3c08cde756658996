//! `/`: what this site is, for a person who lands on it, and where staff and
//! developers go next. Before the first staff account exists, it says where the
//! setup link is.

use crate::services::Services;
use crate::users;
use crate::web::page::{Page, PageError};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "public/landing.html")]
pub struct LandingPage {
    page: Page,
    setup_pending: bool,
}

pub async fn show(page: Page, services: web::Data<Services>) -> Result<LandingPage, PageError> {
    let staff_exist = users::any(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    Ok(LandingPage {
        page,
        setup_pending: !staff_exist,
    })
}
