//! Message statuses (sent, delivered, read, failed), from whichever source reports
//! them: provider answers, the sandbox, Meta's webhooks. Deduplicated by
//! (message, status); a status never moves a message backwards.

use crate::consent::{Evidence, signals};
use crate::contacts;
use crate::db::{Db, Write, now_ms};
use crate::domain::{Actor, MessageStatus};
use crate::forwarding::{self, Kind};
use crate::numbers;
use crate::sending::outbox::{self, Claimed};
use serde_json::json;
use sqlx::AnyConnection;

/// Moves a message forward only: an unknown status never does.
fn advances(new: &str, current: &str) -> bool {
    match (MessageStatus::parse(new), MessageStatus::parse(current)) {
        (Some(new), Some(current)) => new > current,
        (Some(_), None) => true,
        (None, _) => false,
    }
}

/// Records a status; returns false when it was already known.
pub async fn record(
    db: &Db,
    message_id: &str,
    status: &str,
    error: Option<(i64, String)>,
) -> anyhow::Result<bool> {
    let mut tx = db.write().await?;
    let recorded = record_in(&mut tx, message_id, status, error).await?;
    tx.commit().await?;
    Ok(recorded)
}

/// Ends a claimed message as `failed` with this error, in one transaction, so
/// whoever sees it leave the queue also sees why; false when the claim was lost.
pub async fn give_up(db: &Db, message: &Claimed, error: (i64, String)) -> anyhow::Result<bool> {
    // The number first, as every writer of these rows takes it.
    let mut tx = db.write_for(&message.business_number_id).await?;
    let done = give_up_in(&mut tx, message, error).await?;
    tx.commit().await?;
    Ok(done)
}

/// `give_up` inside the caller's transaction, which holds the number's lock.
pub(super) async fn give_up_in(
    tx: &mut Write,
    message: &Claimed,
    error: (i64, String),
) -> anyhow::Result<bool> {
    if !outbox::give_up(tx, message).await? {
        return Ok(false);
    }
    record_in(tx, &message.id, "failed", Some(error)).await?;
    Ok(true)
}

/// A message as a status finds it: its number, where it stands, who sent it and
/// to whom.
#[derive(sqlx::FromRow)]
struct Sent {
    business_number_id: String,
    status: String,
    contact_id: String,
    actor: String,
    wa_id: Option<String>,
    user_id: Option<String>,
}

async fn sent(conn: &mut AnyConnection, message_id: &str) -> anyhow::Result<Option<Sent>> {
    Ok(sqlx::query_as(
        "SELECT m.business_number_id, m.status, m.contact_id, m.actor, c.wa_id, c.user_id FROM messages m \
         LEFT JOIN contacts c ON c.id = m.contact_id WHERE m.id = $1",
    )
    .bind(message_id)
    .fetch_optional(&mut *conn)
    .await?)
}

/// `record` inside the caller's write.
pub async fn record_in(
    tx: &mut Write,
    message_id: &str,
    status: &str,
    error: Option<(i64, String)>,
) -> anyhow::Result<bool> {
    let now = now_ms();
    // The message's number is locked before anything else is written (the order
    // every consent writer keeps), so concurrent statuses apply one after another.
    let mut found = sent(tx, message_id).await?;
    if let Some(m) = &found
        && tx.lock_number(&m.business_number_id).await?
    {
        // Read again under the lock just taken: another status, or an erasure,
        // may have landed.
        found = sent(tx, message_id).await?;
    }
    let inserted = sqlx::query(
        "INSERT INTO message_statuses (message_id, status, at, error_code, error_title) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (message_id, status) DO NOTHING",
    )
    .bind(message_id)
    .bind(status)
    .bind(now)
    .bind(error.as_ref().map(|e| e.0))
    .bind(error.as_ref().map(|e| e.1.clone()))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Ok(false);
    }
    let Some(message) = found else {
        return Ok(true);
    };
    let (current, contact_id) = (&message.status, &message.contact_id);
    forward(tx, &message, message_id, status, error.as_ref(), now).await?;
    if advances(status, current) {
        sqlx::query("UPDATE messages SET status = $1, error_code = $2, error_title = $3, updated_at = $4 WHERE id = $5")
            .bind(status)
            .bind(error.as_ref().map(|e| e.0))
            .bind(error.as_ref().map(|e| e.1.clone()))
            .bind(now)
            .bind(message_id)
            .execute(&mut **tx)
            .await?;
    }
    // Meta reports a user's in-app marketing stop as error 131050 on a send.
    if let Some((131050, title)) = &error
        && let Some(contact) = contacts::find_by_id(tx, contact_id).await?
    {
        let evidence = Evidence {
            detail: Some(format!("131050 {title}")),
            ..Evidence::default()
        };
        let withdrawn = signals::marketing(
            tx,
            &contact,
            signals::MarketingPreference::Stop,
            Some(format!("message:{message_id}")),
            evidence,
        )
        .await?;
        forwarding::consent_events(tx, &withdrawn).await?;
    }
    Ok(true)
}

/// Passes a new status of one of the business's own messages on to its webhook, in
/// Meta's format and under the id the business was given. Statuses of Assent's
/// own replies (the consent bot's) stay here.
async fn forward(
    conn: &mut AnyConnection,
    message: &Sent,
    message_id: &str,
    status: &str,
    error: Option<&(i64, String)>,
    now: i64,
) -> anyhow::Result<()> {
    let Sent {
        business_number_id: number_id,
        contact_id,
        actor,
        wa_id,
        user_id,
        ..
    } = message;
    let by_assent = Actor::parse(actor).is_some_and(|a| a.is_system());
    if by_assent || !forwarding::config::exists(conn, number_id).await? {
        return Ok(());
    }
    let Some(number) = numbers::by_id(conn, number_id).await? else {
        return Ok(());
    };
    let mut st = json!({
        "id": message_id,
        "status": status,
        "timestamp": (now / 1000).to_string(),
        "recipient_id": wa_id.clone().or(user_id.clone()),
    });
    if let Some(user_id) = &user_id {
        st["recipient_user_id"] = json!(user_id);
    }
    if let Some((code, title)) = error {
        st["errors"] = json!([{"code": code, "title": title, "message": title}]);
    }
    let body =
        forwarding::meta_envelope(&number, &number.phone_number_id, json!({"statuses": [st]}));
    forwarding::insert(
        conn,
        number_id,
        Some(contact_id.as_str()),
        Kind::Status,
        &body,
    )
    .await?;
    Ok(())
}
