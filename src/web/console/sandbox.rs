//! `/sandbox`: the phone simulator, for any signed-in member of staff. They pick
//! or make a pretend person on a sandbox number and play them: what they write,
//! tap or scan reaches Assent through the webhook intake, signed as Meta signs
//! (`providers::sandbox::phone`), and their phone shows what Assent sent back.

use crate::contacts::{self, Contact};
use crate::domain::PhoneNumber;
use crate::entry_points::{self, EntryPoint};
use crate::inbound::intake::Intake;
use crate::numbers::{self, BusinessNumber, ProviderKind};
use crate::providers::sandbox::phone::{self, Act, Bubble, Side};
use crate::services::Services;
use crate::users::Area;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

/// How many people the simulator lists.
const PEOPLE: i64 = 50;

/// What an id, a label or a code sent with a tap may measure.
const MAX_FIELD: usize = 512;

pub struct PersonRow {
    id: String,
    who: String,
}

#[derive(Template)]
#[template(path = "console/sandbox.html")]
pub struct HomePage {
    page: Page,
    numbers: Vec<(String, String)>,
    number: Option<String>,
    open: bool,
    people: Vec<PersonRow>,
    phone: String,
    scan: String,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "console/sandbox_phone.html")]
pub struct PhonePage {
    page: Page,
    contact_id: String,
    who: String,
    business: String,
    open: bool,
    bubbles: Vec<Bubble>,
    refresh: bool,
    /// Whether the viewer may open the person's record (compliance staff).
    record: bool,
    entry_points: Vec<EntryPoint>,
    text: String,
    code: String,
    errors: FieldErrors,
}

