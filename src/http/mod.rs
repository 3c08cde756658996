//! The HTTP surface: routes only; each handler parses, calls the domain, shapes the
//! answer.

mod auth;
mod body;
mod consents;
mod contacts;
mod entry_points;
pub mod error;
mod forwarding;
mod health;
mod keywords;
mod messages;
mod pages;
mod templates;
mod webhooks;

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
        .route("/notices/{id}", web::get().to(pages::notice))
        .route("/webhooks/whatsapp", web::get().to(webhooks::handshake))
        .route("/webhooks/whatsapp", web::post().to(webhooks::receive))
        .route("/api/v1/entry-points", web::post().to(entry_points::create))
        .route("/api/v1/entry-points", web::get().to(entry_points::list))
        .route(
            "/api/v1/entry-points/{code}",
            web::get().to(entry_points::show),
        )
        .route("/api/v1/keywords", web::get().to(keywords::list))
        .route("/api/v1/keywords", web::post().to(keywords::set))
        .route("/v1/configs/webhook", web::post().to(forwarding::set))
        .route("/v1/configs/webhook", web::get().to(forwarding::show))
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
