//! The consent ledger: append-only events per (business number, contact, category),
//! chained by SHA-256 so any altered, removed or reordered event is detected, with the
//! person's data kept outside the chain so erasure never breaks verification.
//!
//! A leaf: the ledger appends and reads, and knows nothing of who hears of an
//! event. Whoever appends queues the forward to the business in the same
//! transaction (`forwarding::consent_events`); `append` is `must_use` for that.

mod chain;
mod event;
pub mod export;
mod ledger;
mod read;
pub mod request;
pub mod search;
pub mod signals;
mod state;
pub mod states;
pub mod suppression;
pub mod tally;
pub mod verifications;
mod verify;

pub use event::{ConsentAction, Evidence, NewEvent, Notice, Provenance, Source};
pub use export::{ExportFormat, export};
pub use ledger::{
    Appended, RecordedEvent, append, append_all, events_for_subject, evidence_for_subject,
    forget_evidence, latest,
};
pub use read::{ConsentRecord, read};
pub use search::LedgerFilter;
pub use state::{CategoryStatus, ConsentState, derive_states};
pub use verify::{Broken, VerifyReport, anchored_at, verify};
