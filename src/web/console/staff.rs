//! The console's guards: `require_staff` on the whole `/admin` scope (signed in,
//! account still active, session not outdated), `allow` per route (the role may
//! open the route's area), and `Staff`, the signed-in member a handler acts as.

use crate::audit::Doer;
use crate::domain::Actor;
use crate::services::Services;
use crate::users::{self, Area, User};
use crate::web::page::{PageError, Problem};
use crate::web::session::TypedSession;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::LOCATION;
use actix_web::middleware::Next;
use actix_web::{Error, FromRequest, HttpMessage, HttpRequest, HttpResponse, ResponseError, web};
use std::future::{Ready, ready};

/// Reads the signed-in user afresh on every request: a disabled account, or a
/// session from before a password change, is out at once on every instance.
pub async fn require_staff(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let signed_in = TypedSession::of(&req).signed_in_as();
    let user = match (signed_in, req.app_data::<web::Data<Services>>()) {
        (Some(who), Some(services)) => match users::find_active(&services.db, &who.user_id).await {
            Ok(user) => user.filter(|u| u.session_epoch == who.epoch),
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "signed-in user could not be read");
                let page = PageError::new(Problem::Internal, req.request())
                    .on_console()
                    .error_response();
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

/// A 403 page unless the signed-in user's role may open `area`.
pub async fn allow(
    area: Area,
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let allowed = req
        .extensions()
        .get::<User>()
        .is_some_and(|u| u.role.may(area));
    if allowed {
        next.call(req)
            .await
            .map(ServiceResponse::map_into_left_body)
    } else {
        let response = PageError::new(Problem::Forbidden, req.request())
            .on_console()
            .error_response();
        Ok(req.into_response(response).map_into_right_body())
    }
}

/// The signed-in staff member (set by `require_staff`), as handlers act.
pub struct Staff {
    pub user: User,
    ip: Option<String>,
}

impl Staff {
    /// Who the audit log names for what this request does.
    pub fn doer(&self) -> Doer {
        Doer {
            actor: Actor::Staff(self.user.id.clone()),
            name: self.user.email.clone(),
            ip: self.ip.clone(),
        }
    }
}

impl FromRequest for Staff {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(match req.extensions().get::<User>() {
            Some(user) => Ok(Self {
                user: user.clone(),
                ip: req.peer_addr().map(|a| a.ip().to_string()),
            }),
            // Only outside the guarded scope, which no console handler is.
            None => Err(PageError::new(Problem::Forbidden, req).on_console()),
        })
    }
}
