//! Form input → domain types. Every field arrives as text; parsing collects a
//! message per field instead of stopping at the first, so a failed form comes
//! back whole: what the person typed, and beside each field what to fix.

use super::page::{PageError, Problem};
use actix_web::{HttpRequest, web};
use std::collections::BTreeMap;

/// Messages per field name; `""` holds those about the form as a whole.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(BTreeMap<&'static str, Vec<String>>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The messages for `field` (none: an empty slice), for the template.
    pub fn of(&self, field: &str) -> &[String] {
        self.0.get(field).map_or(&[], Vec::as_slice)
    }

    pub fn has(&self, field: &str) -> bool {
        !self.of(field).is_empty()
    }
}

/// Who sent a form, as consent evidence: the peer's address and the browser's
/// user agent (its first 512 characters).
pub struct Sender {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl Sender {
    pub fn of(req: &HttpRequest) -> Self {
        Self {
            ip: req.peer_addr().map(|a| a.ip().to_string()),
            user_agent: req
                .headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .map(|ua| ua.chars().take(512).collect()),
        }
    }
}

/// Form bodies for pages: bounded, and an unreadable one is a 400 page.
pub fn config() -> web::FormConfig {
    web::FormConfig::default()
        .limit(super::csrf::MAX_FORM)
        .error_handler(|e, req| {
            tracing::info!(error = %e, path = %req.path(), "form body refused");
            PageError::new(Problem::BadRequest, req).into()
        })
}

/// A path that stays on this site, for "come back here after sign-in": it must
/// start with one `/` (no `//host`, no scheme, no backslash tricks).
pub fn local_path(raw: &str) -> Option<&str> {
    let ok = raw.starts_with('/')
        && !raw.starts_with("//")
        && !raw.contains('\\')
        && !raw.chars().any(char::is_control)
        && raw.len() <= 2048;
    ok.then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_collected_per_field() {
        let mut errors = FieldErrors::default();
        assert!(errors.is_empty());
        errors.add("age", "must be a number");
        errors.add("age", "must be at least 16");
        errors.add("", "the form as a whole");
        assert!(errors.has("age") && !errors.has("name"));
        assert_eq!(errors.of("age").len(), 2);
        assert_eq!(errors.of("name"), &[] as &[String]);
        assert_eq!(errors.of("").len(), 1);
        assert!(!errors.is_empty());
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/admin?x=1"), Some("/admin?x=1"));
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "admin",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_path(bad), None, "{bad:?}");
        }
    }
}
