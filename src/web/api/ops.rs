//! Liveness, readiness, metrics and the API description: read-only, for
//! operators and their monitoring.

use crate::sending::outbox;
use crate::services::Services;
use crate::web::endpoint::Endpoint;
use actix_web::{HttpResponse, web};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/healthz").get(healthz).for_machines())
        .service(Endpoint::new("/readyz").get(readyz).for_machines())
        .service(Endpoint::new("/metrics").get(metrics).for_machines());
}

/// `/api/openapi.json`.
pub fn described(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("/openapi.json").get(openapi).for_machines());
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

async fn readyz(services: web::Data<Services>) -> HttpResponse {
    match services.db.ping().await {
        Ok(()) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable")
        }
    }
}

async fn metrics(services: web::Data<Services>) -> HttpResponse {
    match outbox::depth(&services.db).await {
        Ok(depth) => {
            services.metrics.queue_depth.set(depth);
        }
        Err(e) => tracing::warn!(error = %e, "queue depth unavailable"),
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(services.metrics.render())
}

async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("../../../static/openapi.json"))
}
