//! Invitations: an admin names a new colleague's email address and role, and
//! Assent makes a one-time link (shown to the admin once, only its hash stored)
//! at which the colleague chooses their own password. The link expires, works
//! once, and stops working if an account with the address exists by then.

use super::{AddUserError, Role, User, insert, prepare};
use crate::audit::{self, Doer, Entry};
use crate::db::{Db, now_ms};
use crate::digest::sha256_hex;
use crate::domain::Actor;
use sqlx::AnyConnection;
use std::time::Duration;
use validator::ValidateEmail;

pub const INVITE_TTL: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// An invitation that was made: the token for the link, shown once.
pub struct Invitation {
    pub token: String,
    pub email: String,
    pub role: Role,
    pub expires_at: i64,
}

/// What the invitation page shows: whom it is for.
pub struct OpenInvite {
    pub email: String,
    pub role: Role,
}

/// What the audit log calls an invitation: part of its hash, never the token.
fn target(token_hash: &str) -> String {
    format!("invite:{}", &token_hash[..16])
}

/// Invites `email` as `role`. Refused for an address that has an account.
pub async fn invite(
    db: &Db,
    who: &Doer,
    email: &str,
    role: Role,
) -> Result<Invitation, AddUserError> {
    let email = email.trim().to_lowercase();
    if !email.validate_email() {
        return Err(AddUserError::BadEmail(email));
    }
    let token = hex::encode(rand::random::<[u8; 32]>());
    let hash = sha256_hex(token.as_bytes());
    let expires_at = now_ms() + INVITE_TTL.as_millis() as i64;
    let mut w = db.write().await?;
    if super::row_by(&mut w, "email", &email).await?.is_some() {
        return Err(AddUserError::Exists(email));
    }
    sqlx::query(
        "INSERT INTO staff_invites (token_hash, email, role, invited_by, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&hash)
    .bind(&email)
    .bind(role.as_str())
    .bind(who.actor.to_string())
    .bind(now_ms())
    .bind(expires_at)
    .execute(&mut *w)
    .await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "user.invited",
            target: &target(&hash),
            detail: &format!("{email} as {}", role.as_str()),
        },
    )
    .await?;
    w.commit().await?;
    Ok(Invitation {
        token,
        email,
        role,
        expires_at,
    })
}

async fn usable(conn: &mut AnyConnection, token: &str) -> anyhow::Result<Option<OpenInvite>> {
    let found: Option<(String, String)> = sqlx::query_as(
        "SELECT email, role FROM staff_invites WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(sha256_hex(token.as_bytes()))
    .bind(now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((email, role)) = found else {
        return Ok(None);
    };
    if super::row_by(conn, "email", &email).await?.is_some() {
        return Ok(None);
    }
    Ok(Role::parse(&role).map(|role| OpenInvite { email, role }))
}

/// Whom the link invites, while it is still open.
pub async fn invite_open(db: &Db, token: &str) -> anyhow::Result<Option<OpenInvite>> {
    usable(&mut *db.pool.acquire().await?, token).await
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("this invitation has been used, has expired, or its address has an account already")]
    Closed,
    #[error(transparent)]
    Account(#[from] AddUserError),
}

/// Creates the invited account with the password its owner chose, and spends
/// the link.
pub async fn accept_invite(
    db: &Db,
    token: &str,
    password: String,
    ip: Option<String>,
) -> Result<User, InviteError> {
    let Some(open) = invite_open(db, token).await.map_err(AddUserError::from)? else {
        return Err(InviteError::Closed);
    };
    let (email, hash) = prepare(&open.email, password).await?;
    let mut w = db.write().await.map_err(AddUserError::from)?;
    let Some(open) = usable(&mut w, token).await.map_err(AddUserError::from)? else {
        return Err(InviteError::Closed);
    };
    let token_hash = sha256_hex(token.as_bytes());
    sqlx::query("UPDATE staff_invites SET used_at = $1 WHERE token_hash = $2")
        .bind(now_ms())
        .bind(&token_hash)
        .execute(&mut *w)
        .await
        .map_err(AddUserError::from)?;
    let who = Doer {
        actor: Actor::system("invite"),
        name: format!("invitation {}", target(&token_hash)),
        ip,
    };
    let user = insert(&mut w, &who, &email, open.role, &hash).await?;
    w.commit().await.map_err(AddUserError::from)?;
    Ok(user)
}
