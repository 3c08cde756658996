//! First run: while no staff account exists, `assent serve` prints a one-time
//! link that creates the first admin. The link expires, works once, and stops
//! working as soon as any account exists. Only its hash is stored.

use super::{AddUserError, Role, User, exist, insert, prepare};
use crate::audit::Doer;
use crate::db::{Db, now_ms};
use crate::digest::sha256_hex;
use crate::domain::Actor;
use std::time::Duration;

pub const SETUP_LINK_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// A new setup token when there is no account yet; `None` once there is one.
pub async fn offer_setup_link(db: &Db) -> anyhow::Result<Option<String>> {
    let mut w = db.write().await?;
    if exist(&mut w).await? {
        return Ok(None);
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    sqlx::query("INSERT INTO setup_links (token_hash, expires_at) VALUES ($1, $2)")
        .bind(sha256_hex(token.as_bytes()))
        .bind(now_ms() + SETUP_LINK_TTL.as_millis() as i64)
        .execute(&mut *w)
        .await?;
    w.commit().await?;
    Ok(Some(token))
}

async fn usable(conn: &mut sqlx::AnyConnection, token: &str) -> anyhow::Result<bool> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT expires_at FROM setup_links WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some() && !exist(conn).await?)
}

/// Whether the link still creates the first admin.
pub async fn setup_link_open(db: &Db, token: &str) -> anyhow::Result<bool> {
    usable(&mut *db.pool.acquire().await?, token).await
}

#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("this setup link has been used, has expired, or an account exists already")]
    Closed,
    #[error(transparent)]
    Account(#[from] AddUserError),
}

/// Creates the first admin through a setup link, and spends the link.
pub async fn create_first_admin(
    db: &Db,
    token: &str,
    email: &str,
    password: String,
    ip: Option<String>,
) -> Result<User, SetupError> {
    let (email, hash) = prepare(email, password).await?;
    let mut w = db.write().await.map_err(AddUserError::from)?;
    if !usable(&mut w, token).await.map_err(AddUserError::from)? {
        return Err(SetupError::Closed);
    }
    sqlx::query("UPDATE setup_links SET used_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(sha256_hex(token.as_bytes()))
        .execute(&mut *w)
        .await
        .map_err(AddUserError::from)?;
    let who = Doer {
        actor: Actor::system("setup"),
        name: "first-run setup link".into(),
        ip,
    };
    let user = insert(&mut w, &who, &email, Role::Admin, &hash).await?;
    w.commit().await.map_err(AddUserError::from)?;
    Ok(user)
}
