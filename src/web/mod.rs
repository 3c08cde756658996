//! The web layer, split by audience:
//! - `api`: for machines. The JSON API (Meta-compatible and native), Meta's
//!   webhooks, health and metrics; errors are Meta-shaped JSON.
//! - `public`: pages anyone may open; errors are pages in the person's language.
//! - `console`: staff pages, behind sign-in.
//!
//! Every guard is attached here, per scope; a handler never checks a key, a
//! session, a role or a CSRF token itself. Paths under `/api/`, `/v1/` and
//! `/{version}/` belong to machines (an unknown one answers JSON); every other
//! path belongs to people (an unknown one answers an HTML 404 page).

pub mod api;
mod assets;
mod console;
mod csrf;
mod endpoint;
mod form;
mod headers;
pub mod page;
mod public;
mod session;
mod text;

use crate::services::Services;
use actix_web::middleware::from_fn;
use actix_web::{HttpRequest, HttpResponse, guard, web};
use api::auth::require_key;
use api::error::ApiError;
use page::{PageError, Problem};

pub use headers::security as security_headers;

pub fn routes(cfg: &mut web::ServiceConfig, services: &Services) {
    // Machines. Exempt from sessions and CSRF, which guard what a browser sends
    // with its cookies: API routes prove an API key on every request
    // (`require_key`), Meta's webhook proves its signature on the raw body (the
    // handler must read that body first), and ops endpoints change nothing.
    cfg.app_data(
        web::QueryConfig::default().error_handler(|e, _| ApiError::field("(query)", e).into()),
    )
    .app_data(
        web::PathConfig::default().error_handler(|e, _| ApiError::not_found(e.to_string()).into()),
    )
    .configure(api::ops::routes)
    .configure(api::webhooks::routes)
    .service(
        web::scope("/api")
            .configure(api::ops::described)
            .service(
                web::scope("/v1")
                    .wrap(from_fn(require_key))
                    .configure(api::native)
                    .default_service(web::to(machine_not_found)),
            )
            .default_service(web::to(machine_not_found)),
    )
    .service(
        web::scope("/v1")
            .wrap(from_fn(require_key))
            .configure(api::on_premises)
            .default_service(web::to(machine_not_found)),
    )
    .service(api::messages::meta_send_route().wrap(from_fn(require_key)))
    .service(
        web::scope("/{version}")
            .guard(guard::fn_guard(|ctx| {
                let first = ctx.head().uri.path().split('/').nth(1).unwrap_or("");
                api::messages::is_graph_version(first)
            }))
            .default_service(web::to(machine_not_found)),
    );

    // People: sessions, and CSRF on every state-changing request.
    let page_errors = |cfg: &mut web::ServiceConfig| {
        cfg.app_data(form::config())
            .app_data(
                web::PathConfig::default()
                    .error_handler(|_, req| PageError::new(Problem::NotFound, req).into()),
            )
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|_, req| PageError::new(Problem::BadRequest, req).into()),
            );
    };
    cfg.service(
        web::scope("/admin")
            .wrap(from_fn(csrf::check))
            .wrap(from_fn(console::require_staff))
            .wrap(session::middleware(services))
            .configure(page_errors)
            .configure(console::routes),
    )
    .service(
        web::scope("/sandbox")
            .wrap(from_fn(csrf::check))
            .wrap(from_fn(console::require_staff))
            .wrap(session::middleware(services))
            .configure(page_errors)
            .configure(console::sandbox_routes),
    )
    .service(
        web::scope("")
            .wrap(from_fn(csrf::check))
            .wrap(session::middleware(services))
            .configure(page_errors)
            .configure(public::routes)
            .configure(console::sign_in_routes)
            .default_service(web::to(page_not_found)),
    )
    .default_service(web::to(page_not_found));
}

async fn machine_not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found(
        "No such endpoint; see /api/openapi.json.",
    ))
}

async fn page_not_found(req: HttpRequest) -> Result<HttpResponse, PageError> {
    Err(PageError::new(Problem::NotFound, &req))
}
