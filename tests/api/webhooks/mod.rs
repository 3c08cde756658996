//! Meta's webhooks in (SPEC §8): the GET handshake, signatures (missing, forged,
//! replayed, per number), payloads Assent does not know, deduplication by message
//! id, the 24 h window, statuses, user_preferences, user ids, changed numbers, and
//! processing that survives a restart.

mod batches;
mod changed_number;
mod dedup;
mod handshake;
mod number_secrets;
mod payloads;
mod preferences;
mod restarts;
mod signatures;
mod statuses;
mod user_ids;
mod window;
