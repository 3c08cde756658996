//! `/admin/numbers`: an admin lists the business numbers, adds one, and on a
//! number's page (`/admin/numbers/{id}`) changes its settings and tests its
//! provider connection. The rules are `numbers`' (the same as `assent number
//! add`); the secrets (access token, app secret, verify token) are write-only:
//! the page says whether each is set, and an empty field keeps the stored one.
//! Each change is in the audit log.

use super::Staff;
use crate::categories::{self, Category};
use crate::domain::PhoneNumber;
use crate::numbers::{self, BusinessNumber, ChatSettings, NewNumber, NumberError, ProviderKind};
use crate::providers::Connection;
use crate::services::Services;
use crate::web::console::text::Numbers;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;

/// The settings form as typed (or as stored, on a number's page). The secrets
/// are never filled in: `*_typed` only says one was typed, for the note that
/// asks to type it again after an error.
#[derive(Default)]
pub struct Typed {
    provider: String,
    phone_number_id: String,
    display_number: String,
    api_base_url: String,
    api_version: String,
    api_key_header: String,
    waba_id: String,
    rate_per_second: String,
    rate_burst: String,
    messaging_limit: String,
    business_name: String,
    default_categories: Vec<String>,
    contact_card: bool,
    help_text: String,
    not_live_reply: String,
    access_token: String,
    app_secret: String,
    verify_token: String,
}

impl Typed {
    fn blank() -> Self {
        Self {
            api_version: "v23.0".into(),
            messaging_limit: "250".into(),
            ..Self::default()
        }
    }

    fn of(n: &BusinessNumber) -> Self {
        Self {
            provider: n.provider().as_str().into(),
            phone_number_id: n.phone_number_id.clone(),
            display_number: n.display_number.clone(),
            api_base_url: n.api_base_url.clone().unwrap_or_default(),
            api_version: n.api_version.clone(),
            api_key_header: n.api_key_header.clone().unwrap_or_default(),
            waba_id: n.waba_id.clone().unwrap_or_default(),
            rate_per_second: n.rate_per_second.to_string(),
            rate_burst: n.rate_burst.to_string(),
            messaging_limit: n.messaging_limit.map(|l| l.to_string()).unwrap_or_default(),
            business_name: n.business_name.clone().unwrap_or_default(),
            default_categories: n
                .default_categories()
                .map(|c| c.to_strings())
                .unwrap_or_default(),
            contact_card: *n.contact_card,
            help_text: n.help_text.clone().unwrap_or_default(),
            not_live_reply: n.not_live_reply.clone().unwrap_or_default(),
            ..Self::default()
        }
    }

    fn from_fields(fields: Vec<(String, String)>) -> Self {
        let mut t = Self::default();
        for (key, value) in fields {
            let slot = match key.as_str() {
                "provider" => &mut t.provider,
                "phone_number_id" => &mut t.phone_number_id,
                "display_number" => &mut t.display_number,
                "api_base_url" => &mut t.api_base_url,
                "api_version" => &mut t.api_version,
                "api_key_header" => &mut t.api_key_header,
                "waba_id" => &mut t.waba_id,
                "rate_per_second" => &mut t.rate_per_second,
                "rate_burst" => &mut t.rate_burst,
                "messaging_limit" => &mut t.messaging_limit,
                "business_name" => &mut t.business_name,
                "help_text" => &mut t.help_text,
                "not_live_reply" => &mut t.not_live_reply,
                "access_token" => &mut t.access_token,
                "app_secret" => &mut t.app_secret,
                "verify_token" => &mut t.verify_token,
                "default_categories" => {
                    t.default_categories.push(value);
                    continue;
                }
                "contact_card" => {
                    t.contact_card = true;
                    continue;
                }
                _ => continue,
            };
            *slot = value;
        }
        t
    }

    fn ticked(&self, category: &str) -> bool {
        self.default_categories.iter().any(|c| c == category)
    }

