//! The database: one pool over SQLite or PostgreSQL, picked by the URL scheme, and
//! the migrations for each backend (same versions in both folders).

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Executor};
use std::str::FromStr;

static SQLITE: Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES: Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
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
                    // FULL: what Assent acknowledged (a send, a webhook) survives a power
                    // cut too, not only a crash of the process, as NORMAL would allow.
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000;")
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await
            .map_err(|e| anyhow::anyhow!("cannot open the database: {e}"))?;
        Ok(Self { pool, backend })
    }

    /// Begins a write transaction: the one way every write path starts, so how
    /// writes are batched and committed can change here alone. On SQLite it takes
    /// the write lock at once (BEGIN IMMEDIATE): a transaction that reads and then
    /// writes would otherwise fail with SQLITE_BUSY when another writer got in
    /// between, without waiting.
    pub async fn write(&self) -> sqlx::Result<Write> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(Write {
            tx,
            backend: self.backend,
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
    pub async fn write_for(&self, business_number_id: &str) -> sqlx::Result<Write> {
        let mut w = self.write().await?;
        w.lock_number(business_number_id).await?;
        Ok(w)
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
    tx: sqlx::Transaction<'static, sqlx::Any>,
    backend: Backend,
}

impl Write {
    /// Serialises, per business number, the gate's decisions and every change they
    /// depend on (consent, erasure, Meta's signals): whoever changes or reads that
    /// state inside a transaction takes this lock first. On SQLite the transaction's
    /// write lock (BEGIN IMMEDIATE) already does it.
    pub async fn lock_number(&mut self, business_number_id: &str) -> sqlx::Result<()> {
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT id FROM business_numbers WHERE id = $1 FOR UPDATE")
                .bind(business_number_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }

    pub async fn rollback(self) -> sqlx::Result<()> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for Write {
    type Target = sqlx::AnyConnection;

    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for Write {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
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
