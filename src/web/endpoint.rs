//! A route per path that answers the methods it does not serve with 405 and
//! `Allow`: Meta-shaped JSON for machines, a page for people.

use super::api::error::ApiError;
use super::page::{PageError, Problem};
use crate::users::Area;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::from_fn;
use actix_web::{Error, FromRequest, Handler, HttpRequest, HttpResponse, Resource, Responder, web};

pub struct Endpoint {
    resource: Resource,
    allow: Vec<&'static str>,
}

impl Endpoint {
    pub fn new(path: &str) -> Self {
        Self {
            resource: web::resource(path),
            allow: Vec::new(),
        }
    }

    pub fn get<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("GET", web::get().to(handler))
    }

    pub fn post<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("POST", web::post().to(handler))
    }

    pub fn patch<F, Args>(self, handler: F) -> Self
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route("PATCH", web::patch().to(handler))
    }

    fn route(mut self, method: &'static str, route: actix_web::Route) -> Self {
        self.resource = self.resource.route(route);
        self.allow.push(method);
        self
    }

    pub fn for_machines(self) -> Resource {
        let allow = self.allow.join(", ");
        self.resource.default_service(web::to(move || {
            let allow = allow.clone();
            async move { Err::<HttpResponse, _>(ApiError::method_not_allowed(allow)) }
        }))
    }

    pub fn for_people(self) -> Resource {
        let allow = self.allow.join(", ");
        self.resource
            .default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move {
                    Err::<HttpResponse, _>(PageError::new(Problem::MethodNotAllowed(allow), &req))
                }
            }))
    }

    /// A console page of `area`: roles that may not open it get a 403 page
    /// (sign-in itself is the `/admin` scope's guard).
    pub fn for_staff(
        self,
        area: Area,
    ) -> Resource<
        impl ServiceFactory<
            ServiceRequest,
            Config = (),
            Response = ServiceResponse<impl MessageBody>,
            Error = Error,
            InitError = (),
        >,
    > {
        let allow = self.allow.join(", ");
        self.resource
            .default_service(web::to(move |req: HttpRequest| {
                let allow = allow.clone();
                async move {
                    Err::<HttpResponse, _>(
                        PageError::new(Problem::MethodNotAllowed(allow), &req).on_console(),
                    )
                }
            }))
            .wrap(from_fn(move |req, next| {
                super::console::allow(area, req, next)
            }))
    }
}
