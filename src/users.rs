//! Staff users of the console, with argon2id password hashes.

use crate::db::{new_id, now_ms};
use argon2::{Argon2, PasswordHasher};
use sqlx::AnyConnection;
use validator::ValidateEmail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Admin,
    Compliance,
    Marketer,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Compliance => "compliance",
            Self::Marketer => "marketer",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    #[error("the password must be at least 12 characters")]
    ShortPassword,
    #[error("a user with email {0:?} already exists")]
    Exists(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

pub async fn add(
    conn: &mut AnyConnection,
    email: &str,
    role: Role,
    password: String,
) -> Result<String, AddUserError> {
    let email = email.trim().to_lowercase();
    if !email.validate_email() {
        return Err(AddUserError::BadEmail(email));
    }
    if password.chars().count() < 12 {
        return Err(AddUserError::ShortPassword);
    }
    let hash = tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))?;
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(&email)
    .bind(role.as_str())
    .bind(hash)
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(anyhow::Error::from)?
    .rows_affected();
    if inserted == 0 {
        return Err(AddUserError::Exists(email));
    }
    Ok(id)
}
