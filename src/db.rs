//! The database: one pool over SQLite or PostgreSQL, picked by the URL scheme, and
//! the migrations for each backend (same versions in both folders).

mod group;
pub mod lanes;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

/// FULL: what Assent acknowledged (a send, a webhook) survives a power cut too,
/// not only a crash of the process, as NORMAL would allow.
const SQLITE_PRAGMAS: &str =
    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Takes a business number's lock on PostgreSQL (`Write::lock_number`).
const LOCK_NUMBER: &str = "SELECT id FROM business_numbers WHERE id = $1 FOR UPDATE";

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
    /// SQLite's group commit (`group`), for every write.
    writer: Option<Arc<group::Writer>>,
    /// PostgreSQL's group commit, one per business number, for the writes that
    /// take its lock (`write_for`); other writes commit on their own.
    number_writers: Arc<Mutex<HashMap<String, Arc<group::Writer>>>>,
    options: AnyConnectOptions,
    /// The runtime that opened the database: see `Db::spawn`.
    runtime: tokio::runtime::Handle,
}

impl Db {
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Backend::Postgres
        } else {
            anyhow::bail!(
                "ASSENT_DATABASE_URL must start with sqlite: or postgres:, got {:?}",
                scheme_of(url)
            );
        };
        let url = match backend {
            Backend::Sqlite => sqlite_url(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let max = if backend == Backend::Sqlite { 8 } else { 16 };
        let pool = AnyPoolOptions::new()
            .max_connections(max)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        let runtime = tokio::runtime::Handle::current();
        let writer = (backend == Backend::Sqlite)
            .then(|| group::Writer::new(&runtime, options.clone(), group::Hold::SqliteWriteLock));
        Ok(Self {
            pool,
            backend,
            writer,
            number_writers: Arc::default(),
            options,
            runtime,
        })
    }

    /// Starts a task that writes for many requests (a committer, a lane of
    /// decisions) on the runtime that opened the database. Spawned from a
    /// request, it would run on that web worker's thread and wait behind every
    /// request queued there at each statement, slowing all it serves.
    pub fn spawn<F>(&self, task: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        self.runtime.spawn(task);
    }

    /// Begins a write transaction: the one way every write path starts, so how
    /// writes are batched and committed is decided here alone. On SQLite it is a
    /// savepoint on the one writer connection, committed with its group
    /// (`group`); the writer holds the write lock (BEGIN IMMEDIATE), so a
    /// transaction that reads and then writes never meets SQLITE_BUSY.
    pub async fn write(&self) -> sqlx::Result<Write> {
        let inner = match &self.writer {
            Some(writer) => Inner::Group(writer.begin().await?),
            None => Inner::Tx(self.pool.begin().await?),
        };
        Ok(Write {
            inner,
            backend: self.backend,
            locked: None,
        })
    }

    /// Runs one statement as a write transaction of its own.
    pub async fn write_one(
        &self,
        statement: sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::Result<sqlx::any::AnyQueryResult> {
        let mut w = self.write().await?;
        let done = statement.execute(&mut *w).await?;
        w.commit().await?;
        Ok(done)
    }

    /// A write transaction that first takes the number's lock (`Write::lock_number`).
    /// On PostgreSQL the number's writes are committed in groups (`group`), as
    /// every write is on SQLite.
    pub async fn write_for(&self, business_number_id: &str) -> sqlx::Result<Write> {
        if self.backend == Backend::Sqlite {
            return self.write().await;
        }
        let writer = {
            let mut writers = self
                .number_writers
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            writers
                .entry(business_number_id.to_owned())
                .or_insert_with(|| {
                    group::Writer::new(
                        &self.runtime,
                        self.options.clone(),
                        group::Hold::Number(business_number_id.to_owned()),
                    )
                })
                .clone()
        };
        Ok(Write {
            inner: Inner::Group(writer.begin().await?),
            backend: self.backend,
            locked: Some(business_number_id.to_owned()),
        })
    }

    /// What a queue's claim adds to its inner SELECT so that instances sharing a
    /// PostgreSQL skip rows another one is claiming (SQLite has one writer anyway).
    pub fn skip_locked(&self) -> &'static str {
        match self.backend {
            Backend::Postgres => "FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        }
    }

    /// Whether the database answers (readiness).
    pub async fn ping(&self) -> sqlx::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
    }

    pub async fn migrate(&self) -> anyhow::Result<()> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE,
            Backend::Postgres => &POSTGRES,
        };
        migrator.run(&self.pool).await?;
        Ok(())
    }
}

