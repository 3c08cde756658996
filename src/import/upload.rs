//! Receiving a file: it is read as it arrives, hashed, cut into rows and stored
//! a few hundred rows at a time, so neither memory nor any transaction grows
//! with the file. Only when the last byte is in does the import join the
//! queue; a file refused halfway (too large, not CSV, the connection lost)
//! leaves nothing behind.

use super::parse::{FileError, Header, Records, Row};
use super::store::{self, NewImport};
use crate::audit::Doer;
use crate::db::Db;
use crate::numbers::BusinessNumber;
use futures_util::{Stream, StreamExt};
use sha2::{Digest, Sha256};
use std::fmt::Display;

/// The largest file accepted.
pub const MAX_BYTES: u64 = 50 * 1024 * 1024;
/// Rows stored per transaction while a file comes in.
const ROWS_PER_WRITE: usize = 500;

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("The file is larger than 50 MiB. Split it into smaller files and import each one.")]
    TooLarge,
    #[error(
        "The upload stopped before the end of the file ({0}). Nothing was imported; try again."
    )]
    Interrupted(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Reads `body` to its end into a new import of `number`; its id once it is
/// queued.
pub async fn receive<S, B, E>(
    db: &Db,
    who: &Doer,
    number: &BusinessNumber,
    file_name: &str,
    mut body: S,
) -> Result<String, UploadError>
where
    S: Stream<Item = Result<B, E>> + Unpin,
    B: AsRef<[u8]>,
    E: Display,
{
    let mut intake = Intake {
        db,
        who,
        number,
        file_name: clean_name(file_name),
        records: Records::default(),
        header: None,
        import_id: None,
        rows: Vec::new(),
        hasher: Sha256::new(),
        bytes: 0,
        stored: 0,
    };
    let outcome = async {
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| UploadError::Interrupted(e.to_string()))?;
            intake.read(chunk.as_ref()).await?;
        }
        intake.end().await
    }
    .await;
    if outcome.is_err()
        && let Some(id) = &intake.import_id
        && let Err(e) = store::discard(db, id).await
    {
        // The sweep of abandoned uploads removes it later.
        tracing::error!(import = %id, error = %format!("{e:#}"), "a refused upload could not be removed");
    }
    outcome
}

struct Intake<'a> {
    db: &'a Db,
    who: &'a Doer,
    number: &'a BusinessNumber,
    file_name: String,
    records: Records,
    header: Option<Header>,
    import_id: Option<String>,
    rows: Vec<Row>,
    hasher: Sha256,
    bytes: u64,
    stored: usize,
}

impl Intake<'_> {
    async fn read(&mut self, chunk: &[u8]) -> Result<(), UploadError> {
        self.bytes += chunk.len() as u64;
        if self.bytes > MAX_BYTES {
            return Err(UploadError::TooLarge);
        }
        self.hasher.update(chunk);
        let mut done = Vec::new();
        self.records.push(chunk, &mut done)?;
        self.take(done).await
    }

    async fn take(&mut self, records: Vec<super::parse::Record>) -> Result<(), UploadError> {
        for record in records {
            let Some(header) = &self.header else {
                let header = Header::parse(&record)?;
                let id = store::create(
                    self.db,
                    &NewImport {
                        business_number_id: &self.number.id,
                        file_name: &self.file_name,
                        ignored_columns: &header.ignored.join(", "),
                        who: self.who,
                    },
                )
                .await?;
                self.import_id = Some(id);
                self.header = Some(header);
                continue;
            };
            if let Some(row) = header.row(&record) {
                self.rows.push(row);
            }
            if self.rows.len() >= ROWS_PER_WRITE {
                self.store().await?;
            }
        }
        Ok(())
    }

    async fn store(&mut self) -> Result<(), UploadError> {
        if let Some(id) = &self.import_id {
            store::add_rows(self.db, id, &self.rows).await?;
            self.stored += self.rows.len();
            self.rows.clear();
        }
        Ok(())
    }

    async fn end(&mut self) -> Result<String, UploadError> {
        let mut done = Vec::new();
        self.records.finish(&mut done)?;
        self.take(done).await?;
        self.store().await?;
        let Some(id) = self.import_id.clone() else {
            return Err(FileError::Empty.into());
        };
        if self.stored == 0 {
            return Err(FileError::NoRows.into());
        }
        let sha256 = hex::encode(std::mem::take(&mut self.hasher).finalize());
        store::queue(self.db, &id, &sha256, self.bytes, self.who).await?;
        Ok(id)
    }
}

/// The browser's name for the file, shown on its page: printable, bounded.
fn clean_name(raw: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    match name.trim() {
        "" => "(no name)".to_owned(),
        n => n.to_owned(),
    }
}
