//! The staff console: sign-in, and the pages behind it. `require_staff` guards the
//! `/admin` scope (see `web::routes`): an anonymous visitor is sent to sign in
//! and brought back afterwards; the signed-in user is read afresh on every
//! request, so a removed user is out at once.

mod home;
mod sign_in;

use super::endpoint::Endpoint;
use super::page::{PageError, Problem};
use super::session::TypedSession;
use crate::services::Services;
use crate::users;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::LOCATION;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, ResponseError, web};

/// `/admin…`
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(Endpoint::new("").get(home::show).for_people());
}

/// `/login` and `/logout`, outside the guarded scope.
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
    );
}

pub async fn require_staff(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let signed_in = TypedSession::of(&req).signed_in_as();
    let user = match (signed_in, req.app_data::<web::Data<Services>>()) {
        (Some(who), Some(services)) => match users::find_active(&services.db, &who.user_id).await {
            Ok(user) => user,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "signed-in user could not be read");
                let page = PageError::new(Problem::Internal, req.request()).error_response();
                return Ok(req.into_response(page).map_into_right_body());
            }
        },
        _ => None,
    };
    match user {
        Some(user) => {
            req.extensions_mut().insert(user);
            next.call(req)
                .await
                .map(ServiceResponse::map_into_left_body)
        }
        None => {
            let target = match req.query_string() {
                "" => req.path().to_owned(),
                q => format!("{}?{q}", req.path()),
            };
            let location = format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", target)]).unwrap_or_default()
            );
            let response = HttpResponse::SeeOther()
                .insert_header((LOCATION, location))
                .finish();
            Ok(req.into_response(response).map_into_right_body())
        }
    }
}
