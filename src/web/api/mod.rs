//! The API for machines: Meta's Cloud API send endpoint, the native JSON API under
//! `/api/v1`, the on-premises style API under `/v1`, Meta's webhooks and the ops
//! endpoints. Every error is Meta-shaped JSON (`error::ApiError`).

mod access;
pub mod auth;
mod blocked_sends;
mod body;
mod consents;
mod contact_check;
mod entry_points;
mod erasures;
pub mod error;
mod forms;
mod forwarding;
mod keywords;
mod message_templates;
pub mod messages;
pub mod ops;
pub mod webhooks;

use super::endpoint::Endpoint;
use actix_web::web;

/// `/api/v1/…`, behind an API key.
pub fn native(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::new("/templates")
            .get(message_templates::list)
            .post(message_templates::create)
            .for_machines(),
    )
    .service(
        Endpoint::new("/consents")
            .get(consents::show)
            .post(consents::record)
            .for_machines(),
    )
    .service(
        Endpoint::new("/entry-points")
            .get(entry_points::list)
            .post(entry_points::create)
            .for_machines(),
    )
    .service(
        Endpoint::new("/entry-points/{code}")
            .get(entry_points::show)
            .for_machines(),
    )
    .service(
        Endpoint::new("/forms")
            .get(forms::list)
            .post(forms::create)
            .for_machines(),
    )
    .service(
        Endpoint::new("/forms/{slug}")
            .get(forms::show)
            .patch(forms::change)
            .for_machines(),
    )
    .service(
        Endpoint::new("/forms/{slug}/links")
            .post(forms::link)
            .for_machines(),
    )
    .service(
        Endpoint::new("/keywords")
            .get(keywords::list)
            .post(keywords::set)
            .for_machines(),
    )
    .service(
        Endpoint::new("/blocked-sends")
            .get(blocked_sends::list)
            .for_machines(),
    )
    .service(Endpoint::new("/access").get(access::show).for_machines())
    .service(
        Endpoint::new("/erasures")
            .post(erasures::erase)
            .for_machines(),
    );
}

/// `/v1/…`, the on-premises style API, behind an API key.
pub fn on_premises(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::new("/messages")
            .post(messages::onprem_send)
            .for_machines(),
    )
    .service(
        Endpoint::new("/contacts")
            .post(contact_check::check)
            .for_machines(),
    )
    .service(
        Endpoint::new("/configs/webhook")
            .get(forwarding::show)
            .post(forwarding::set)
            .for_machines(),
    );
}
