//! Staff users of the console: roles and what each may open, argon2id passwords,
//! sign-in with throttling, and the changes an admin or the person makes, each
//! recorded in the audit log in the same transaction.

mod invites;
mod password;
mod setup;

pub use invites::{
    INVITE_TTL, Invitation, InviteError, OpenInvite, accept_invite, invite, invite_open,
};
pub use password::{MAX_LENGTH, MIN_LENGTH, PasswordError};
pub use setup::{SetupError, create_first_admin, offer_setup_link, setup_link_open};

use crate::audit::{self, Doer, Entry};
use crate::db::{Db, new_id, now_ms};
use crate::domain::Actor;
use crate::throttle::{self, Limit};
use sqlx::AnyConnection;
use std::sync::LazyLock;
use std::time::Duration;
use validator::ValidateEmail;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    Admin,
    Compliance,
    Marketer,
}

/// A part of the console. Each route belongs to one; `Role::may` is the one place
/// that says who may open it (README lists it as a table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// Every signed-in user: the home page, their own account.
    Anyone,
    /// Consent records and personal data: ledger, people, exports, erasure, audit.
    Compliance,
    /// Forms, links, QR codes and their statistics.
    Marketing,
    /// Staff accounts.
    Admin,
}

impl Role {
    pub const ALL: [Self; 3] = [Self::Admin, Self::Compliance, Self::Marketer];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Compliance => "compliance",
            Self::Marketer => "marketer",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == raw)
    }

    pub fn may(self, area: Area) -> bool {
        matches!(
            (self, area),
            (_, Area::Anyone)
                | (Self::Admin, _)
                | (Self::Compliance, Area::Compliance)
                | (Self::Marketer, Area::Marketing)
        )
    }
}

/// A staff member as the console sees them; never their password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub email: String,
    pub role: Role,
    /// Moves when the password changes or the account is disabled: sessions
    /// signed in under an older epoch are over, on every instance.
    pub session_epoch: i64,
}

/// A user as the admin's list shows them.
#[derive(Debug, Clone)]
pub struct Account {
    pub user: User,
    pub disabled: bool,
    pub created_at: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    email: String,
    role: String,
    password_hash: String,
    session_epoch: i64,
    disabled_at: Option<i64>,
    created_at: i64,
}

impl Row {
    fn user(&self) -> Option<User> {
        Some(User {
            role: Role::parse(&self.role)?,
            id: self.id.clone(),
            email: self.email.clone(),
            session_epoch: self.session_epoch,
        })
    }

    fn active(self) -> Option<User> {
        self.disabled_at.is_none().then(|| self.user()).flatten()
    }
}

const COLUMNS: &str = "id, email, role, password_hash, session_epoch, disabled_at, created_at";

async fn row_by(
    conn: &mut AnyConnection,
    column: &str,
    value: &str,
) -> anyhow::Result<Option<Row>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {column} = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The user with this id, if they exist and are not disabled.
pub async fn find_active(db: &Db, id: &str) -> anyhow::Result<Option<User>> {
    Ok(row_by(&mut *db.pool.acquire().await?, "id", id)
        .await?
        .and_then(Row::active))
}

/// A staff member's email, disabled or not: who did something in the past.
pub async fn email_of(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<String>> {
    Ok(row_by(conn, "id", id).await?.map(|r| r.email))
}

pub async fn list(db: &Db) -> anyhow::Result<Vec<Account>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY email");
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            Some(Account {
                user: r.user()?,
                disabled: r.disabled_at.is_some(),
                created_at: r.created_at,
            })
        })
        .collect())
}

/// Whether any staff account exists (before the first, the setup link is open).
pub async fn any(db: &Db) -> anyhow::Result<bool> {
    exist(&mut *db.pool.acquire().await?).await
}

async fn exist(conn: &mut AnyConnection) -> anyhow::Result<bool> {
    let one: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM users LIMIT 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(one.is_some())
}

