//! The staff console: sign-in and first-run setup, and the pages behind sign-in.
//! Every `/admin` route names its area (`users::Area`); `staff::require_staff`
//! guards the scope and `Endpoint::for_staff` each route's role. Every word the
//! console shows is in `text` (`page.console` on every page).

mod account;
mod accounts;
mod api_keys;
mod attachment;
mod audit_log;
mod blocked;
mod categories;
mod chart;
mod dates;
mod entry_point;
mod entry_points;
mod erasure;
mod filters;
mod forms;
mod home;
mod import;
mod invites;
mod ledger;
mod ledger_verify;
mod numbers;
mod person;
mod receipt;
mod sandbox;
mod setup;
mod sign_in;
mod staff;
mod templates;
pub mod text;
mod webhooks;

pub use staff::{Staff, allow, require_staff};

use super::endpoint::Endpoint;
use crate::users::Area;
use actix_web::web;
use text::Menu;

/// A menu entry's name, in the language of the page's `text::Menu`.
pub type MenuName = fn(&Menu) -> &'static str;

/// The console's sections, in the menu of those who may open them.
pub const SECTIONS: &[(&str, MenuName, Area)] = &[
    ("/admin/ledger", |m| m.ledger, Area::Compliance),
    ("/admin/ledger/verify", |m| m.integrity, Area::Compliance),
    ("/admin/blocked", |m| m.blocked, Area::Compliance),
    ("/admin/audit", |m| m.audit_log, Area::Compliance),
    ("/admin/import", |m| m.import, Area::Compliance),
    ("/admin/forms", |m| m.forms, Area::Marketing),
    ("/admin/entry-points", |m| m.entry_points, Area::Marketing),
    ("/admin/users", |m| m.staff, Area::Admin),
    ("/admin/numbers", |m| m.numbers, Area::Admin),
    ("/admin/templates", |m| m.templates, Area::Admin),
    ("/admin/api-keys", |m| m.api_keys, Area::Admin),
    ("/admin/webhooks", |m| m.webhooks, Area::Admin),
    ("/admin/categories", |m| m.categories, Area::Admin),
    ("/sandbox", |m| m.sandbox, Area::Anyone),
];

/// The business number with this id, or the console's 404 page.
async fn number(
    page: &crate::web::page::Page,
    services: &crate::services::Services,
    id: &str,
) -> Result<crate::numbers::BusinessNumber, crate::web::page::PageError> {
    let mut conn = services
        .db
        .pool
        .acquire()
        .await
        .map_err(|e| page.internal(e))?;
    crate::numbers::by_id(&mut conn, id)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(crate::web::page::Problem::NotFound))
}

