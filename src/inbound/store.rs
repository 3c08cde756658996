//! The stored webhook payloads: written before Meta gets its 200, claimed by a
//! worker with a lease (so a crash or restart only delays processing), deleted with
//! the people they speak of.

use crate::db::{Db, new_id, now_ms};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Stores a verified payload; false when the very same bytes were stored before
/// (a replay, or Meta's retry of a POST we already acknowledged).
pub async fn store(db: &Db, body: &str) -> anyhow::Result<bool> {
    let now = now_ms();
    let inserted = sqlx::query(
        "INSERT INTO webhook_payloads (id, body_sha256, body, received_at, state, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, 'pending', 0, $4) ON CONFLICT (body_sha256) DO NOTHING",
    )
    .bind(new_id())
    .bind(hex::encode(Sha256::digest(body.as_bytes())))
    .bind(body)
    .bind(now)
    .execute(&db.pool)
    .await?
    .rows_affected();
    Ok(inserted > 0)
}

#[derive(Debug, sqlx::FromRow)]
pub struct Claimed {
    pub id: String,
    pub body: String,
    pub received_at: i64,
    pub attempts: i64,
    pub claim_id: String,
}

pub async fn claim(db: &Db, lease_ms: i64) -> anyhow::Result<Option<Claimed>> {
    let due = "(state = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2))";
    let lock = db.skip_locked();
    let sql = format!(
        "UPDATE webhook_payloads SET lease_until = $1, attempts = attempts + 1, claim_id = $3 \
         WHERE id = (SELECT id FROM webhook_payloads WHERE {due} ORDER BY received_at LIMIT 1 {lock}) AND {due} \
         RETURNING id, body, received_at, attempts, claim_id"
    );
    let now = now_ms();
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(now + lease_ms)
        .bind(now)
        .bind(new_id())
        .fetch_optional(&db.pool)
        .await?)
}

