//! The messages people sent, as received: what the consent conversation did with
//! each (`InboundState`), the body held for the business until the terms are
//! accepted, the replies still owed, and when the business read it.

use crate::db::now_ms;
use sqlx::AnyConnection;

/// What became of an inbound message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboundState {
    /// Stored, not yet acted on.
    Received,
    /// Kept from the business until the person accepts the terms.
    Held,
    /// Forwarded to the business.
    Released,
    /// A keyword or a button for the consent bot; nothing to forward.
    Handled,
}

impl InboundState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Held => "held",
            Self::Released => "released",
            Self::Handled => "handled",
        }
    }
}

/// Records a message; false when it was received before (Meta redelivers).
pub async fn insert(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
    contact_id: &str,
    kind: &str,
) -> anyhow::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO inbound_messages (business_number_id, id, contact_id, kind, state, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
    )
    .bind(business_number_id)
    .bind(id)
    .bind(contact_id)
    .bind(kind.chars().take(40).collect::<String>())
    .bind(InboundState::Received.as_str())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

/// The replies planned for a message and not yet sent.
pub async fn owed_replies(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
) -> anyhow::Result<Option<String>> {
    let owed: Option<(Option<String>,)> = sqlx::query_as(
        "SELECT replies FROM inbound_messages WHERE business_number_id = $1 AND id = $2",
    )
    .bind(business_number_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(owed.and_then(|(r,)| r))
}

/// What the conversation did with the message, and the replies it owes.
pub async fn settle(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
    state: InboundState,
    replies: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE inbound_messages SET state = $1, replies = $2 WHERE business_number_id = $3 AND id = $4",
    )
    .bind(state.as_str())
    .bind(replies)
    .bind(business_number_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn replies_sent(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE inbound_messages SET replies = NULL WHERE business_number_id = $1 AND id = $2",
    )
    .bind(business_number_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Keeps the body the business will get once the terms are accepted.
pub async fn hold(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
    forward_body: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE inbound_messages SET forward_body = $1 WHERE business_number_id = $2 AND id = $3",
    )
    .bind(forward_body)
    .bind(business_number_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The person's held messages, in the order they were received: (id, body).
pub async fn held(
    conn: &mut AnyConnection,
    contact_id: &str,
) -> anyhow::Result<Vec<(String, Option<String>)>> {
    Ok(sqlx::query_as(
        "SELECT id, forward_body FROM inbound_messages WHERE contact_id = $1 AND state = $2 ORDER BY received_at, id",
    )
    .bind(contact_id)
    .bind(InboundState::Held.as_str())
    .fetch_all(&mut *conn)
    .await?)
}

pub async fn released(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE inbound_messages SET state = $1, forward_body = NULL WHERE business_number_id = $2 AND id = $3",
    )
    .bind(InboundState::Released.as_str())
    .bind(business_number_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks a message of this number read; false when the number received no
/// message with that id.
pub async fn mark_read(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE inbound_messages SET read_at = COALESCE(read_at, $1) WHERE business_number_id = $2 AND id = $3",
    )
    .bind(now_ms())
    .bind(business_number_id)
    .bind(id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(done > 0)
}

pub async fn was_received(
    conn: &mut AnyConnection,
    business_number_id: &str,
    id: &str,
) -> anyhow::Result<bool> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT id FROM inbound_messages WHERE business_number_id = $1 AND id = $2")
            .bind(business_number_id)
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

/// A message the person sent, as kept here (its words are in the stored webhook
/// payload, and in `held_body` while it is held).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Received {
    pub id: String,
    pub kind: String,
    pub state: String,
    pub received_at: i64,
    pub read_at: Option<i64>,
    pub held_body: Option<String>,
}

/// Every message the person sent, oldest first.
pub async fn of_contact(
    conn: &mut AnyConnection,
    contact_id: &str,
) -> anyhow::Result<Vec<Received>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, state, received_at, read_at, forward_body AS held_body FROM inbound_messages \
         WHERE contact_id = $1 ORDER BY received_at, id",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// The ids of every message the person sent.
pub async fn ids_of(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<Vec<String>> {
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM inbound_messages WHERE contact_id = $1")
            .bind(contact_id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Deletes the person's messages (erasure, decline); returns how many went.
pub async fn forget(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<u64> {
    let done = sqlx::query("DELETE FROM inbound_messages WHERE contact_id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected())
}
