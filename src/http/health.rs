//! Liveness, readiness, metrics and the API description.

use crate::sending::outbox;
use crate::services::Services;
use actix_web::{HttpResponse, web};

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub async fn readyz(services: web::Data<Services>) -> HttpResponse {
    match sqlx::query("SELECT 1").execute(&services.db.pool).await {
        Ok(_) => HttpResponse::Ok().content_type("text/plain").body("ready"),
        Err(e) => {
            tracing::warn!(error = %e, "database not reachable");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain")
                .body("database unreachable")
        }
    }
}

pub async fn metrics(services: web::Data<Services>) -> HttpResponse {
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

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(include_str!("../../static/openapi.json"))
}
