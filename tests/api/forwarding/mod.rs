//! Forwarding to the business's own systems (SPEC §8): the webhook configuration
//! API, then what a stand-in business endpoint receives (Meta-format messages and
//! statuses, consent events) signed with the per-number secret, retried while the
//! endpoint fails, given up on after the delivery window, and never sent to an
//! internal address unless the operator allows it.

mod config;
mod consent_events;
mod internal_targets;
mod messages;
mod retries;
mod statuses;