/// A hash of no one's password: an unknown email is checked against it, so it
/// takes as long as a known one and the answer cannot tell them apart.
static NOBODY: LazyLock<String> = LazyLock::new(|| {
    use argon2::{Argon2, PasswordHasher};
    let random = hex::encode(rand::random::<[u8; 16]>());
    Argon2::default()
        .hash_password(random.as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// Computes the hash an unknown email is checked against, so that even the first
/// such sign-in after start takes as long as a known one. In the background: the
/// server answers meanwhile.
pub fn prepare_sign_in() {
    tokio::task::spawn_blocking(|| LazyLock::force(&NOBODY));
}

/// Sign-in attempts: at most 10 per typed email address and 30 per IP address in
/// a quarter of an hour (counted whether the email exists or not, so the limit
/// says nothing about who has an account).
pub const SIGN_IN_LIMITS: [Limit; 2] = [
    Limit {
        what: "sign-in-email",
        hits: 10,
        window: Duration::from_secs(15 * 60),
    },
    Limit {
        what: "sign-in-ip",
        hits: 30,
        window: Duration::from_secs(15 * 60),
    },
];

pub enum SignIn {
    Welcome(User),
    /// Wrong email, wrong password or a disabled account: one answer for all.
    Refused,
    Throttled,
}

/// A sign-in attempt: throttled first (so a throttled attempt costs no hash),
/// then checked in the same time whether the account exists or not.
pub async fn sign_in(
    db: &Db,
    secret: &[u8],
    email: &str,
    password: &str,
    ip: Option<&str>,
) -> anyhow::Result<SignIn> {
    let email = email.trim().to_lowercase();
    let mut w = db.write().await?;
    let mut allowed = true;
    for (limit, key) in SIGN_IN_LIMITS
        .into_iter()
        .zip([email.as_str(), ip.unwrap_or("")])
    {
        allowed &= throttle::hit(&mut w, secret, limit, key).await?;
    }
    w.commit().await?;
    if !allowed {
        return Ok(SignIn::Throttled);
    }
    let row = row_by(&mut *db.pool.acquire().await?, "email", &email).await?;
    let stored = row
        .as_ref()
        .map_or_else(|| NOBODY.clone(), |r| r.password_hash.clone());
    let matches = password::verify(stored, password.to_owned()).await?;
    Ok(match row.filter(|_| matches).and_then(Row::active) {
        Some(user) => {
            audit::record_alone(
                db,
                &Doer {
                    actor: Actor::Staff(user.id.clone()),
                    name: user.email.clone(),
                    ip: ip.map(str::to_owned),
                },
                Entry {
                    action: "session.signed_in",
                    target: &format!("user:{}", user.id),
                    detail: "",
                },
            )
            .await?;
            SignIn::Welcome(user)
        }
        None => SignIn::Refused,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    #[error("{0:?} is not an email address")]
    BadEmail(String),
    #[error("password: {0}")]
    Password(#[from] PasswordError),
    #[error("a user with email {0:?} already exists")]
    Exists(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AddUserError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

/// Checks a new account's email and password and hashes the password.
async fn prepare(email: &str, password: String) -> Result<(String, String), AddUserError> {
    let email = email.trim().to_lowercase();
    if !email.validate_email() {
        return Err(AddUserError::BadEmail(email));
    }
    password::check(&email, &password)?;
    Ok((email.clone(), password::hash(password).await?))
}

async fn insert(
    conn: &mut AnyConnection,
    who: &Doer,
    email: &str,
    role: Role,
    hash: &str,
) -> Result<User, AddUserError> {
    let id = new_id();
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (email) DO NOTHING",
    )
    .bind(&id)
    .bind(email)
    .bind(role.as_str())
    .bind(hash)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(AddUserError::Exists(email.to_owned()));
    }
    let target = format!("user:{id}");
    let detail = format!("{email} as {}", role.as_str());
    audit::record(
        conn,
        who,
        Entry {
            action: "user.created",
            target: &target,
            detail: &detail,
        },
    )
    .await?;
    Ok(User {
        id,
        email: email.to_owned(),
        role,
        session_epoch: 0,
    })
}

pub async fn add(
    db: &Db,
    who: &Doer,
    email: &str,
    role: Role,
    password: String,
) -> Result<User, AddUserError> {
    let (email, hash) = prepare(email, password).await?;
    let mut w = db.write().await?;
    let user = insert(&mut w, who, &email, role, &hash).await?;
    w.commit().await?;
    Ok(user)
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordChangeError {
    #[error("that is not your current password")]
    WrongCurrent,
    #[error("{0}")]
    Policy(#[from] PasswordError),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The person changes their own password; every other session of theirs ends.
/// Returns the user under their new session epoch, for the session in hand.
pub async fn change_password(
    db: &Db,
    who: &Doer,
    user: &User,
    current: &str,
    new: String,
) -> Result<User, PasswordChangeError> {
    let Some(row) = row_by(
        &mut *db.pool.acquire().await.map_err(anyhow::Error::from)?,
        "id",
        &user.id,
    )
    .await?
    else {
        return Err(PasswordChangeError::WrongCurrent);
    };
    if !password::verify(row.password_hash.clone(), current.to_owned()).await? {
        return Err(PasswordChangeError::WrongCurrent);
    }
    password::check(&user.email, &new)?;
    let hash = password::hash(new).await?;
    let mut w = db.write().await.map_err(anyhow::Error::from)?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, session_epoch = session_epoch + 1 WHERE id = $2",
    )
    .bind(hash)
    .bind(&user.id)
    .execute(&mut *w)
    .await
    .map_err(anyhow::Error::from)?;
    let target = format!("user:{}", user.id);
    audit::record(
        &mut w,
        who,
        Entry {
            action: "user.password_changed",
            target: &target,
            detail: "",
        },
    )
    .await?;
    w.commit().await.map_err(anyhow::Error::from)?;
    Ok(User {
        session_epoch: row.session_epoch + 1,
        ..user.clone()
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Toggled {
    Changed,
    /// It already was so, or there is no such account.
    Unchanged,
    /// An admin cannot disable themselves: the installation keeps one way in.
    OwnAccount,
    /// It is the last enabled admin account.
    LastAdmin,
}

/// An admin disables or enables an account. Disabling ends its sessions at once:
/// every console request reads the account afresh.
pub async fn set_disabled(
    db: &Db,
    who: &Doer,
    id: &str,
    disabled: bool,
) -> anyhow::Result<Toggled> {
    if disabled && who.actor == Actor::Staff(id.to_owned()) {
        return Ok(Toggled::OwnAccount);
    }
    let mut w = db.write().await?;
    if disabled && last_admin(&mut w, id).await? {
        return Ok(Toggled::LastAdmin);
    }
    let changed = if disabled {
        sqlx::query(
            "UPDATE users SET disabled_at = $1, session_epoch = session_epoch + 1 WHERE id = $2 AND disabled_at IS NULL",
        )
        .bind(now_ms())
        .bind(id)
    } else {
        sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL").bind(id)
    }
    .execute(&mut *w)
    .await?
    .rows_affected()
        > 0;
    if changed {
        let action = if disabled {
            "user.disabled"
        } else {
            "user.enabled"
        };
        audit::record(
            &mut w,
            who,
            Entry {
                action,
                target: &format!("user:{id}"),
                detail: "",
            },
        )
        .await?;
    }
    w.commit().await?;
    Ok(if changed {
        Toggled::Changed
    } else {
        Toggled::Unchanged
    })
}

/// Whether `id` is the one enabled admin account left. Locks the enabled admins'
/// rows on PostgreSQL, so two admins demoting or disabling each other at once
/// cannot both pass and leave none (the second waits and sees the first's change).
async fn last_admin(conn: &mut AnyConnection, id: &str) -> anyhow::Result<bool> {
    let lock = if conn.backend_name() == "PostgreSQL" {
        " FOR UPDATE"
    } else {
        ""
    };
    let admins: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM users WHERE role = 'admin' AND disabled_at IS NULL{lock}"
    )))
    .fetch_all(&mut *conn)
    .await?;
    Ok(admins.iter().any(|(a,)| a == id) && admins.len() == 1)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleChange {
    Changed,
    /// It had that role already, or there is no such account.
    Unchanged,
    /// Nobody changes their own role: an admin cannot lock themselves out.
    OwnAccount,
    /// It is the last enabled admin account.
    LastAdmin,
}

/// An admin gives another account a role. Sessions go on: every console request
/// reads the account, so the new role applies from the next page on.
pub async fn change_role(db: &Db, who: &Doer, id: &str, role: Role) -> anyhow::Result<RoleChange> {
    if who.actor == Actor::Staff(id.to_owned()) {
        return Ok(RoleChange::OwnAccount);
    }
    let mut w = db.write().await?;
    if role != Role::Admin && last_admin(&mut w, id).await? {
        return Ok(RoleChange::LastAdmin);
    }
    let Some(row) = row_by(&mut w, "id", id).await? else {
        return Ok(RoleChange::Unchanged);
    };
    if row.role == role.as_str() {
        return Ok(RoleChange::Unchanged);
    }
    sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
        .bind(role.as_str())
        .bind(id)
        .execute(&mut *w)
        .await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "user.role_changed",
            target: &format!("user:{id}"),
            detail: &format!("{}: {} to {}", row.email, row.role, role.as_str()),
        },
    )
    .await?;
    w.commit().await?;
    Ok(RoleChange::Changed)
}
