//! Staff users of the console, with argon2id password hashes.

use crate::db::{Db, new_id, now_ms};
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};
use std::sync::LazyLock;
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

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Admin, Self::Compliance, Self::Marketer]
            .into_iter()
            .find(|r| r.as_str() == raw)
    }
}

/// A staff member as the console sees them; never their password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    email: String,
    role: String,
    password_hash: String,
}

impl Row {
    fn user(self) -> Option<User> {
        Some(User {
            role: Role::parse(&self.role)?,
            id: self.id,
            email: self.email,
        })
    }
}

async fn row_by(db: &Db, column: &str, value: &str) -> anyhow::Result<Option<Row>> {
    let sql = format!("SELECT id, email, role, password_hash FROM users WHERE {column} = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_optional(&db.pool)
        .await?)
}

/// The user with this id, if they still exist.
pub async fn find_active(db: &Db, id: &str) -> anyhow::Result<Option<User>> {
    Ok(row_by(db, "id", id).await?.and_then(Row::user))
}

/// A hash of no one's password: an unknown email is checked against it, so it
/// takes as long as a known one and the answer cannot tell them apart.
static NOBODY: LazyLock<String> = LazyLock::new(|| {
    let random = hex::encode(rand::random::<[u8; 16]>());
    Argon2::default()
        .hash_password(random.as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// The user whose email and password these are.
pub async fn authenticate(db: &Db, email: &str, password: &str) -> anyhow::Result<Option<User>> {
    let row = row_by(db, "email", &email.trim().to_lowercase()).await?;
    let stored = row
        .as_ref()
        .map_or_else(|| NOBODY.clone(), |r| r.password_hash.clone());
    let password = password.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await?;
    Ok(row.filter(|_| matches).and_then(Row::user))
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
    db: &Db,
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
    let insert = sqlx::query(
        "INSERT INTO users (id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(&email)
    .bind(role.as_str())
    .bind(hash)
    .bind(now_ms());
    let inserted = db
        .write_one(insert)
        .await
        .map_err(anyhow::Error::from)?
        .rows_affected();
    if inserted == 0 {
        return Err(AddUserError::Exists(email));
    }
    Ok(id)
}
