//! API keys: random, shown once, stored as SHA-256, each bound to one business number.
//! The command line issues them (`create`); the console issues (`issue`), lists and
//! revokes them, each change in the audit log.

use crate::audit::{self, Doer, Entry};
use crate::db::{Db, new_id, now_ms};
use crate::numbers::{self, BusinessNumber};
use sqlx::{AnyConnection, FromRow, Row};

const PREFIX: &str = "assent_";

/// How stale a key's `last_used_at` may be. The API authenticates every request;
/// writing the time on each would add a database write (and, on SQLite, a wait
/// for the group's fsync) to every send, at up to a thousand a second. A write at
/// most once a minute per key keeps "last used" true to the minute, which is what
/// a person deciding whether a key is still in use needs, and it is kept in the
/// database rather than in memory, so every instance's use counts and a restart
/// loses nothing.
const LAST_USED_GRAIN_MS: i64 = 60_000;

/// The longest name a key may have.
pub const MAX_NAME: usize = 100;

pub struct IssuedKey {
    pub id: String,
    pub key: String,
}

async fn insert(
    conn: &mut AnyConnection,
    business_number_id: &str,
    name: &str,
) -> sqlx::Result<IssuedKey> {
    let key = format!("{PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
    let id = new_id();
    sqlx::query("INSERT INTO api_keys (id, business_number_id, name, key_sha256, created_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&id)
        .bind(business_number_id)
        .bind(name.to_owned())
        .bind(digest(&key))
        .bind(now_ms())
        .execute(&mut *conn)
        .await?;
    Ok(IssuedKey { id, key })
}

pub async fn create(db: &Db, business_number_id: &str, name: &str) -> anyhow::Result<IssuedKey> {
    let mut w = db.write().await?;
    let issued = insert(&mut w, business_number_id, name).await?;
    w.commit().await?;
    Ok(issued)
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("a key needs a name of 1 to {MAX_NAME} characters, without control characters")]
    BadName,
    #[error("no such business number")]
    NoNumber,
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for IssueError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

/// A key's name as people type it: trimmed, 1 to `MAX_NAME` characters.
pub fn parse_name(raw: &str) -> Result<String, IssueError> {
    let name = raw.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(IssueError::BadName);
    }
    Ok(name.to_owned())
}

/// Issues a key for a member of staff, recorded in the audit log with it. The
/// key is in the answer only: nothing can show it again.
pub async fn issue(
    db: &Db,
    who: &Doer,
    business_number_id: &str,
    name: &str,
) -> Result<IssuedKey, IssueError> {
    let name = parse_name(name)?;
    let mut w = db.write().await?;
    let Some(number) = numbers::by_id(&mut w, business_number_id).await? else {
        return Err(IssueError::NoNumber);
    };
    let issued = insert(&mut w, &number.id, &name).await?;
    let detail = format!("\"{name}\" for number {}", number.phone_number_id);
    audit::record(
        &mut w,
        who,
        Entry {
            action: "api_key.created",
            target: &format!("api_key:{}", issued.id),
            detail: &detail,
        },
    )
    .await?;
    w.commit().await?;
    Ok(issued)
}

/// Revokes a key at once: the next request with it is refused. False when it was
/// revoked already or does not exist.
pub async fn revoke(db: &Db, who: &Doer, id: &str) -> anyhow::Result<bool> {
    let mut w = db.write().await?;
    let changed =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(now_ms())
            .bind(id)
            .execute(&mut *w)
            .await?
            .rows_affected()
            > 0;
    if changed {
        let name = name_of(&mut w, id).await?.unwrap_or_default();
        audit::record(
            &mut w,
            who,
            Entry {
                action: "api_key.revoked",
                target: &format!("api_key:{id}"),
                detail: &format!("\"{name}\""),
            },
        )
        .await?;
    }
    w.commit().await?;
    Ok(changed)
}

/// A key as the console lists it: never the key, which is not stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Listed {
    pub id: String,
    pub name: String,
    pub phone_number_id: String,
    pub display_number: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Every key, the ones in use first, newest first.
pub async fn list(db: &Db) -> anyhow::Result<Vec<Listed>> {
    Ok(sqlx::query_as(
        "SELECT k.id, k.name, n.phone_number_id, n.display_number, k.created_at, k.last_used_at, k.revoked_at \
         FROM api_keys k JOIN business_numbers n ON n.id = k.business_number_id \
         ORDER BY CASE WHEN k.revoked_at IS NULL THEN 0 ELSE 1 END, k.created_at DESC, k.id DESC",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// One key, for the page that asks before revoking it.
pub async fn find(db: &Db, id: &str) -> anyhow::Result<Option<Listed>> {
    Ok(sqlx::query_as(
        "SELECT k.id, k.name, n.phone_number_id, n.display_number, k.created_at, k.last_used_at, k.revoked_at \
         FROM api_keys k JOIN business_numbers n ON n.id = k.business_number_id WHERE k.id = $1",
    )
    .bind(id)
    .fetch_optional(&db.pool)
    .await?)
}

/// A key that was presented and is valid.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub id: String,
    /// The name it was created with, which the audit log shows.
    pub name: String,
    pub number: BusinessNumber,
}

/// The key's id, name and number, for a key that exists and is not revoked. Keys
/// are looked up by their SHA-256, so no stored secret is ever compared byte by
/// byte. Notes the use when the stored time is older than `LAST_USED_GRAIN_MS`.
pub async fn authenticate(db: &Db, presented: &str) -> anyhow::Result<Option<Authenticated>> {
    // The key and its number in one read: every API request pays for it.
    let sql = format!(
        "SELECT k.id AS key_id, k.name AS key_name, k.last_used_at AS key_last_used_at, {} \
         FROM api_keys k JOIN business_numbers n ON n.id = k.business_number_id \
         WHERE k.key_sha256 = $1 AND k.revoked_at IS NULL",
        numbers::columns_of_n()
    );
    let found = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(digest(presented.trim()))
        .fetch_optional(&db.pool)
        .await?;
    let Some(row) = found else {
        return Ok(None);
    };
    let id: String = row.try_get("key_id")?;
    let name: String = row.try_get("key_name")?;
    let last_used: Option<i64> = row.try_get("key_last_used_at")?;
    let number = BusinessNumber::from_row(&row)?;
    let now = now_ms();
    if last_used.is_none_or(|at| at <= now - LAST_USED_GRAIN_MS) {
        // Conditional, so instances that race write it once; a failure costs the
        // request nothing but a stale "last used".
        let noted = db
            .write_one(
                sqlx::query(
                    "UPDATE api_keys SET last_used_at = $1 WHERE id = $2 \
                     AND (last_used_at IS NULL OR last_used_at <= $3)",
                )
                .bind(now)
                .bind(&id)
                .bind(now - LAST_USED_GRAIN_MS),
            )
            .await;
        if let Err(e) = noted {
            tracing::warn!(error = %e, key = %id, "the key's last use could not be noted");
        }
    }
    Ok(Some(Authenticated { id, name, number }))
}

/// A key's name, revoked or not: who did something in the past.
pub async fn name_of(conn: &mut sqlx::AnyConnection, id: &str) -> anyhow::Result<Option<String>> {
    let found: Option<(String,)> = sqlx::query_as("SELECT name FROM api_keys WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(found.map(|(name,)| name))
}

fn digest(key: &str) -> String {
    crate::digest::sha256_hex(key.as_bytes())
}
