//! The consent ledger: append-only events per (business number, contact, category),
//! chained by SHA-256 so any altered, removed or reordered event is detected, with the
//! person's data kept outside the chain so erasure never breaks verification.

mod chain;
mod erasure;
mod event;
pub mod export;
mod ledger;
mod record;
pub mod signals;
mod state;
pub mod suppression;
mod verify;

pub use erasure::{erase_contact, forget};
pub use event::{ConsentAction, Evidence, NewEvent, Notice, Source};
pub use export::{ExportFilter, ExportFormat, export};
pub use ledger::{RecordedEvent, append, events_for_subject};
pub use record::{ConsentRecord, read, record};
pub use state::{CategoryStatus, ConsentState, derive_states};
pub use verify::{Broken, VerifyReport, anchored_at, verify};
