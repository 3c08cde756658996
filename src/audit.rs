//! The audit log: every staff action that changes something or reads personal
//! data out, and the same actions through the API and the command line. Rows are
//! only ever added (the database refuses an update or a delete). Targets name ids
//! (`contact:<id>`, `user:<id>`), never a phone number, so an erasure has nothing
//! to erase here.

use crate::db::{Db, new_id, now_ms};
use crate::domain::Actor;
use sqlx::AnyConnection;

/// Who did it: the actor as the ledger names actors, and a name a reader
/// recognises (an email, an API key's name, `command line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doer {
    pub actor: Actor,
    pub name: String,
    pub ip: Option<String>,
}

impl Doer {
    pub fn command_line() -> Self {
        Self {
            actor: Actor::system("cli"),
            name: "command line".into(),
            ip: None,
        }
    }
}

/// One entry to add.
pub struct Entry<'a> {
    /// What was done, as a short verb phrase: `user.disabled`, `ledger.exported`.
    pub action: &'a str,
    /// What it was done to: `contact:<id>`, `user:<id>`, `ledger`.
    pub target: &'a str,
    /// Anything a reader needs (filters of an export, the role given); no phone
    /// numbers, no message bodies.
    pub detail: &'a str,
}

/// Adds an entry, in the caller's transaction when the action writes: the entry
/// and the change commit together or not at all.
pub async fn record(conn: &mut AnyConnection, who: &Doer, entry: Entry<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, actor_name, action, target, detail, ip) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(now_ms())
    .bind(who.actor.to_string())
    .bind(&who.name)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.detail)
    .bind(who.ip.as_deref())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds an entry on its own, for an action that writes nothing else (an export,
/// an access download).
pub async fn record_alone(db: &Db, who: &Doer, entry: Entry<'_>) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    record(&mut w, who, entry).await?;
    w.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    pub id: String,
    pub at: i64,
    pub actor: String,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub ip: Option<String>,
}

/// A page of entries, newest first; `before` is the last id of the previous page
/// (keyset paging: stable while new entries arrive).
pub async fn page(db: &Db, before: Option<&str>, limit: i64) -> anyhow::Result<Vec<Row>> {
    let columns = "id, at, actor, actor_name, action, target, detail, ip";
    let rows = match before {
        Some(id) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2"
            )))
            .bind(id)
            .bind(limit)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {columns} FROM audit_log ORDER BY id DESC LIMIT $1"
            )))
            .bind(limit)
            .fetch_all(&db.pool)
            .await?
        }
    };
    Ok(rows)
}
