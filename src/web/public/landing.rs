//! `/`: what this site is, for a person who lands on it, and where staff and
//! developers go next.

use crate::web::page::Page;
use askama::Template;
use askama_web::WebTemplate;

#[derive(Template, WebTemplate)]
#[template(path = "public/landing.html")]
pub struct LandingPage {
    page: Page,
}

pub async fn show(page: Page) -> LandingPage {
    LandingPage { page }
}
