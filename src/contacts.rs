//! Contacts: a person per business number, known by `wa_id` and/or Meta's user id.
//! This table holds the personal data the ledger's events point to by `id` only.

use crate::db::{new_id, now_ms};
use crate::domain::Recipient;
use sqlx::AnyConnection;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub id: String,
    pub business_number_id: String,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
    pub last_inbound_at: Option<i64>,
    pub marketing_stopped_at: Option<i64>,
}

const COLUMNS: &str =
    "id, business_number_id, wa_id, user_id, last_inbound_at, marketing_stopped_at";

pub async fn find(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &Recipient,
) -> anyhow::Result<Option<Contact>> {
    let (column, value) = match who {
        Recipient::Phone(p) => ("wa_id", p.wa_id()),
        Recipient::User(u) => ("user_id", u.as_str()),
    };
    let sql =
        format!("SELECT {COLUMNS} FROM contacts WHERE business_number_id = $1 AND {column} = $2");
    Ok(sqlx::query_as::<_, Contact>(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn find_by_id(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Contact>> {
    let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id = $1");
    Ok(sqlx::query_as::<_, Contact>(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Finds the contact or creates it; safe under concurrent callers (the unique
/// constraint decides, and the loser reads the winner's row).
pub async fn get_or_create(
    conn: &mut AnyConnection,
    business_number_id: &str,
    who: &Recipient,
) -> anyhow::Result<Contact> {
    if let Some(found) = find(conn, business_number_id, who).await? {
        return Ok(found);
    }
    let (wa_id, user_id) = match who {
        Recipient::Phone(p) => (Some(p.wa_id()), None),
        Recipient::User(u) => (None, Some(u.as_str())),
    };
    sqlx::query(
        "INSERT INTO contacts (id, business_number_id, wa_id, user_id, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT DO NOTHING",
    )
    .bind(new_id())
    .bind(business_number_id)
    .bind(wa_id)
    .bind(user_id)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    find(conn, business_number_id, who)
        .await?
        .ok_or_else(|| anyhow::anyhow!("contact vanished right after it was created"))
}

/// The person wrote to us: the 24 h customer-service window starts again.
pub async fn touch_inbound(
    conn: &mut AnyConnection,
    contact_id: &str,
    at_ms: i64,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET last_inbound_at = $1 WHERE id = $2 AND (last_inbound_at IS NULL OR last_inbound_at < $1)")
        .bind(at_ms)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_marketing_stopped(
    conn: &mut AnyConnection,
    contact_id: &str,
    at_ms: Option<i64>,
) -> anyhow::Result<()> {
    sqlx::query("UPDATE contacts SET marketing_stopped_at = $1 WHERE id = $2")
        .bind(at_ms)
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
