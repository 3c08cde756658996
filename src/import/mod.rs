//! Import of existing consents: a business brings the consents it collected
//! before Assent (paper forms, a shop's till, another tool) from a CSV file.
//!
//! The file streams in (`upload`): hashed, cut into rows (`parse`) and stored
//! as it arrives, never held whole. A worker (`worker`) then checks each row
//! (`rules`) and records the good ones through the one consent path
//! (`recording::record_all`), in batches that each commit with their rows'
//! outcomes (`store`), so an import survives a restart and records no row
//! twice. Rejected rows stay, with their reasons, for the person to download,
//! correct and import again.

mod download;
pub mod parse;
pub mod rules;
pub mod store;
pub mod upload;
pub mod worker;

pub use download::rejected_csv;
pub use parse::{COLUMNS, FileError};
pub use store::{Rejected, Summary};
pub use upload::{MAX_BYTES, UploadError, receive};

use crate::db::Db;

/// One import as its page shows it.
pub async fn summary(db: &Db, id: &str) -> anyhow::Result<Option<Summary>> {
    store::summary(&mut *db.pool.acquire().await?, id).await
}

pub use store::{recent, rejected};