/// An open write transaction; rolled back if dropped without `commit`.
pub struct Write {
    inner: Inner,
    backend: Backend,
    /// The number whose lock this transaction took.
    locked: Option<String>,
}

enum Inner {
    Tx(sqlx::Transaction<'static, sqlx::Any>),
    Group(group::Group),
}

impl Write {
    /// Serialises, per business number, the gate's decisions and every change they
    /// depend on (consent, erasure, Meta's signals): whoever changes or reads that
    /// state inside a transaction takes this lock first. On SQLite the one writer
    /// connection already does it.
    ///
    /// True when the lock was taken just now (what was read before may have
    /// changed while waiting for it); false when this transaction already held it.
    pub async fn lock_number(&mut self, business_number_id: &str) -> sqlx::Result<bool> {
        if self.backend == Backend::Sqlite || self.locked.as_deref() == Some(business_number_id) {
            return Ok(false);
        }
        sqlx::query(LOCK_NUMBER)
            .bind(business_number_id)
            .execute(&mut **self)
            .await?;
        self.locked = Some(business_number_id.to_owned());
        Ok(true)
    }

    /// Returns once the write is durable (on SQLite, with its group).
    pub async fn commit(self) -> sqlx::Result<()> {
        match self.inner {
            Inner::Tx(tx) => tx.commit().await,
            Inner::Group(g) => g.commit().await,
        }
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        match self.inner {
            Inner::Tx(tx) => tx.rollback().await,
            Inner::Group(g) => g.rollback().await,
        }
    }
}

impl std::ops::Deref for Write {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        match &self.inner {
            Inner::Tx(tx) => tx,
            Inner::Group(g) => g.conn_ref(),
        }
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut Self::Target {
        match &mut self.inner {
            Inner::Tx(tx) => tx,
            Inner::Group(g) => g.conn(),
        }
    }
}

fn scheme_of(url: &str) -> &str {
    url.split(':').next().unwrap_or("")
}

/// SQLite files are created on first start, and their folder with them.
fn sqlite_url(url: &str) -> anyhow::Result<String> {
    let path = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let file = path.split('?').next().unwrap_or("");
    if let Some(parent) = std::path::Path::new(file)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(if url.contains("mode=") {
        url.to_owned()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Milliseconds since the Unix epoch: every time column holds this.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Rows one multi-row statement takes at most: at 17 values a row (a ledger
/// event) its parameters stay well under either database's limit.
pub const ROWS_PER_STATEMENT: usize = 500;

/// The placeholders of a multi-row statement: `rows` groups of `columns`
/// parameters, numbered from `$first`, as `($1, $2), ($3, $4)`. Statements that
/// take many rows at once bind their values to these, never splice them in.
pub fn value_rows(first: usize, rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..columns {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(first + r * columns + c).to_string());
        }
        out.push(')');
    }
    out
}

/// The placeholders of an `IN (…)` list of `n` values from `$first`: `$3, $4`.
pub fn value_list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod placeholder_tests {
    use super::*;

    #[test]
    fn placeholders_number_every_value_once_in_order() {
        assert_eq!(value_rows(1, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(value_rows(4, 1, 2), "($4, $5)");
        assert_eq!(value_list(3, 2), "$3, $4");
        assert_eq!(value_list(1, 1), "$1");
    }
}
