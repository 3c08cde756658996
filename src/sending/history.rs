//! What the sending core holds about one person: the messages sent to them with
//! every status reported, and the sends refused to them.

pub use super::blocked::Refused;
use crate::contacts::Contact;
use crate::domain::MessageStatus;
use sqlx::AnyConnection;

/// A message sent (or queued) to the person.
#[derive(Debug, Clone)]
pub struct Sent {
    pub id: String,
    pub created_at: i64,
    pub kind: String,
    pub template_name: Option<String>,
    pub category: Option<String>,
    pub status: String,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
    pub actor: String,
    /// The message as it was accepted (Meta's message object).
    pub payload: String,
    /// The provider's id (Meta's `wamid`), once the provider has it.
    pub provider_message_id: Option<String>,
    pub statuses: Vec<StatusReport>,
}

/// One status a provider or Meta reported for a message.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StatusReport {
    pub status: String,
    pub at: i64,
    pub error_code: Option<i64>,
    pub error_title: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    created_at: i64,
    kind: String,
    template_name: Option<String>,
    category: Option<String>,
    status: String,
    error_code: Option<i64>,
    error_title: Option<String>,
    actor: String,
    payload: String,
    provider_message_id: Option<String>,
}

/// Every message to the person, oldest first, each with its statuses.
pub async fn sent_to(conn: &mut AnyConnection, contact_id: &str) -> anyhow::Result<Vec<Sent>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, created_at, kind, template_name, category, status, error_code, error_title, actor, payload, provider_message_id \
         FROM messages WHERE contact_id = $1 ORDER BY created_at, id",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut sent = Vec::with_capacity(rows.len());
    for r in rows {
        let mut statuses: Vec<StatusReport> = sqlx::query_as(
            "SELECT status, at, error_code, error_title FROM message_statuses WHERE message_id = $1 ORDER BY at, status",
        )
        .bind(&r.id)
        .fetch_all(&mut *conn)
        .await?;
        // Reported in the same millisecond, they still read in the order a
        // message reaches them.
        statuses.sort_by_key(|s| (s.at, MessageStatus::parse(&s.status)));
        sent.push(Sent {
            id: r.id,
            created_at: r.created_at,
            kind: r.kind,
            template_name: r.template_name,
            category: r.category,
            status: r.status,
            error_code: r.error_code,
            error_title: r.error_title,
            actor: r.actor,
            payload: r.payload,
            provider_message_id: r.provider_message_id,
            statuses,
        });
    }
    Ok(sent)
}

/// The sends refused to the person, found by their suppression keys (the refusal
/// kept only a keyed hash of the recipient).
pub async fn refused_to(
    conn: &mut AnyConnection,
    contact: &Contact,
    keys: &[String],
) -> anyhow::Result<Vec<Refused>> {
    super::blocked::to_person(conn, &contact.business_number_id, keys).await
}