    /// The settings, or what to fix beside each field.
    fn parse(&self, page: &Page, errors: &mut FieldErrors) -> Option<(NewNumber, ChatSettings)> {
        let t = &page.console.numbers;
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let provider = match self.provider.as_str() {
            "sandbox" => Some(ProviderKind::Sandbox),
            "cloud" => Some(ProviderKind::Cloud),
            "onprem" => Some(ProviderKind::Onprem),
            _ => {
                errors.add("provider", t.choose_provider);
                None
            }
        };
        let display_number = PhoneNumber::parse_business(&self.display_number)
            .map_err(|e| errors.add("display_number", e.to_string()))
            .ok();
        let mut real = |field: &'static str, raw: &str| match some(raw) {
            None => None,
            Some(v) => match v.parse::<f64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.add(field, t.not_a_number);
                    None
                }
            },
        };
        let rate_per_second = real("rate_per_second", &self.rate_per_second);
        let rate_burst = real("rate_burst", &self.rate_burst);
        let messaging_limit = match some(&self.messaging_limit).map(|v| v.parse::<i64>()) {
            None => None,
            Some(Ok(n)) => Some(n),
            Some(Err(_)) => {
                errors.add("messaging_limit", t.not_a_whole_number);
                None
            }
        };
        let chat = ChatSettings::parse(
            some(&self.business_name).as_deref(),
            &self.default_categories,
        )
        .and_then(|mut chat| {
            chat.contact_card = self.contact_card;
            chat.with_texts(Some(&self.help_text), Some(&self.not_live_reply))
        })
        .map_err(|e| number_error(page, errors, e))
        .ok();
        let (Some(provider), Some(display_number), Some(chat)) = (provider, display_number, chat)
        else {
            return None;
        };
        if !errors.is_empty() {
            return None;
        }
        // A secret is taken as typed (no trimming: it is someone else's string),
        // and an empty field keeps the stored one.
        let secret = |s: &str| Some(s.to_owned()).filter(|s| !s.is_empty());
        let new = NewNumber {
            phone_number_id: self.phone_number_id.trim().to_owned(),
            display_number,
            provider,
            api_base_url: some(&self.api_base_url),
            api_version: self.api_version.trim().to_owned(),
            access_token: secret(&self.access_token),
            api_key_header: some(&self.api_key_header),
            app_secret: secret(&self.app_secret),
            verify_token: secret(&self.verify_token),
            rate_per_second,
            rate_burst,
            messaging_limit,
            waba_id: some(&self.waba_id),
        };
        Some((new, chat))
    }
}

/// A rule of `numbers` broken: the message beside its field.
fn number_error(page: &Page, errors: &mut FieldErrors, e: NumberError) -> Option<anyhow::Error> {
    match e {
        NumberError::Invalid { field, problem } => {
            errors.add(field, problem);
            None
        }
        NumberError::Exists(_) => {
            errors.add("phone_number_id", page.console.numbers.exists);
            None
        }
        NumberError::Db(e) => Some(e),
    }
}

pub struct Row {
    id: String,
    display_number: String,
    name: String,
    provider: &'static str,
    phone_number_id: String,
}

/// Whether each secret is stored: all the page ever says of them.
#[derive(Default, Clone, Copy)]
pub struct Stored {
    access_token: bool,
    app_secret: bool,
    verify_token: bool,
}

/// The settings form, as both pages show it.
pub struct Form {
    typed: Typed,
    errors: FieldErrors,
    stored: Stored,
    categories: Vec<Category>,
}

/// One text field of the form: `mode` is the input mode a phone keyboard
/// follows, or `area` for a text area.
pub struct Field {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: String,
    mode: &'static str,
}

/// One secret's field: whether one is stored, and whether one was typed (and
/// not shown again).
pub struct Secret {
    name: &'static str,
    label: &'static str,
    stored: bool,
    typed: bool,
}

fn field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    value: &str,
    mode: &'static str,
) -> Field {
    Field {
        name,
        label,
        hint,
        value: value.to_owned(),
        mode,
    }
}

impl Form {
    fn providers(&self, t: &Numbers) -> [(&'static str, &'static str); 3] {
        [
            ("cloud", t.cloud),
            ("onprem", t.onprem),
            ("sandbox", t.sandbox),
        ]
    }

