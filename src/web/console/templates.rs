//! `/admin/templates`: an admin reads every number's WhatsApp templates with
//! their consent category, maps one to a category or unmaps it (a template
//! without a category cannot be sent, and the page says so beside it), and, for
//! a Cloud API number with its business account id, imports the approved
//! templates from Meta with a category proposed by Meta's. Each change is in
//! the audit log (`message_templates` records it with the change).

use super::Staff;
use crate::categories::{self, Category};
use crate::domain::{CategoryKind, CategoryName};
use crate::message_templates::{self as templates, MapError, MetaCategory, Template};
use crate::numbers::{self, BusinessNumber, ProviderKind};
use crate::providers::TemplatesError;
use crate::services::Services;
use crate::web::page::{Page, PageError, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

pub struct Row {
    t: Template,
    /// Whether Meta's category is one Assent knows.
    known_meta: bool,
    marketing: bool,
    /// A map that failed on this row: the category chosen and why.
    failed: Option<(String, &'static str)>,
}

impl Row {
    /// The category the select shows chosen.
    fn chosen(&self) -> &str {
        match &self.failed {
            Some((typed, _)) => typed,
            None => self.t.consent_category.as_deref().unwrap_or_default(),
        }
    }
}

pub struct Section {
    number: BusinessNumber,
    rows: Vec<Row>,
    /// Import from Meta: offered (a Cloud API number with its account id), or
    /// `false` for a Cloud API number still without one.
    import: Option<bool>,
}

#[derive(askama::Template)]
#[template(path = "console/templates.html")]
pub struct TemplatesPage {
    page: Page,
    sections: Vec<Section>,
    categories: Vec<Category>,
}

impl TemplatesPage {
    /// The categories a template may take: marketing ones only for MARKETING.
    fn choices(&self, row: &Row) -> Vec<&Category> {
        self.categories
            .iter()
            .filter(|c| !row.marketing || c.kind == CategoryKind::Marketing)
            .collect()
    }
}

async fn view(
    page: Page,
    services: &Services,
    failed: Option<(&str, String, &'static str)>,
) -> Result<TemplatesPage, PageError> {
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    let mut sections = Vec::with_capacity(numbers.len());
    for number in numbers {
        let rows = templates::of_number(&services.db, &number.id)
            .await
            .map_err(|e| page.internal(e))?
            .into_iter()
            .map(|t| {
                let meta = MetaCategory::parse(&t.meta_category);
                Row {
                    failed: failed
                        .as_ref()
                        .filter(|(id, ..)| *id == t.id)
                        .map(|(_, typed, why)| (typed.clone(), *why)),
                    known_meta: meta.is_some(),
                    marketing: meta == Some(MetaCategory::Marketing),
                    t,
                }
            })
            .collect();
        let import = (number.provider() == ProviderKind::Cloud).then(|| number.waba_id.is_some());
        sections.push(Section {
            number,
            rows,
            import,
        });
    }
    let categories = categories::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    Ok(TemplatesPage {
        page,
        sections,
        categories,
    })
}

fn back() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, "/admin/templates"))
        .finish()
}

pub async fn list(
    page: Page,
    _staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = view(page, &services, None).await?;
    Ok(render(StatusCode::OK, &view))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MapForm {
    category: String,
}

pub async fn map(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    form: web::Form<MapForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let t = &page.console.templates;
    let typed = form.into_inner().category;
    let why = match CategoryName::parse(typed.trim()) {
        Err(_) if typed.trim().is_empty() => t.choose_category,
        Err(_) => t.unknown_category,
        Ok(name) => match templates::map(&services.db, &staff.doer(), &id, &name).await {
            Ok(done) => {
                page.session()
                    .set_flash(&(t.mapped)(&done.name, &done.language, name.as_str()));
                return Ok(back());
            }
            Err(MapError::NotFound) => {
                page.session().set_flash(t.not_found);
                return Ok(back());
            }
            Err(MapError::UnknownCategory(_)) => t.unknown_category,
            Err(MapError::KindMismatch(..)) => t.kind_mismatch,
            Err(MapError::Db(e)) => return Err(page.internal(e)),
        },
    };
    let view = view(page, &services, Some((&id, typed, why))).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

pub async fn unmap(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let t = &page.console.templates;
    match templates::unmap(&services.db, &staff.doer(), &id)
        .await
        .map_err(|e| page.internal(e))?
    {
        Some(done) => page
            .session()
            .set_flash(&(t.unmapped)(&done.name, &done.language)),
        None => page.session().set_flash(t.not_found),
    }
    Ok(back())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportForm {
    number: String,
}

/// Lists the number's templates at Meta (every page) and adds the approved
/// ones; the answer, good or bad, comes back as the page's message.
pub async fn import(
    page: Page,
    staff: Staff,
    form: web::Form<ImportForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let t = &page.console.templates;
    let mut conn = services
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| page.internal(e))?;
    let number = numbers::by_id(&mut conn, &form.number)
        .await
        .map_err(|e| page.internal(e))?;
    drop(conn);
    let Some(number) = number else {
        page.session().set_flash(t.not_found);
        return Ok(back());
    };
    let said = match services.providers.meta_templates(&number).await {
        Ok(listed) => {
            let done = templates::import(&services.db, &staff.doer(), &number.id, &listed)
                .await
                .map_err(|e| page.internal(e))?;
            (t.imported)(
                done.mapped,
                done.unmapped,
                done.known,
                done.not_approved,
                done.unusable,
            )
        }
        Err(e) => match e {
            TemplatesError::NotCloud => t.import_not_cloud.to_owned(),
            TemplatesError::NoWabaId => t.import_no_waba.to_owned(),
            TemplatesError::NoToken => t.import_no_token.to_owned(),
            TemplatesError::Refused(m) => (t.import_refused)(&m),
            TemplatesError::UnknownAccount(m) => (t.import_unknown_account)(&m),
            TemplatesError::Unreachable(m) => (t.import_unreachable)(&m),
            TemplatesError::Failed(status, m) => (t.import_failed)(status, &m),
            TemplatesError::TooManyPages => t.import_too_many.to_owned(),
        },
    };
    page.session().set_flash(&said);
    Ok(back())
}
