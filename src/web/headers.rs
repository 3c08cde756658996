//! Security headers on every response. A page that must differ (one a business
//! may frame) sets its own `Content-Security-Policy`, and it is kept.

use actix_web::middleware::DefaultHeaders;

/// Only this site's own files; no inline script or style; no framing; forms post
/// only here. `img-src data:` lets a page show a QR code it renders inline.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

pub fn security() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("Content-Security-Policy", CSP))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}