    fn provider_fields(&self, t: &Numbers) -> Vec<Field> {
        let v = &self.typed;
        vec![
            field(
                "phone_number_id",
                t.phone_number_id,
                t.phone_number_id_hint,
                &v.phone_number_id,
                "numeric",
            ),
            field(
                "display_number",
                t.display_number,
                t.display_number_hint,
                &v.display_number,
                "tel",
            ),
            field(
                "api_base_url",
                t.api_base_url,
                t.api_base_url_hint,
                &v.api_base_url,
                "url",
            ),
            field("api_version", t.api_version, "", &v.api_version, "text"),
            field("waba_id", t.waba_id, t.waba_id_hint, &v.waba_id, "numeric"),
            field(
                "api_key_header",
                t.api_key_header,
                t.api_key_header_hint,
                &v.api_key_header,
                "text",
            ),
        ]
    }

    fn secrets(&self, t: &Numbers) -> [Secret; 3] {
        let v = &self.typed;
        [
            Secret {
                name: "access_token",
                label: t.access_token,
                stored: self.stored.access_token,
                typed: !v.access_token.is_empty(),
            },
            Secret {
                name: "app_secret",
                label: t.app_secret,
                stored: self.stored.app_secret,
                typed: !v.app_secret.is_empty(),
            },
            Secret {
                name: "verify_token",
                label: t.verify_token,
                stored: self.stored.verify_token,
                typed: !v.verify_token.is_empty(),
            },
        ]
    }

    fn limit_fields(&self, t: &Numbers) -> Vec<Field> {
        let v = &self.typed;
        vec![
            field(
                "rate_per_second",
                t.rate_per_second,
                "",
                &v.rate_per_second,
                "decimal",
            ),
            field("rate_burst", t.rate_burst, "", &v.rate_burst, "decimal"),
            field(
                "messaging_limit",
                t.messaging_limit,
                t.messaging_limit_hint,
                &v.messaging_limit,
                "numeric",
            ),
        ]
    }

    fn chat_fields(&self, t: &Numbers) -> Vec<Field> {
        vec![field(
            "business_name",
            t.business_name,
            t.business_name_hint,
            &self.typed.business_name,
            "text",
        )]
    }

    fn text_areas(&self, t: &Numbers) -> Vec<Field> {
        let v = &self.typed;
        vec![
            field(
                "help_text",
                t.help_text,
                t.help_text_hint,
                &v.help_text,
                "area",
            ),
            field(
                "not_live_reply",
                t.not_live_reply,
                t.not_live_reply_hint,
                &v.not_live_reply,
                "area",
            ),
        ]
    }
}

#[derive(Template)]
#[template(path = "console/numbers.html")]
pub struct NumbersPage {
    page: Page,
    numbers: Vec<Row>,
    form: Form,
}

#[derive(Template)]
#[template(path = "console/number.html")]
pub struct NumberPage {
    page: Page,
    id: String,
    display_number: String,
    form: Form,
    /// The connection test's answer, in words, and whether all is well.
    tested: Option<(bool, Vec<String>)>,
}

fn provider_name(page: &Page, kind: ProviderKind) -> &'static str {
    let t = &page.console.numbers;
    match kind {
        ProviderKind::Sandbox => t.sandbox,
        ProviderKind::Cloud => t.cloud,
        ProviderKind::Onprem => t.onprem,
    }
}

async fn form(
    page: &Page,
    services: &Services,
    typed: Typed,
    errors: FieldErrors,
    stored: Stored,
) -> Result<Form, PageError> {
    let categories = categories::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    Ok(Form {
        typed,
        errors,
        stored,
        categories,
    })
}

async fn list_page(
    page: Page,
    services: &Services,
    typed: Typed,
    errors: FieldErrors,
) -> Result<NumbersPage, PageError> {
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|n| Row {
            provider: provider_name(&page, n.provider()),
            name: n.business_name.clone().unwrap_or_default(),
            id: n.id,
            display_number: n.display_number,
            phone_number_id: n.phone_number_id,
        })
        .collect();
    let form = form(&page, services, typed, errors, Stored::default()).await?;
    Ok(NumbersPage {
        page,
        numbers,
        form,
    })
}

