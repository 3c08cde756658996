//! The sending core end to end (SPEC §3, §9): Meta-compatible answers, the exact
//! request each provider gets, retries, idempotency, restarts and rate limits.

mod cloud;
mod idempotency;
mod onprem;
mod queue;
mod sandbox;
