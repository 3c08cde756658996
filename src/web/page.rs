//! What every page shares (language, CSRF token, flash message, signed-in user),
//! and how pages answer errors: as a page with the right status, in the person's
//! language.

use super::assets::{self, Assets};
use super::console::text::{self as console_text, ConsoleText};
use super::session::TypedSession;
use super::text::Text;
use crate::domain::Locale;
use crate::users::User;
use actix_web::http::StatusCode;
use actix_web::http::header::{ACCEPT_LANGUAGE, ALLOW, CONTENT_TYPE};
use actix_web::{FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, dev::Payload};
use askama::Template;
use std::future::{Ready, ready};

pub struct Page {
    pub locale: Locale,
    pub t: &'static Text,
    /// The console's words (`console::text`).
    pub console: &'static ConsoleText,
    pub assets: &'static Assets,
    pub flash: Option<String>,
    /// The signed-in staff member (console pages only).
    pub user: Option<User>,
    /// Staff pages are in English and offer no language choice.
    pub staff: bool,
    path: String,
    query: Vec<(String, String)>,
    session: TypedSession,
    secret: std::sync::Arc<[u8]>,
}

pub struct LanguageLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

impl Page {
    /// The CSRF token for the hidden field of every form: the session's on staff
    /// pages, one sealed for this page's path on public ones (no cookie).
    pub fn csrf_token(&self) -> String {
        if self.staff {
            self.session.csrf_token()
        } else {
            super::csrf::public_token(&self.secret, &self.path)
        }
    }

    /// The same page in each language.
    pub fn languages(&self) -> Vec<LanguageLink> {
        language_links(&self.path, &self.query, self.locale)
    }

    /// The console's sections the signed-in user's role may open, for the menu.
    pub fn console_links(&self) -> Vec<(&'static str, &'static str)> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        super::console::SECTIONS
            .iter()
            .filter(|(_, _, area)| user.role.may(*area))
            .map(|(href, name, _)| (*href, name(&self.console.menu)))
            .collect()
    }

    /// A staff page: English, whatever the browser prefers.
    pub fn for_staff(mut self) -> Self {
        self.staff = true;
        self.locale = Locale::En;
        self.t = Text::of(Locale::En);
        self
    }

    pub fn session(&self) -> &TypedSession {
        &self.session
    }

    pub fn error(&self, problem: Problem) -> PageError {
        PageError {
            problem,
            locale: self.locale,
            path: self.path.clone(),
            query: self.query.clone(),
            staff: self.staff,
        }
    }

    /// A fault of ours: logged with its cause, answered with a 500 page.
    pub fn internal(&self, e: impl Into<anyhow::Error>) -> PageError {
        tracing::error!(error = %format!("{:#}", e.into()), "page failed");
        self.error(Problem::Internal)
    }
}

fn language_links(path: &str, query: &[(String, String)], current: Locale) -> Vec<LanguageLink> {
    Locale::ALL
        .into_iter()
        .map(|l| {
            let mut query: Vec<(&str, &str)> = query
                .iter()
                .filter(|(k, _)| k != "lang")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            query.push(("lang", l.code()));
            let encoded = serde_urlencoded::to_string(&query).unwrap_or_default();
            LanguageLink {
                code: l.code(),
                name: Text::of(l).language_name,
                href: format!("{path}?{encoded}"),
                current: l == current,
            }
        })
        .collect()
}

/// The language of a request: `?lang=` (the language links keep it), else
/// `Accept-Language`, else English.
pub fn locale_of(req: &HttpRequest) -> Locale {
    chosen(req)
        .or_else(|| {
            req.headers()
                .get(ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Locale::negotiate)
        })
        .unwrap_or_default()
}

fn chosen(req: &HttpRequest) -> Option<Locale> {
    query(req)
        .into_iter()
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Locale::parse(&v).ok())
}

fn query(req: &HttpRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(req.query_string()).unwrap_or_default()
}

