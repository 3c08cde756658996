//! The consent ledger (SPEC §4): recording and reading consent, `assent ledger
//! verify` on an intact and on a tampered chain, erasure, export, and concurrent
//! appends.

mod erasure;
mod export;
mod groups;
mod recording;
mod states;
mod tampering;
mod verify;
