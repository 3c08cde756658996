//! The sending core: the one way out for every message. Validate, gate on consent and
//! the 24 h window, check the contact, queue durably; the dispatcher does the rest.

pub mod contact_check;
mod core;
pub mod dispatcher;
pub mod gate;
pub mod message;
pub mod outbox;
mod rate_limit;
pub mod statuses;

pub use core::{CONTACT_INVALID_CODE, Queued, SendError, SendRequest, send};