impl FromRequest for Page {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let session = TypedSession::from_request(req, &mut Payload::None).into_inner();
        let session = match session {
            Ok(s) => s,
            Err(e) => return ready(Err(e)),
        };
        let Some(services) = req.app_data::<actix_web::web::Data<crate::services::Services>>()
        else {
            return ready(Err(actix_web::error::ErrorInternalServerError(
                "no services",
            )));
        };
        let locale = locale_of(req);
        ready(Ok(Page {
            locale,
            t: Text::of(locale),
            // Staff pages are in English; another language is one more static.
            console: &console_text::EN,
            assets: assets::urls(),
            flash: session.take_flash(),
            user: req.extensions().get::<User>().cloned(),
            staff: false,
            path: req.path().to_owned(),
            query: query(req),
            session,
            secret: services.secret.clone(),
        }))
    }
}

/// Renders a page with a status (a form that failed comes back with 422).
pub fn render(status: StatusCode, page: &impl Template) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "page could not be rendered");
            HttpResponse::InternalServerError()
                .insert_header((CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body("500: the page could not be rendered; the error was logged.")
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    BadRequest,
    Forbidden,
    /// A form without its CSRF token, or sent from another site.
    Csrf,
    NotFound,
    /// The methods the page does answer, for `Allow`.
    MethodNotAllowed(String),
    Gone,
    /// A person's link (preference center, pre-filled form) that we did not make.
    LinkForged,
    /// A person's link past its time.
    LinkExpired,
    TooManyRequests,
    Internal,
}

#[derive(Debug)]
pub struct PageError {
    problem: Problem,
    locale: Locale,
    /// Where it happened, for the links to the same page in other languages.
    path: String,
    query: Vec<(String, String)>,
    staff: bool,
}

impl PageError {
    pub fn new(problem: Problem, req: &HttpRequest) -> Self {
        Self {
            problem,
            locale: locale_of(req),
            path: req.path().to_owned(),
            query: query(req),
            staff: false,
        }
    }

    /// The same error on a console page: English, no language choice.
    pub fn on_console(mut self) -> Self {
        self.staff = true;
        self.locale = Locale::En;
        self
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    page: ErrorChrome,
    title: &'a str,
    message: &'a str,
}

/// The base template's needs, without a session: an error page has no form.
struct ErrorChrome {
    locale: Locale,
    t: &'static Text,
    assets: &'static Assets,
    flash: Option<String>,
    staff: bool,
    languages: Vec<LanguageLink>,
}

impl ErrorChrome {
    fn languages(&self) -> &[LanguageLink] {
        &self.languages
    }
}

impl std::fmt::Display for PageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.problem)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self.problem {
            Problem::BadRequest => StatusCode::BAD_REQUEST,
            Problem::Forbidden | Problem::Csrf => StatusCode::FORBIDDEN,
            Problem::NotFound => StatusCode::NOT_FOUND,
            Problem::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Problem::Gone | Problem::LinkExpired => StatusCode::GONE,
            Problem::LinkForged => StatusCode::FORBIDDEN,
            Problem::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Problem::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let t = Text::of(self.locale);
        let (title, message) = match &self.problem {
            Problem::BadRequest => (t.bad_request_title, t.bad_request),
            Problem::Forbidden => (t.forbidden_title, t.forbidden),
            Problem::Csrf => (t.csrf_title, t.csrf),
            Problem::NotFound => (t.not_found_title, t.not_found),
            Problem::MethodNotAllowed(_) => (t.method_title, t.method),
            Problem::Gone => (t.gone_title, t.gone),
            Problem::LinkForged => (t.link_forged_title, t.link_new),
            Problem::LinkExpired => (t.link_expired_title, t.link_new),
            Problem::TooManyRequests => (t.too_many_title, t.too_many),
            Problem::Internal => (t.internal_title, t.internal),
        };
        let page = ErrorPage {
            page: ErrorChrome {
                locale: self.locale,
                t,
                assets: assets::urls(),
                flash: None,
                staff: self.staff,
                languages: language_links(&self.path, &self.query, self.locale),
            },
            title,
            message,
        };
        let mut response = render(self.status_code(), &page);
        if let Problem::MethodNotAllowed(allow) = &self.problem
            && let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow)
        {
            response.headers_mut().insert(ALLOW, value);
        }
        response
    }
}
