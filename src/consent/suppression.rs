//! The suppression list: keyed hashes of people who must never be messaged again
//! (erased), so no phone number needs to be kept to honour it.

use crate::db::{ROWS_PER_STATEMENT, value_list};
use crate::domain::Recipient;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use sqlx::AnyConnection;
use std::collections::HashSet;

/// The keyed hash of a recipient; the same person gives the same key whether named
/// by phone number or, separately, by user id.
pub fn key(secret: &[u8], recipient: &Recipient) -> String {
    match recipient {
        Recipient::Phone(p) => key_for(secret, "wa", p.wa_id()),
        Recipient::User(u) => key_for(secret, "uid", u.as_str()),
    }
}

pub fn key_for(secret: &[u8], kind: &str, value: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(kind.as_bytes());
    mac.update(b":");
    mac.update(value.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Every key that names the contact: by number and by user id.
pub fn keys_of(secret: &[u8], contact: &crate::contacts::Contact) -> Vec<String> {
    let mut keys = Vec::new();
    if let Some(wa_id) = &contact.wa_id {
        keys.push(key_for(secret, "wa", wa_id));
    }
    if let Some(user_id) = &contact.user_id {
        keys.push(key_for(secret, "uid", user_id));
    }
    keys
}

/// Takes keys off the list: the person came back and accepted the terms again.
pub async fn lift(
    conn: &mut AnyConnection,
    business_number_id: &str,
    keys: &[String],
) -> anyhow::Result<bool> {
    let mut lifted = false;
    for key in keys {
        let done =
            sqlx::query("DELETE FROM suppressions WHERE business_number_id = $1 AND key_hash = $2")
                .bind(business_number_id)
                .bind(key)
                .execute(&mut *conn)
                .await?;
        lifted |= done.rows_affected() > 0;
    }
    Ok(lifted)
}

pub async fn is_suppressed(
    conn: &mut AnyConnection,
    business_number_id: &str,
    key: &str,
) -> anyhow::Result<bool> {
    Ok(!on_the_list(conn, business_number_id, &[key])
        .await?
        .is_empty())
}

/// Those of `keys` on the number's list: one read per `ROWS_PER_STATEMENT`.
pub async fn on_the_list(
    conn: &mut AnyConnection,
    business_number_id: &str,
    keys: &[&str],
) -> anyhow::Result<HashSet<String>> {
    let mut found = HashSet::new();
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT key_hash FROM suppressions WHERE business_number_id = $1 AND key_hash IN ({})",
            value_list(2, chunk.len())
        );
        let mut read =
            sqlx::query_as::<_, (String,)>(sqlx::AssertSqlSafe(sql)).bind(business_number_id);
        for key in chunk {
            read = read.bind(*key);
        }
        found.extend(read.fetch_all(&mut *conn).await?.into_iter().map(|(k,)| k));
    }
    Ok(found)
}

/// Puts a key on the list; `erasure` names the ledger event of the erasure that
/// put it there, so the erased person's page can show the entry.
pub async fn add(
    conn: &mut AnyConnection,
    business_number_id: &str,
    key: &str,
    reason: &str,
    erasure: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO suppressions (business_number_id, key_hash, reason, created_at, ledger_event_id) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (business_number_id, key_hash) DO NOTHING",
    )
    .bind(business_number_id)
    .bind(key)
    .bind(reason)
    .bind(crate::db::now_ms())
    .bind(erasure)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One entry of the list, as the console and an access request show it.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub key_hash: String,
    pub reason: String,
    pub created_at: i64,
}

/// The entries among `keys` (a person's keys, `keys_of`) on the number's list.
pub async fn entries(
    conn: &mut AnyConnection,
    business_number_id: &str,
    keys: &[String],
) -> anyhow::Result<Vec<Entry>> {
    let mut found = Vec::new();
    for key in keys {
        let entry: Option<Entry> = sqlx::query_as(
            "SELECT key_hash, reason, created_at FROM suppressions WHERE business_number_id = $1 AND key_hash = $2",
        )
        .bind(business_number_id)
        .bind(key)
        .fetch_optional(&mut *conn)
        .await?;
        found.extend(entry);
    }
    Ok(found)
}

/// The entries an erasure put on the list that are still there (a person who came
/// back and accepted the terms again is off it).
pub async fn of_erasure(conn: &mut AnyConnection, event_id: &str) -> anyhow::Result<Vec<Entry>> {
    Ok(sqlx::query_as(
        "SELECT key_hash, reason, created_at FROM suppressions WHERE ledger_event_id = $1 ORDER BY key_hash",
    )
    .bind(event_id)
    .fetch_all(&mut *conn)
    .await?)
}
