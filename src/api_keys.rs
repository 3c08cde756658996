//! API keys: random, shown once, stored as SHA-256, each bound to one business number.

use crate::db::{Db, new_id, now_ms};
use crate::numbers::{self, BusinessNumber};

const PREFIX: &str = "assent_";

pub struct IssuedKey {
    pub id: String,
    pub key: String,
}

pub async fn create(db: &Db, business_number_id: &str, name: &str) -> anyhow::Result<IssuedKey> {
    let key = format!("{PREFIX}{}", hex::encode(rand::random::<[u8; 32]>()));
    let id = new_id();
    db.write_one(
        sqlx::query("INSERT INTO api_keys (id, business_number_id, name, key_sha256, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&id)
            .bind(business_number_id)
            .bind(name.to_owned())
            .bind(digest(&key))
            .bind(now_ms()),
    )
    .await?;
    Ok(IssuedKey { id, key })
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
/// byte.
pub async fn authenticate(db: &Db, presented: &str) -> anyhow::Result<Option<Authenticated>> {
    let mut conn = db.pool.acquire().await?;
    let found: Option<(String, String, String)> = sqlx::query_as(
        "SELECT id, name, business_number_id FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL",
    )
    .bind(digest(presented.trim()))
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, name, number_id)) = found else {
        return Ok(None);
    };
    Ok(numbers::by_id(&mut conn, &number_id)
        .await?
        .map(|number| Authenticated { id, name, number }))
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