/// `/admin…`
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("").get(home::show).for_staff(Area::Anyone))
        .service(
            Endpoint::new("/account")
                .get(account::show)
                .post(account::change_password)
                .for_staff(Area::Anyone),
        )
        .service(
            Endpoint::new("/users")
                .get(accounts::list)
                .post(accounts::add)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/users/{id}/disable")
                .post(accounts::disable)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/users/{id}/enable")
                .post(accounts::enable)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/numbers")
                .get(numbers::list)
                .post(numbers::add)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/numbers/{id}")
                .get(numbers::show)
                .post(numbers::save)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/numbers/{id}/test")
                .post(numbers::test_connection)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/templates")
                .get(templates::list)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/templates/import")
                .post(templates::import)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/templates/{id}/map")
                .post(templates::map)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/templates/{id}/unmap")
                .post(templates::unmap)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/users/{id}/role")
                .post(accounts::change_role)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/users/invite")
                .post(invites::create)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/api-keys")
                .get(api_keys::list)
                .post(api_keys::create)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/api-keys/{id}/revoke")
                .get(api_keys::confirm)
                .post(api_keys::revoke)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/webhooks")
                .get(webhooks::list)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/webhooks/{number}")
                .get(webhooks::show)
                .post(webhooks::save)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/webhooks/{number}/secret")
                .post(webhooks::rotate)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/webhooks/{number}/forwards/{forward}/retry")
                .post(webhooks::retry)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/categories")
                .get(categories::list)
                .post(categories::create)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/categories/{name}")
                .get(categories::show)
                .post(categories::save)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/categories/keywords/{number}")
                .get(categories::keywords)
                .post(categories::save_keywords)
                .for_staff(Area::Admin),
        )
        .service(
            Endpoint::new("/audit")
                .get(audit_log::show)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/ledger")
                .get(ledger::search)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/ledger/export")
                .get(ledger::download)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/ledger/verify")
                .get(ledger_verify::show)
                .post(ledger_verify::run)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/blocked")
                .get(blocked::list)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/blocked/export")
                .get(blocked::download)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/contacts/{id}")
                .get(person::show)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/contacts/{id}/access.json")
                .get(person::access_file)
                .for_staff(Area::Compliance),
        )
        // The JSON first: `{event}` alone would match `….json` too.
        .service(
            Endpoint::new("/contacts/{id}/receipts/{event}.json")
                .get(receipt::json)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/contacts/{id}/receipts/{event}")
                .get(receipt::show)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/contacts/{id}/erase")
                .get(erasure::confirm)
                .post(erasure::erase)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/import")
                .get(import::show)
                .post(import::upload)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/import/{id}")
                .get(import::status)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/import/{id}/rejected.csv")
                .get(import::rejected_csv)
                .for_staff(Area::Compliance),
        )
        .service(
            Endpoint::new("/forms")
                .get(forms::list)
                .post(forms::create)
                .for_staff(Area::Marketing),
        )
        .service(
            Endpoint::new("/forms/{slug}")
                .get(forms::edit)
                .post(forms::change)
                .for_staff(Area::Marketing),
        )
        .service(
            Endpoint::new("/forms/{slug}/preview")
                .get(forms::preview)
                .for_staff(Area::Marketing),
        )
        .service(
            Endpoint::new("/entry-points")
                .get(entry_points::list)
                .post(entry_points::create)
                .for_staff(Area::Marketing),
        )
        .service(
            Endpoint::new("/entry-points/{code}")
                .get(entry_point::show)
                .post(entry_point::edit)
                .for_staff(Area::Marketing),
        )
        .service(
            Endpoint::new("/entry-points/{code}/qr.png")
                .get(entry_point::qr_png)
                .for_staff(Area::Marketing),
        )
        .service(
            Endpoint::new("/entry-points/{code}/qr.svg")
                .get(entry_point::qr_svg)
                .for_staff(Area::Marketing),
        );
}

/// `/sandbox…`: the phone simulator, behind sign-in like `/admin`.
pub fn sandbox_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("").get(sandbox::home).for_staff(Area::Anyone))
        .service(
            Endpoint::new("/people")
                .post(sandbox::add_person)
                .for_staff(Area::Anyone),
        )
        .service(
            Endpoint::new("/{contact}")
                .get(sandbox::show)
                .for_staff(Area::Anyone),
        )
        .service(
            Endpoint::new("/{contact}/write")
                .post(sandbox::write)
                .for_staff(Area::Anyone),
        )
        .service(
            Endpoint::new("/{contact}/tap")
                .post(sandbox::tap)
                .for_staff(Area::Anyone),
        )
        .service(
            Endpoint::new("/{contact}/scan")
                .post(sandbox::scan)
                .for_staff(Area::Anyone),
        );
}

/// `/login`, `/logout`, `/setup/{token}` and `/invite/{token}`, outside the
/// guarded scope.
pub fn sign_in_routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        Endpoint::new("/login")
            .get(sign_in::form)
            .post(sign_in::submit)
            .for_people(),
    )
    .service(
        Endpoint::new("/logout")
            .post(sign_in::sign_out)
            .for_people(),
    )
    .service(
        Endpoint::new("/setup/{token}")
            .get(setup::form)
            .post(setup::submit)
            .for_people(),
    )
    .service(
        Endpoint::new("/invite/{token}")
            .get(invites::form)
            .post(invites::accept)
            .for_people(),
    );
}
