//! The sending core end to end (SPEC §3, §9): Meta-compatible answers, the exact
//! request each provider gets, retries, idempotency, restarts, rate limits and
//! read receipts.

mod cloud;
mod concurrency;
mod groups;
mod idempotency;
mod lanes;
mod onprem;
mod queue;
mod read_receipts;
mod sandbox;
