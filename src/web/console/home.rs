//! `/admin`: the console's first page: who is signed in, and the business numbers
//! this instance serves (the overview the public landing page no longer shows).

use crate::numbers;
use crate::services::Services;
use crate::web::page::{Page, PageError};
use actix_web::web;
use askama::Template;
use askama_web::WebTemplate;

pub struct NumberRow {
    phone_number_id: String,
    display_number: String,
    name: String,
    provider: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "console/home.html")]
pub struct HomePage {
    page: Page,
    numbers: Vec<NumberRow>,
}

pub async fn show(page: Page, services: web::Data<Services>) -> Result<HomePage, PageError> {
    let page = page.for_staff();
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|n| NumberRow {
            name: n.name().to_owned(),
            provider: n.provider().as_str(),
            phone_number_id: n.phone_number_id,
            display_number: n.display_number,
        })
        .collect();
    Ok(HomePage { page, numbers })
}
