//! Sessions: actix-session's cookie store, signed and encrypted, so any instance
//! that shares `ASSENT_SECRET_KEY` reads them (nothing is kept in memory).
//! `TypedSession` is the only way the web layer touches one.

use crate::services::Services;
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt, SessionMiddleware};
use actix_web::cookie::{Key, SameSite};
use actix_web::dev::ServiceRequest;
use actix_web::{FromRequest, HttpRequest, dev::Payload};
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::future::{Ready, ready};

pub const COOKIE: &str = "assent_session";

const CSRF: &str = "csrf";
const USER: &str = "user";
const FLASH: &str = "flash";

/// The cookie key: derived from the instance secret under its own label, so it
/// differs from the suppression-hash key although both come from one secret.
pub fn cookie_key(secret: &[u8]) -> Key {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(b"assent session cookie key v1");
    Key::derive_from(&mac.finalize().into_bytes())
}

pub fn middleware(services: &Services) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), cookie_key(&services.secret))
        .cookie_name(COOKIE.to_owned())
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_secure(services.public_url.starts_with("https://"))
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build()
}

/// Who is signed in.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SignedInAs {
    pub user_id: String,
    /// The account's session epoch at sign-in; a newer one in the database
    /// (password changed, account disabled) ends this session.
    #[serde(default)]
    pub epoch: i64,
}

pub struct TypedSession(Session);

impl TypedSession {
    pub fn of(req: &ServiceRequest) -> Self {
        Self(req.get_session())
    }

    /// This session's CSRF token, made on first use (so pages without a form set
    /// no cookie).
    pub fn csrf_token(&self) -> String {
        if let Ok(Some(token)) = self.0.get::<String>(CSRF) {
            return token;
        }
        let token = hex::encode(rand::random::<[u8; 32]>());
        // A serialisation failure of a plain string cannot happen.
        let _ = self.0.insert(CSRF, &token);
        token
    }

    pub fn stored_csrf_token(&self) -> Option<String> {
        self.0.get::<String>(CSRF).ok().flatten()
    }

    pub fn signed_in_as(&self) -> Option<SignedInAs> {
        self.0.get(USER).ok().flatten()
    }

    /// Starts a signed-in session under a fresh id and a fresh CSRF token, so
    /// nothing from before sign-in (a planted cookie) carries over.
    pub fn sign_in(&self, who: SignedInAs) {
        self.start_over();
        let _ = self.0.insert(USER, who);
    }

    /// Ends the signed-in session; what is set afterwards (a flash message) goes
    /// into a fresh one.
    pub fn sign_out(&self) {
        self.start_over();
    }

    fn start_over(&self) {
        // Not `purge`: a purged session takes nothing more in this request.
        self.0.clear();
        self.0.renew();
    }

    /// A one-time message for the next page.
    pub fn set_flash(&self, message: &str) {
        let _ = self.0.insert(FLASH, message);
    }

    pub fn take_flash(&self) -> Option<String> {
        // Only when there is one: a removal marks the session changed, and a page
        // without a message should not send the cookie again.
        if !self.0.contains_key(FLASH) {
            return None;
        }
        self.0.remove_as::<String>(FLASH).and_then(Result::ok)
    }
}

impl FromRequest for TypedSession {
    type Error = actix_web::Error;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Self(req.get_session())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_key_is_stable_per_secret_and_differs_between_secrets() {
        let a = cookie_key(b"0123456789abcdef0123456789abcdef-one");
        let b = cookie_key(b"0123456789abcdef0123456789abcdef-one");
        let c = cookie_key(b"0123456789abcdef0123456789abcdef-two");
        assert_eq!(a.master(), b.master());
        assert_ne!(a.master(), c.master());
        // Not the secret itself, nor the suppression key made from it.
        assert_ne!(&a.master()[..32], b"0123456789abcdef0123456789abcdef");
    }
}
