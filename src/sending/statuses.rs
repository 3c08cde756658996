//! Message statuses (sent, delivered, read, failed), from whichever source reports
//! them: provider answers, the sandbox, Meta's webhooks. Deduplicated by
//! (message, status); a status never moves a message backwards.

use crate::consent::{Evidence, signals};
use crate::contacts;
use crate::db::{Db, ROWS_PER_STATEMENT, Write, now_ms, value_list, value_rows};
use crate::domain::{Actor, MessageStatus};
use crate::forwarding::{self, Kind};
use crate::numbers::{self, BusinessNumber};
use crate::sending::outbox::{self, Claimed};
use serde_json::json;
use sqlx::AnyConnection;
use std::collections::{HashMap, HashSet};

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
    id: String,
    business_number_id: String,
    status: String,
    contact_id: String,
    actor: String,
    wa_id: Option<String>,
    user_id: Option<String>,
}

/// The messages among `ids` that exist, by id: one read per `ROWS_PER_STATEMENT`.
async fn sent(conn: &mut AnyConnection, ids: &[&str]) -> anyhow::Result<HashMap<String, Sent>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT m.id, m.business_number_id, m.status, m.contact_id, m.actor, c.wa_id, c.user_id \
             FROM messages m LEFT JOIN contacts c ON c.id = m.contact_id WHERE m.id IN ({})",
            value_list(1, chunk.len())
        );
        let mut read = sqlx::query_as::<_, Sent>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            read = read.bind(*id);
        }
        for m in read.fetch_all(&mut *conn).await? {
            found.insert(m.id.clone(), m);
        }
    }
    Ok(found)
}

/// One status to record: the message (our id), the status, Meta's error.
pub struct NewStatus<'a> {
    pub message_id: &'a str,
    pub status: &'a str,
    pub error: Option<(i64, String)>,
}

/// `record` inside the caller's write; false when the status was already known.
pub async fn record_in(
    tx: &mut Write,
    message_id: &str,
    status: &str,
    error: Option<(i64, String)>,
) -> anyhow::Result<bool> {
    let new = NewStatus {
        message_id,
        status,
        error,
    };
    Ok(record_all(tx, &[new])
        .await?
        .first()
        .copied()
        .unwrap_or(false))
}

