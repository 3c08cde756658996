//! The sending core: the one way out for every message. Validate, gate on consent and
//! the 24 h window, check the contact, queue durably; the dispatcher does the rest.

pub mod accept;
pub mod blocked;
pub mod contact_check;
mod core;
mod deliver;
pub mod dispatcher;
mod facts;
pub mod gate;
pub mod history;
mod idempotency;
mod lanes;
mod mark_read;
pub mod message;
mod messaging_limit;
pub mod outbox;
mod rate_limit;
pub mod statuses;

pub use accept::Sends;
pub use core::{CONTACT_INVALID_CODE, Queued, SendError, SendRequest, Submitted, send, submit};

use crate::contacts::Contact;
use sqlx::AnyConnection;

/// What an erasure took from the sending core.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Forgotten {
    pub messages: u64,
    pub blocked_sends: u64,
}

/// Deletes what the sending core holds about the person (erasure): their
/// messages with statuses and idempotency keys, refused sends to them (found by
/// their suppression `keys`), and their cached contact check.
pub async fn forget_contact(
    conn: &mut AnyConnection,
    contact: &Contact,
    keys: &[String],
) -> anyhow::Result<Forgotten> {
    let blocked_sends = blocked::forget(conn, &contact.business_number_id, keys).await?;
    let messages = outbox::forget_contact(conn, &contact.id).await?;
    if let Some(wa_id) = &contact.wa_id {
        contact_check::forget(conn, &contact.business_number_id, wa_id).await?;
    }
    Ok(Forgotten {
        messages,
        blocked_sends,
    })
}
