//! Pre-filled links for known customers (the seed's e-commerce case): the form
//! opens with their number filled in, and the number travels sealed, never in
//! clear, in a link that expires.

use crate::db::now_ms;
use crate::domain::PhoneNumber;
use crate::forms::Form;
use crate::services::Services;
use crate::tokens::{self, Purpose, TokenError};
use std::time::Duration;

pub struct Prefilled {
    pub url: String,
    pub expires_at: i64,
}

pub fn prefilled_link(s: &Services, form: &Form, phone: &PhoneNumber, ttl: Duration) -> Prefilled {
    let now = now_ms();
    let data = format!("{}|{}", form.slug, phone.as_e164());
    let token = tokens::seal(&s.secret, Purpose::Prefill, data.as_bytes(), ttl, now);
    Prefilled {
        url: format!("{}/f/{}?t={token}", s.public_url, form.slug),
        expires_at: now + ttl.as_millis() as i64,
    }
}

/// The number a link carries, if it was made for this form and is still valid.
pub fn prefilled_phone(s: &Services, form: &Form, token: &str) -> Result<PhoneNumber, TokenError> {
    let raw = tokens::open(&s.secret, Purpose::Prefill, token, now_ms())?;
    let text = String::from_utf8(raw).map_err(|_| TokenError::Forged)?;
    let (slug, phone) = text.split_once('|').ok_or(TokenError::Forged)?;
    if slug != form.slug {
        return Err(TokenError::Forged);
    }
    PhoneNumber::parse(phone).map_err(|_| TokenError::Forged)
}
