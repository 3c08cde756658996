//! Meta's webhooks in (SPEC §6–8): payloads are verified and stored by the HTTP
//! handler, then processed here in the background: contacts and their 24 h window,
//! statuses, Meta's consent signals, keywords, and the consent conversation that
//! holds a new person's messages until they accept the terms.

mod batch;
mod conversation;
pub mod intake;
mod process;
pub mod received;
pub mod redaction;
mod statuses;
pub mod store;
pub mod texts;
pub mod worker;
