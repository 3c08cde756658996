//! A fresh, empty database for every Assent and every ceiling the run starts: an SQLite
//! file in the run's folder, or a database of its own on the throw-away PostgreSQL.

use sqlx::Connection;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn parse(name: &str) -> anyhow::Result<Self> {
        match name.trim() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            other => anyhow::bail!("unknown backend {other:?}: sqlite or postgres"),
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

pub struct Databases {
    dir: PathBuf,
    postgres: Option<String>,
    made: AtomicU32,
}

/// One fresh database; `drop_it` removes it when its process has stopped.
pub struct Database {
    pub url: String,
    pub backend: Backend,
    file: Option<PathBuf>,
    name: Option<String>,
}

impl Databases {
    pub fn new(dir: PathBuf, postgres: Option<String>) -> Self {
        Self {
            dir,
            postgres,
            made: AtomicU32::new(0),
        }
    }

    pub async fn fresh(&self, backend: Backend, label: &str) -> anyhow::Result<Database> {
        let n = self.made.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("bench_{n:03}_{label}");
        match backend {
            Backend::Sqlite => {
                let file = self.dir.join(format!("{name}.db"));
                Ok(Database {
                    url: format!("sqlite://{}", file.display()),
                    backend,
                    file: Some(file),
                    name: None,
                })
            }
            Backend::Postgres => {
                let admin = self.admin()?;
                let mut conn = sqlx::PgConnection::connect(admin).await.map_err(|e| {
                    anyhow::anyhow!("cannot reach the benchmark's PostgreSQL at {admin}: {e}")
                })?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut conn)
                    .await?;
                Ok(Database {
                    url: replace_database(admin, &name),
                    backend,
                    file: None,
                    name: Some(name),
                })
            }
        }
    }

    fn admin(&self) -> anyhow::Result<&str> {
        self.postgres.as_deref().ok_or_else(|| {
            anyhow::anyhow!(
                "PostgreSQL asked for but no BENCH_POSTGRES_URL (bash bench/run starts one)"
            )
        })
    }

    /// Removes a database whose processes have all stopped: a run keeps only what
    /// the scenario running now needs on disk.
    pub async fn drop_it(&self, db: Database) -> anyhow::Result<()> {
        if let Some(file) = db.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some(name) = db.name {
            let mut conn = sqlx::PgConnection::connect(self.admin()?).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await?;
        }
        Ok(())
    }
}

/// `postgres://user@host:port/postgres` → the same server's database `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => &base[..i],
        _ => base,
    };
    if query.is_empty() {
        format!("{base}/{name}")
    } else {
        format!("{base}/{name}?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::replace_database;

    #[test]
    fn names_another_database_of_the_same_server() {
        assert_eq!(
            replace_database("postgres://postgres@127.0.0.1:5433/postgres", "bench_001_x"),
            "postgres://postgres@127.0.0.1:5433/bench_001_x"
        );
        assert_eq!(
            replace_database("postgres://u@h:1/postgres?sslmode=disable", "b"),
            "postgres://u@h:1/b?sslmode=disable"
        );
    }
}