/// Processing ended. A payload is kept (as the record of what Meta told us) only
/// when it names nobody, or names people we can find it by for erasure; one that
/// carries personal data we could not attribute is deleted.
pub async fn finish(db: &Db, job: &Claimed, keep: bool) -> anyhow::Result<()> {
    let linked: Option<(String,)> = sqlx::query_as(
        "SELECT contact_id FROM webhook_payload_contacts WHERE payload_id = $1 LIMIT 1",
    )
    .bind(&job.id)
    .fetch_optional(&db.pool)
    .await?;
    let sql = if keep || linked.is_some() {
        "UPDATE webhook_payloads SET state = 'done', lease_until = NULL, last_error = NULL WHERE id = $1 AND claim_id = $2"
    } else {
        "DELETE FROM webhook_payloads WHERE id = $1 AND claim_id = $2"
    };
    sqlx::query(sql)
        .bind(&job.id)
        .bind(&job.claim_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

pub async fn retry_at(db: &Db, job: &Claimed, at: i64, error: Option<&str>) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE webhook_payloads SET next_attempt_at = $1, lease_until = NULL, last_error = $2 WHERE id = $3 AND claim_id = $4",
    )
    .bind(at)
    .bind(error)
    .bind(&job.id)
    .bind(&job.claim_id)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Ties a payload to a contact it speaks of.
pub async fn link(
    conn: &mut sqlx::AnyConnection,
    payload_id: &str,
    contact_id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO webhook_payload_contacts (payload_id, contact_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(payload_id)
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Removes one person from the stored payloads that speak of them. Meta batches
/// several people into one payload, so a payload that still carries someone else's
/// messages, statuses or preferences keeps them (a retry of that payload must still
/// find them) and loses only this person's entries; any other payload is deleted.
pub async fn forget_person(
    conn: &mut sqlx::AnyConnection,
    contact_id: &str,
    wa_id: Option<&str>,
    user_id: Option<&str>,
) -> anyhow::Result<()> {
    let payloads: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.id, p.body FROM webhook_payloads p \
         JOIN webhook_payload_contacts l ON l.payload_id = p.id WHERE l.contact_id = $1",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?;
    for (id, body) in payloads {
        match without_person(&body, wa_id, user_id) {
            Some(rest) => {
                sqlx::query("UPDATE webhook_payloads SET body = $1 WHERE id = $2")
                    .bind(rest)
                    .bind(&id)
                    .execute(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM webhook_payloads WHERE id = $1")
                    .bind(&id)
                    .execute(&mut *conn)
                    .await?
            }
        };
    }
    sqlx::query("DELETE FROM webhook_payload_contacts WHERE contact_id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Entries that name a person, by array, and the fields that name them there.
const PERSONAL_ARRAYS: [(&str, [&str; 2]); 4] = [
    ("contacts", ["wa_id", "user_id"]),
    ("messages", ["from", "from_user_id"]),
    ("statuses", ["recipient_id", "recipient_user_id"]),
    ("user_preferences", ["wa_id", "user_id"]),
];

/// The payload without the person's entries, or None when nothing about anyone
/// else is left in it, or when the person is still named somewhere this does not
/// know to look (then the whole payload must go).
fn without_person(body: &str, wa_id: Option<&str>, user_id: Option<&str>) -> Option<String> {
    let mut root: Value = serde_json::from_str(body).ok()?;
    let is_them = |v: &Value, fields: &[&str; 2]| {
        let [by_phone, by_user] = fields;
        (wa_id.is_some() && v[by_phone].as_str() == wa_id)
            || (user_id.is_some() && v[by_user].as_str() == user_id)
    };
    let mut others_left = false;
    for entry in root["entry"].as_array_mut().into_iter().flatten() {
        for change in entry["changes"].as_array_mut().into_iter().flatten() {
            for (array, fields) in &PERSONAL_ARRAYS {
                if let Some(items) = change["value"][*array].as_array_mut() {
                    items.retain(|item| !is_them(item, fields));
                    others_left |= *array != "contacts" && !items.is_empty();
                }
            }
        }
    }
    let rest = serde_json::to_string(&root).ok()?;
    let still_named = [wa_id, user_id]
        .into_iter()
        .flatten()
        .any(|id| rest.contains(id));
    (others_left && !still_named).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::without_person;
    use serde_json::json;

    fn batch() -> String {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{
            "field": "messages", "value": {
                "metadata": {"phone_number_id": "1"},
                "contacts": [{"wa_id": "111", "profile": {"name": "Ann"}},
                             {"wa_id": "222", "profile": {"name": "Bob"}}],
                "messages": [{"from": "111", "id": "m1", "text": {"body": "ann's words"}},
                             {"from": "222", "id": "m2", "text": {"body": "bob's words"}}]}}]}]})
        .to_string()
    }

    #[test]
    fn a_batch_keeps_the_others_and_loses_every_word_of_the_person() {
        let rest = without_person(&batch(), Some("111"), None).unwrap();
        for gone in ["111", "Ann", "ann's words", "m1"] {
            assert!(!rest.contains(gone), "{gone} left in {rest}");
        }
        for kept in ["222", "Bob", "bob's words", "m2"] {
            assert!(rest.contains(kept), "{kept} lost from {rest}");
        }
    }

    #[test]
    fn a_payload_about_the_person_alone_goes_whole() {
        let only_ann = batch().replace("222", "111");
        assert_eq!(without_person(&only_ann, Some("111"), None), None);
    }

    #[test]
    fn a_person_named_where_redaction_does_not_look_takes_the_payload_with_them() {
        // e.g. a system message about Bob that names Ann's number as the new one.
        let named_elsewhere = batch().replace("bob's words", "call 111");
        assert_eq!(without_person(&named_elsewhere, Some("111"), None), None);
    }

    #[test]
    fn a_person_known_by_user_id_is_removed_by_it() {
        let by_user = batch()
            .replace(r#""wa_id":"111""#, r#""user_id":"US.ann""#)
            .replace(r#""from":"111""#, r#""from_user_id":"US.ann""#);
        let rest = without_person(&by_user, None, Some("US.ann")).unwrap();
        assert!(
            !rest.contains("US.ann") && !rest.contains("ann's words"),
            "{rest}"
        );
        assert!(rest.contains("bob's words"));
    }
}
