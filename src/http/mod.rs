//! The HTTP surface: routes only; each handler parses, calls the domain, shapes the
//! answer.

mod auth;
mod body;
mod consents;
mod contacts;
pub mod error;
mod health;
mod messages;
mod pages;
mod templates;

use actix_web::web;
use error::ApiError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::index))
        .route("/static/assent.css", web::get().to(pages::stylesheet))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .route("/api/openapi.json", web::get().to(health::openapi))
        .route("/api/v1/templates", web::post().to(templates::create))
        .route("/api/v1/templates", web::get().to(templates::list))
        .route("/api/v1/consents", web::post().to(consents::record))
        .route("/api/v1/consents", web::get().to(consents::show))
        .route("/v1/messages", web::post().to(messages::onprem_send))
        .route("/v1/contacts", web::post().to(contacts::check))
        .route(
            "/{version}/{phone_number_id}/messages",
            web::post().to(messages::meta_send),
        )
        .app_data(
            web::QueryConfig::default().error_handler(|e, _| ApiError::field("(query)", e).into()),
        )
        .app_data(
            web::PathConfig::default()
                .error_handler(|e, _| ApiError::not_found(e.to_string()).into()),
        )
        .default_service(web::to(|| async {
            Err::<actix_web::HttpResponse, _>(ApiError::not_found(
                "No such endpoint; see /api/openapi.json.",
            ))
        }));
}