impl PhonePage {
    fn mine(bubble: &Bubble) -> bool {
        bubble.side == Side::Person
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Choice {
    number: String,
    scan: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NewPerson {
    number: String,
    phone: String,
    scan: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Draft {
    draft: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Written {
    text: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Tapped {
    kind: String,
    id: String,
    label: String,
    context: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct Scanned {
    code: String,
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to.to_owned()))
        .finish()
}

fn shown(contact: &Contact) -> String {
    contact
        .wa_id
        .as_deref()
        .map(|w| format!("+{w}"))
        .or_else(|| contact.user_id.clone())
        .unwrap_or_default()
}

async fn all_numbers(page: &Page, services: &Services) -> Result<Vec<BusinessNumber>, PageError> {
    numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))
}

async fn home_view(
    page: Page,
    services: &Services,
    chosen: &str,
    typed: NewPerson,
    errors: FieldErrors,
) -> Result<HomePage, PageError> {
    let all = all_numbers(&page, services).await?;
    let sandboxes: Vec<&BusinessNumber> = all
        .iter()
        .filter(|n| n.provider() == ProviderKind::Sandbox)
        .collect();
    let number = sandboxes
        .iter()
        .find(|n| n.id == chosen)
        .or(sandboxes.first())
        .copied();
    let mut people = Vec::new();
    if let Some(n) = number {
        let mut conn = services
            .db
            .pool
            .acquire()
            .await
            .map_err(|e| page.internal(e))?;
        people = contacts::newest(&mut conn, &n.id, PEOPLE)
            .await
            .map_err(|e| page.internal(e))?
            .iter()
            .map(|c| PersonRow {
                id: c.id.clone(),
                who: shown(c),
            })
            .collect();
    }
    Ok(HomePage {
        open: number.is_some_and(|n| phone::open(&all, n)),
        numbers: sandboxes
            .iter()
            .map(|n| (n.id.clone(), format!("{} ({})", n.name(), n.display_number)))
            .collect(),
        number: number.map(|n| n.id.clone()),
        people,
        phone: typed.phone,
        scan: typed.scan,
        errors,
        page,
    })
}

/// `GET /sandbox`
pub async fn home(
    page: Page,
    query: web::Query<Choice>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let Choice { number, scan } = query.into_inner();
    let typed = NewPerson {
        scan,
        ..NewPerson::default()
    };
    let view = home_view(page, &services, &number, typed, FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

/// `POST /sandbox/people`: a new pretend person (or one already there), then
/// their phone, scanning an entry point first when one was named.
pub async fn add_person(
    page: Page,
    form: web::Form<NewPerson>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = form.into_inner();
    let all = all_numbers(&page, &services).await?;
    let sandboxes = || all.iter().filter(|n| n.provider() == ProviderKind::Sandbox);
    let Some(number) = sandboxes()
        .find(|n| n.id == typed.number)
        .or_else(|| sandboxes().next())
    else {
        return Err(page.error(Problem::NotFound));
    };
    let phone = match PhoneNumber::parse(&typed.phone) {
        Ok(p) => p,
        Err(e) => {
            let mut errors = FieldErrors::default();
            errors.add("phone", page.t.phone_problem(&e));
            let id = number.id.clone();
            let view = home_view(page, &services, &id, typed, errors).await?;
            return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
        }
    };
    let contact = phone::person(&services.db, number, phone)
        .await
        .map_err(|e| page.internal(e))?;
    let code = typed.scan.trim();
    if !code.is_empty() && code.len() <= MAX_FIELD {
        return scan_for(&page, &services, number, &contact, code).await;
    }
    Ok(see_other(&format!("/sandbox/{}", contact.id)))
}

/// The person and their sandbox number; anyone else's is not the simulator's.
async fn person(
    page: &Page,
    services: &Services,
    id: &str,
) -> Result<(Vec<BusinessNumber>, BusinessNumber, Contact), PageError> {
    let mut conn = services
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| page.internal(e))?;
    let contact = contacts::find_by_id(&mut conn, id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))?;
    drop(conn);
    let all = all_numbers(page, services).await?;
    let number = all
        .iter()
        .find(|n| n.id == contact.business_number_id && n.provider() == ProviderKind::Sandbox)
        .cloned()
        .ok_or_else(|| page.error(Problem::NotFound))?;
    if contact.wa_id.is_none() {
        return Err(page.error(Problem::NotFound));
    }
    Ok((all, number, contact))
}

#[allow(clippy::too_many_arguments)]
async fn phone_view(
    page: Page,
    services: &Services,
    all: &[BusinessNumber],
    number: &BusinessNumber,
    contact: &Contact,
    text: String,
    code: String,
    errors: FieldErrors,
) -> Result<PhonePage, PageError> {
    let open = phone::open(all, number);
    let mut conn = services
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| page.internal(e))?;
    let mut chat = phone::chat(&mut conn, contact)
        .await
        .map_err(|e| page.internal(e))?;
    drop(conn);
    // Opening the chat reads what was delivered, as WhatsApp reports it.
    if open
        && let Some(wa_id) = &contact.wa_id
        && phone::read(services, number, wa_id, &chat.unread)
            .await
            .map_err(|e| page.internal(e))?
            .is_some()
    {
        chat.in_flight = true;
    }
    let entry_points = entry_points::of_number(&services.db, number)
        .await
        .map_err(|e| page.internal(e))?;
    Ok(PhonePage {
        contact_id: contact.id.clone(),
        who: shown(contact),
        business: number.name().to_owned(),
        open,
        bubbles: chat.bubbles,
        refresh: chat.in_flight && errors.is_empty(),
        record: page
            .user
            .as_ref()
            .is_some_and(|u| u.role.may(Area::Compliance)),
        entry_points,
        text,
        code,
        errors,
        page,
    })
}

/// `GET /sandbox/{contact}`: the person's phone; `?draft=CODE` types in the
/// text of the entry point they just scanned.
pub async fn show(
    page: Page,
    path: web::Path<String>,
    query: web::Query<Draft>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (all, number, contact) = person(&page, &services, &path).await?;
    let draft = query.into_inner().draft;
    let text = if draft.is_empty() {
        String::new()
    } else {
        entry_points::by_code(&services.db, &number, &draft)
            .await
            .map_err(|e| page.internal(e))?
            .map(|ep| ep.prefilled_text)
            .unwrap_or_default()
    };
    let view = phone_view(
        page,
        &services,
        &all,
        &number,
        &contact,
        text,
        draft,
        FieldErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

/// Sends the act, then back to the phone (the flash says when Assent refused it).
async fn perform(
    page: &Page,
    services: &Services,
    number: &BusinessNumber,
    contact: &Contact,
    act: Act<'_>,
) -> Result<HttpResponse, PageError> {
    let wa_id = contact.wa_id.as_deref().unwrap_or_default();
    let outcome = phone::act(services, number, wa_id, act)
        .await
        .map_err(|e| page.internal(e))?;
    if matches!(outcome, Intake::BadSignature | Intake::NotJson) {
        page.session().set_flash(page.console.sandbox.refused);
    }
    // To the message box: the newest messages are just above it.
    Ok(see_other(&format!("/sandbox/{}#text", contact.id)))
}

/// `POST /sandbox/{contact}/write`
pub async fn write(
    page: Page,
    path: web::Path<String>,
    form: web::Form<Written>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (all, number, contact) = person(&page, &services, &path).await?;
    let text = form.into_inner().text;
    let mut errors = FieldErrors::default();
    let t = &page.console.sandbox;
    if text.trim().is_empty() {
        errors.add("text", t.empty_message);
    } else if text.chars().count() > phone::MAX_TEXT {
        errors.add("text", (t.too_long)(phone::MAX_TEXT));
    }
    if !errors.is_empty() || !phone::open(&all, &number) {
        let view = phone_view(
            page,
            &services,
            &all,
            &number,
            &contact,
            text,
            String::new(),
            errors,
        )
        .await?;
        return Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view));
    }
    perform(&page, &services, &number, &contact, Act::Write(&text)).await
}

/// `POST /sandbox/{contact}/tap`
pub async fn tap(
    page: Page,
    path: web::Path<String>,
    form: web::Form<Tapped>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (_, number, contact) = person(&page, &services, &path).await?;
    let Tapped {
        kind,
        id,
        label,
        context,
    } = form.into_inner();
    if [&id, &label, &context]
        .iter()
        .any(|f| f.is_empty() || f.len() > MAX_FIELD)
    {
        return Err(page.error(Problem::BadRequest));
    }
    let act = match kind.as_str() {
        "reply" => Act::Reply {
            id: &id,
            title: &label,
            context: &context,
        },
        "quick_reply" => Act::QuickReply {
            payload: &id,
            text: &label,
            context: &context,
        },
        _ => return Err(page.error(Problem::BadRequest)),
    };
    perform(&page, &services, &number, &contact, act).await
}

/// `POST /sandbox/{contact}/scan`: counts the visit, as the QR code's tracking
/// link does, and opens the chat with the entry point's text typed in.
pub async fn scan(
    page: Page,
    path: web::Path<String>,
    form: web::Form<Scanned>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let (_, number, contact) = person(&page, &services, &path).await?;
    let code = form.into_inner().code;
    scan_for(&page, &services, &number, &contact, code.trim()).await
}

async fn scan_for(
    page: &Page,
    services: &Services,
    number: &BusinessNumber,
    contact: &Contact,
    code: &str,
) -> Result<HttpResponse, PageError> {
    let known = code.len() <= MAX_FIELD
        && entry_points::by_code(&services.db, number, code)
            .await
            .map_err(|e| page.internal(e))?
            .is_some();
    if !known {
        page.session()
            .set_flash(page.console.sandbox.unknown_entry_point);
        return Ok(see_other(&format!("/sandbox/{}", contact.id)));
    }
    entry_points::visit(&services.db, code)
        .await
        .map_err(|e| page.internal(e))?;
    page.session()
        .set_flash(&(page.console.sandbox.scanned)(code));
    let query = serde_urlencoded::to_string([("draft", code)]).unwrap_or_default();
    Ok(see_other(&format!("/sandbox/{}?{query}#text", contact.id)))
}