pub async fn list(
    page: Page,
    _staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = list_page(page, &services, Typed::blank(), FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn add(
    page: Page,
    staff: Staff,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = Typed::from_fields(fields.into_inner());
    let mut errors = FieldErrors::default();
    if let Some((new, chat)) = typed.parse(&page, &mut errors) {
        match numbers::add_by(&services.db, &staff.doer(), new, chat).await {
            Ok(number) => {
                page.session()
                    .set_flash(&(page.console.numbers.added)(&number.display_number));
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, format!("/admin/numbers/{}", number.id)))
                    .finish());
            }
            Err(e) => {
                if let Some(e) = number_error(&page, &mut errors, e) {
                    return Err(page.internal(e));
                }
            }
        }
    }
    let view = list_page(page, &services, typed, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

async fn find(page: &Page, services: &Services, id: &str) -> Result<BusinessNumber, PageError> {
    let mut conn = services
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| page.internal(e))?;
    numbers::by_id(&mut conn, id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))
}

fn stored(n: &BusinessNumber) -> Stored {
    let set = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.is_empty());
    Stored {
        access_token: set(&n.access_token),
        app_secret: set(&n.app_secret),
        verify_token: set(&n.verify_token),
    }
}

async fn number_page(
    page: Page,
    services: &Services,
    number: &BusinessNumber,
    typed: Typed,
    errors: FieldErrors,
    tested: Option<(bool, Vec<String>)>,
) -> Result<NumberPage, PageError> {
    let form = form(&page, services, typed, errors, stored(number)).await?;
    Ok(NumberPage {
        page,
        id: number.id.clone(),
        display_number: number.display_number.clone(),
        form,
        tested,
    })
}

pub async fn show(
    page: Page,
    _staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let number = find(&page, &services, &id).await?;
    let typed = Typed::of(&number);
    let view = number_page(
        page,
        &services,
        &number,
        typed,
        FieldErrors::default(),
        None,
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn save(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let number = find(&page, &services, &id).await?;
    let typed = Typed::from_fields(fields.into_inner());
    let mut errors = FieldErrors::default();
    if let Some((new, chat)) = typed.parse(&page, &mut errors) {
        match numbers::update(&services.db, &staff.doer(), &number.id, new, chat).await {
            Ok(_) => {
                page.session().set_flash(page.console.numbers.saved);
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, format!("/admin/numbers/{}", number.id)))
                    .finish());
            }
            Err(e) => {
                if let Some(e) = number_error(&page, &mut errors, e) {
                    return Err(page.internal(e));
                }
            }
        }
    }
    let view = number_page(page, &services, &number, typed, errors, None).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// Asks the provider with the saved settings and shows the answer on the
/// number's page (nothing changes, so nothing to audit).
pub async fn test_connection(
    page: Page,
    _staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let number = find(&page, &services, &id).await?;
    let answer = services.providers.test_connection(&number).await;
    let tested = Some(said(&page, &number, answer));
    let typed = Typed::of(&number);
    let view = number_page(
        page,
        &services,
        &number,
        typed,
        FieldErrors::default(),
        tested,
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

/// The provider's answer in words an admin can act on.
fn said(page: &Page, number: &BusinessNumber, answer: Connection) -> (bool, Vec<String>) {
    let t = &page.console.numbers;
    match answer {
        Connection::Fine {
            verified_name: Some(name),
            display_number: Some(theirs),
        } => {
            let mut lines = vec![(t.test_meta_knows)(&name, &theirs)];
            let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
            if digits(&theirs) != number.display_digits() {
                lines.push((t.test_other_number)(&theirs, &number.display_number));
            }
            (lines.len() == 1, lines)
        }
        Connection::Fine { .. } => (true, vec![t.test_fine.to_owned()]),
        Connection::Sandbox => (true, vec![t.test_sandbox.to_owned()]),
        Connection::NoToken => (false, vec![t.test_no_token.to_owned()]),
        Connection::Refused { message } => (false, vec![(t.test_refused)(&message)]),
        Connection::UnknownNumber { message } => (false, vec![(t.test_unknown_number)(&message)]),
        Connection::Unreachable { why } => (false, vec![(t.test_unreachable)(&why)]),
        Connection::Failed {
            http_status,
            message,
        } => (false, vec![(t.test_failed)(http_status, &message)]),
    }
}
