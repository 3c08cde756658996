//! Double opt-ins awaiting their confirmation, kept in step with the ledger by
//! `ledger::append`: a grant that names a confirmation template opens one; a
//! confirmation, withdrawal, decline, expiry or erasure closes it. Finding what
//! is due to expire reads this table, never the whole ledger.

use super::event::ConsentAction;
use super::ledger::RecordedEvent;
use sqlx::AnyConnection;

pub(super) async fn note(conn: &mut AnyConnection, event: &RecordedEvent) -> anyhow::Result<()> {
    match event.action {
        ConsentAction::Granted if event.confirmation_template.is_some() => {
            sqlx::query(
                "INSERT INTO pending_opt_ins (contact_id, category, business_number_id, source_ref, since) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (contact_id, category) \
                 DO UPDATE SET source_ref = excluded.source_ref, since = excluded.since",
            )
            .bind(&event.subject_id)
            .bind(&event.category)
            .bind(&event.business_number_id)
            .bind(&event.source_ref)
            .bind(event.created_at)
            .execute(&mut *conn)
            .await?;
        }
        ConsentAction::Erased => {
            sqlx::query("DELETE FROM pending_opt_ins WHERE contact_id = $1")
                .bind(&event.subject_id)
                .execute(&mut *conn)
                .await?;
        }
        _ => {
            sqlx::query("DELETE FROM pending_opt_ins WHERE contact_id = $1 AND category = $2")
                .bind(&event.subject_id)
                .bind(&event.category)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// A double opt-in still waiting.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    pub contact_id: String,
    pub category: String,
    pub business_number_id: String,
    /// Where it was asked for (`form:{slug}`, an API key, …).
    pub source_ref: Option<String>,
    pub since: i64,
}

/// Those opened at or before `cutoff_ms`, oldest first, at most `limit`.
pub async fn older_than(
    conn: &mut AnyConnection,
    cutoff_ms: i64,
    limit: i64,
) -> anyhow::Result<Vec<Pending>> {
    Ok(sqlx::query_as(
        "SELECT contact_id, category, business_number_id, source_ref, since FROM pending_opt_ins \
         WHERE since <= $1 ORDER BY since LIMIT $2",
    )
    .bind(cutoff_ms)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// The categories of a person's opt-ins still waiting for their confirmation.
pub async fn of_contact(
    conn: &mut AnyConnection,
    contact_id: &str,
) -> anyhow::Result<Vec<Pending>> {
    Ok(sqlx::query_as(
        "SELECT contact_id, category, business_number_id, source_ref, since FROM pending_opt_ins \
         WHERE contact_id = $1 ORDER BY category",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?)
}