/// Records statuses in the order given, inside the caller's write: a fixed few
/// statements for all of them (statuses arrive by the thousand a second at a
/// number's full rate). Says, for each, whether it was new.
pub async fn record_all(tx: &mut Write, statuses: &[NewStatus<'_>]) -> anyhow::Result<Vec<bool>> {
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let now = now_ms();
    let ids: Vec<&str> = statuses.iter().map(|s| s.message_id).collect();
    let mut found = sent(tx, &ids).await?;
    // The messages' numbers are locked before anything is written (the order
    // every consent writer keeps), so concurrent statuses apply one after
    // another; what was read before a lock just taken is read again.
    let mut numbers: Vec<String> = found
        .values()
        .map(|m| m.business_number_id.clone())
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    let mut newly = false;
    for number in &numbers {
        newly |= tx.lock_number(number).await?;
    }
    if newly {
        found = sent(tx, &ids).await?;
    }

    // Each (message, status) once: the first of repeats within the batch.
    let mut firsts: HashSet<(&str, &str)> = HashSet::new();
    let unique: Vec<&NewStatus> = statuses
        .iter()
        .filter(|s| firsts.insert((s.message_id, s.status)))
        .collect();
    let mut inserted: HashSet<(String, String)> = HashSet::new();
    for chunk in unique.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO message_statuses (message_id, status, at, error_code, error_title) VALUES {} \
             ON CONFLICT (message_id, status) DO NOTHING RETURNING message_id, status",
            value_rows(1, chunk.len(), 5)
        );
        let mut insert = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
        for s in chunk {
            insert = insert
                .bind(s.message_id)
                .bind(s.status)
                .bind(now)
                .bind(s.error.as_ref().map(|e| e.0))
                .bind(s.error.as_ref().map(|e| e.1.clone()));
        }
        inserted.extend(insert.fetch_all(&mut **tx).await?);
    }
    // New statuses in the order given (a repeat within the batch is not new).
    let mut seen: HashSet<(&str, &str)> = HashSet::new();
    let new: Vec<bool> = statuses
        .iter()
        .map(|s| {
            seen.insert((s.message_id, s.status))
                && inserted.contains(&(s.message_id.to_owned(), s.status.to_owned()))
        })
        .collect();

    let mut forwards = Vec::new();
    // Where each message ends: its status moves forward only.
    let mut ends: HashMap<&str, (&str, Option<&(i64, String)>)> = HashMap::new();
    for (s, _) in statuses.iter().zip(&new).filter(|(_, new)| **new) {
        let Some(message) = found.get(s.message_id) else {
            continue;
        };
        forwards.push((message, s));
        let current = ends
            .get(s.message_id)
            .map_or(message.status.as_str(), |(status, _)| *status);
        if advances(s.status, current) {
            ends.insert(s.message_id, (s.status, s.error.as_ref()));
        }
    }
    forward_all(tx, &forwards, now).await?;
    let moved: Vec<_> = ends.into_iter().collect();
    for chunk in moved.chunks(ROWS_PER_STATEMENT) {
        // One statement for the lot: each row's values picked by its id.
        let n = chunk.len();
        let case = |column_at: usize, cast: &str| {
            let whens: String = (0..n)
                .map(|i| {
                    format!(
                        " WHEN ${} THEN CAST(${} AS {cast})",
                        1 + i * 4,
                        1 + i * 4 + column_at
                    )
                })
                .collect();
            format!("CASE id{whens} END")
        };
        let sql = format!(
            "UPDATE messages SET status = {}, error_code = {}, error_title = {}, updated_at = ${} WHERE id IN ({})",
            case(1, "TEXT"),
            case(2, "BIGINT"),
            case(3, "TEXT"),
            4 * n + 1,
            (0..n)
                .map(|i| format!("${}", 1 + i * 4))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let mut update = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, (status, error)) in chunk {
            update = update
                .bind(*id)
                .bind(*status)
                .bind(error.map(|e| e.0))
                .bind(error.map(|e| e.1.clone()));
        }
        update.bind(now).execute(&mut **tx).await?;
    }
    // Meta reports a user's in-app marketing stop as error 131050 on a send.
    for (s, _) in statuses.iter().zip(&new).filter(|(_, new)| **new) {
        if let (Some((131050, title)), Some(message)) = (&s.error, found.get(s.message_id))
            && let Some(contact) = contacts::find_by_id(tx, &message.contact_id).await?
        {
            let evidence = Evidence {
                detail: Some(format!("131050 {title}")),
                ..Evidence::default()
            };
            let withdrawn = signals::marketing(
                tx,
                &contact,
                signals::MarketingPreference::Stop,
                Some(format!("message:{}", s.message_id)),
                evidence,
            )
            .await?;
            forwarding::consent_events(tx, &withdrawn).await?;
        }
    }
    Ok(new)
}

/// Passes new statuses of the business's own messages on to its webhook, in
/// Meta's format and under the id the business was given. Statuses of Assent's
/// own replies (the consent bot's) stay here.
async fn forward_all(
    conn: &mut AnyConnection,
    statuses: &[(&Sent, &NewStatus<'_>)],
    now: i64,
) -> anyhow::Result<()> {
    let mut numbers: HashMap<&str, Option<BusinessNumber>> = HashMap::new();
    let mut bodies = Vec::new();
    for (message, s) in statuses {
        let by_assent = Actor::parse(&message.actor).is_some_and(|a| a.is_system());
        if by_assent {
            continue;
        }
        let number_id = message.business_number_id.as_str();
        if !numbers.contains_key(number_id) {
            let hearing = if forwarding::config::exists(conn, number_id).await? {
                numbers::by_id(conn, number_id).await?
            } else {
                None
            };
            numbers.insert(number_id, hearing);
        }
        let Some(Some(number)) = numbers.get(number_id) else {
            continue;
        };
        let mut st = json!({
            "id": s.message_id,
            "status": s.status,
            "timestamp": (now / 1000).to_string(),
            "recipient_id": message.wa_id.clone().or(message.user_id.clone()),
        });
        if let Some(user_id) = &message.user_id {
            st["recipient_user_id"] = json!(user_id);
        }
        if let Some((code, title)) = &s.error {
            st["errors"] = json!([{"code": code, "title": title, "message": title}]);
        }
        let body =
            forwarding::meta_envelope(number, &number.phone_number_id, json!({"statuses": [st]}));
        bodies.push((
            number_id,
            Some(message.contact_id.as_str()),
            Kind::Status,
            body.to_string(),
        ));
    }
    forwarding::insert_all(conn, &bodies).await
}
