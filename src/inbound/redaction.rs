//! Taking one person out of the stored webhook payloads, for erasure and a
//! decline: Meta batches several people into one payload, and the others' entries
//! must survive for a retry while not one word of this person's does.

use serde_json::Value;
use std::collections::HashSet;

/// Removes one person from the stored payloads that speak of them. A fully
/// processed payload tied to nobody else is deleted. Meta batches several people
/// into one payload, so one that is tied to others, or still being processed (the
/// others may not be tied to it yet), loses only this person's entries and keeps
/// the rest for a retry; if the person cannot be taken out cleanly, it goes whole.
/// Call before the person's messages are deleted: their ids identify their entries.
pub async fn remove_person(
    conn: &mut sqlx::AnyConnection,
    contact_id: &str,
    wa_id: Option<&str>,
    user_id: Option<&str>,
) -> anyhow::Result<()> {
    sqlx::query(
        "DELETE FROM webhook_payloads WHERE state = 'done' AND id IN \
         (SELECT payload_id FROM webhook_payload_contacts WHERE contact_id = $1) \
         AND NOT EXISTS (SELECT 1 FROM webhook_payload_contacts o \
                         WHERE o.payload_id = webhook_payloads.id AND o.contact_id <> $1)",
    )
    .bind(contact_id)
    .execute(&mut *conn)
    .await?;
    let shared: Vec<(String,)> =
        // In a fixed order: two erasures sharing payloads never wait on each other
        // in a cycle.
        sqlx::query_as(
            "SELECT payload_id FROM webhook_payload_contacts WHERE contact_id = $1 ORDER BY payload_id",
        )
            .bind(contact_id)
            .fetch_all(&mut *conn)
            .await?;
    if !shared.is_empty() {
        let person = Person {
            wa_id,
            user_id,
            message_ids: message_ids(conn, contact_id).await?,
        };
        for (id,) in shared {
            take_out(conn, &id, &person).await?;
        }
    }
    sqlx::query("DELETE FROM webhook_payload_contacts WHERE contact_id = $1")
        .bind(contact_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The person's entries in the stored payloads, as Meta delivered them: their
/// messages (with their words), the statuses of messages to them, their marketing
/// preferences, and how Meta described them (`contacts`). An access request
/// shows these; erasure removes exactly them.
pub async fn entries_of(
    conn: &mut sqlx::AnyConnection,
    contact_id: &str,
    wa_id: Option<&str>,
    user_id: Option<&str>,
) -> anyhow::Result<Vec<Value>> {
    let bodies: Vec<(String,)> = sqlx::query_as(
        "SELECT p.body FROM webhook_payloads p JOIN webhook_payload_contacts c ON c.payload_id = p.id \
         WHERE c.contact_id = $1 ORDER BY p.received_at, p.id",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?;
    if bodies.is_empty() {
        return Ok(Vec::new());
    }
    let person = Person {
        wa_id,
        user_id,
        message_ids: message_ids(conn, contact_id).await?,
    };
    Ok(bodies
        .iter()
        .flat_map(|(body,)| person.entries_in(body))
        .collect())
}

/// The ids of the person's messages both ways, which identify their entries.
async fn message_ids(
    conn: &mut sqlx::AnyConnection,
    contact_id: &str,
) -> anyhow::Result<HashSet<String>> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM inbound_messages WHERE contact_id = $1 UNION \
         SELECT provider_message_id FROM messages WHERE contact_id = $1 AND provider_message_id IS NOT NULL",
    )
    .bind(contact_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

/// Rewrites (or deletes) one payload without the person. The write is
/// conditional on the body read, so two people forgotten at once on PostgreSQL
/// (different numbers of one account, different locks) cannot undo each other.
async fn take_out(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    person: &Person<'_>,
) -> anyhow::Result<()> {
    loop {
        let Some((body,)): Option<(String,)> =
            sqlx::query_as("SELECT body FROM webhook_payloads WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        else {
            return Ok(());
        };
        let written = match person.removed_from(&body) {
            Some(rest) => {
                sqlx::query("UPDATE webhook_payloads SET body = $1 WHERE id = $2 AND body = $3")
                    .bind(rest)
                    .bind(id)
                    .bind(&body)
                    .execute(&mut *conn)
                    .await?
            }
            None => {
                sqlx::query("DELETE FROM webhook_payloads WHERE id = $1 AND body = $2")
                    .bind(id)
                    .bind(&body)
                    .execute(&mut *conn)
                    .await?
            }
        };
        if written.rows_affected() > 0 {
            return Ok(());
        }
    }
}

/// What identifies a person's entries in a payload: their current ids and the ids
/// of their messages both ways (which also catch entries from before a change of
/// number, or a status whose recipient Meta wrote in another form).
struct Person<'a> {
    wa_id: Option<&'a str>,
    user_id: Option<&'a str>,
    message_ids: HashSet<String>,
}

impl Person<'_> {
    /// Whether the entry goes when the person does.
    fn is(&self, v: &Value, by_phone: &str, by_user: &str) -> bool {
        // An entry that merely mentions them (a system message about a change
        // to their number, a text quoting it) goes too.
        let mentions = || {
            let text = v.to_string();
            [self.wa_id, self.user_id]
                .into_iter()
                .flatten()
                .any(|id| text.contains(id))
        };
        self.owns(v, by_phone, by_user) || mentions()
    }

    /// Whether the entry is the person's own: from them, to them, about their
    /// preferences. Narrower than `is`: an access request must not hand them
    /// someone else's words that happen to quote their number.
    fn owns(&self, v: &Value, by_phone: &str, by_user: &str) -> bool {
        let matches = |field: &str, id: Option<&str>| {
            id.is_some() && v.get(field).and_then(Value::as_str) == id
        };
        matches(by_phone, self.wa_id)
            || matches(by_user, self.user_id)
            || v.get("id")
                .and_then(Value::as_str)
                .is_some_and(|id| self.message_ids.contains(id))
    }

    /// The person's entries in a payload, each as `{"field": entry}` (`messages`,
    /// `statuses`, `user_preferences`, `contacts`).
    fn entries_in(&self, body: &str) -> Vec<Value> {
        let Ok(root) = serde_json::from_str::<Value>(body) else {
            return Vec::new();
        };
        let values = root
            .get("entry")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("changes").and_then(Value::as_array))
            .flatten()
            .filter_map(|change| change.get("value"));
        let mut found = Vec::new();
        for value in values {
            for (array, by_phone, by_user) in [
                ("contacts", "wa_id", "user_id"),
                ("messages", "from", "from_user_id"),
                ("statuses", "recipient_id", "recipient_user_id"),
                ("user_preferences", "wa_id", "user_id"),
            ] {
                let items = value.get(array).and_then(Value::as_array).into_iter();
                found.extend(
                    items
                        .flatten()
                        .filter(|item| self.owns(item, by_phone, by_user))
                        .map(|item| serde_json::json!({ array: item })),
                );
            }
        }
        found
    }

    /// The payload without the person's entries; None when none of theirs was
    /// found (so what names them is somewhere this does not look), when nobody
    /// else is left in it, or when they are still named anywhere in it.
    fn removed_from(&self, body: &str) -> Option<String> {
        let mut root: Value = serde_json::from_str(body).ok()?;
        let (mut removed, mut others_left) = (false, false);
        let values = root
            .get_mut("entry")
            .and_then(Value::as_array_mut)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get_mut("changes").and_then(Value::as_array_mut))
            .flatten()
            .filter_map(|change| change.get_mut("value").and_then(Value::as_object_mut));
        for value in values {
            for (array, by_phone, by_user) in [
                ("messages", "from", "from_user_id"),
                ("statuses", "recipient_id", "recipient_user_id"),
                ("user_preferences", "wa_id", "user_id"),
            ] {
                if let Some(items) = value.get_mut(array).and_then(Value::as_array_mut) {
                    let before = items.len();
                    items.retain(|item| !self.is(item, by_phone, by_user));
                    removed |= items.len() < before;
                    others_left |= !items.is_empty();
                }
            }
            // `contacts` describes the senders of `messages`: keep only those
            // whose messages are still there.
            let senders: HashSet<String> = value
                .get("messages")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .flat_map(|m| [m.get("from"), m.get("from_user_id")])
                .flatten()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect();
            if let Some(contacts) = value.get_mut("contacts").and_then(Value::as_array_mut) {
                contacts.retain(|c| {
                    [c.get("wa_id"), c.get("user_id")]
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .any(|id| senders.contains(id))
                });
            }
        }
        let rest = serde_json::to_string(&root).ok()?;
        let still_named = [self.wa_id, self.user_id]
            .into_iter()
            .flatten()
            .chain(self.message_ids.iter().map(String::as_str))
            .any(|id| rest.contains(id));
        (removed && others_left && !still_named).then_some(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::Person;
    use serde_json::json;
    use std::collections::HashSet;

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

    fn ann(message_ids: &[&str]) -> Person<'static> {
        Person {
            wa_id: Some("111"),
            user_id: None,
            message_ids: message_ids.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_batch_keeps_the_others_and_loses_every_word_of_the_person() {
        let rest = ann(&["m1"]).removed_from(&batch()).unwrap();
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
        assert_eq!(ann(&[]).removed_from(&only_ann), None);
    }

    #[test]
    fn an_entry_that_mentions_the_person_goes_with_them() {
        let mentioned = batch().replace("\"222\"", "\"333\"").replace(
            "}]}}]}]}",
            "},\
            {\"from\":\"222\",\"id\":\"m3\",\"text\":{\"body\":\"Ann is 111\"}}]}}]}]}",
        );
        let rest = ann(&["m1"]).removed_from(&mentioned).unwrap();
        assert!(!rest.contains("111") && !rest.contains("Ann is"), "{rest}");
        assert!(rest.contains("bob's words"), "{rest}");
    }

    #[test]
    fn a_change_of_number_to_the_persons_number_is_theirs() {
        // Ann, now 111, changed from 999: the system message comes from 999.
        let body = json!({"entry": [{"changes": [{"value": {
            "contacts": [{"wa_id": "999"}, {"wa_id": "222"}],
            "messages": [{"from": "999", "id": "s1", "type": "system",
                          "system": {"type": "user_changed_number", "wa_id": "111",
                                     "body": "User A changed from +999 to +111"}},
                         {"from": "222", "id": "m2", "text": {"body": "bob's words"}}]}}]}]})
        .to_string();
        let rest = ann(&[]).removed_from(&body).unwrap();
        assert!(!rest.contains("999") && !rest.contains("111"), "{rest}");
        assert!(rest.contains("bob's words"), "{rest}");
    }

    #[test]
    fn a_person_named_outside_the_entries_takes_the_payload_with_them() {
        let named_outside = batch().replace("\"id\":\"W\"", "\"id\":\"W\",\"note\":\"111\"");
        assert_eq!(ann(&["m1"]).removed_from(&named_outside), None);
    }

    #[test]
    fn entries_from_before_a_change_of_number_are_found_by_message_id() {
        // Ann wrote as 999 before she changed her number to 111.
        let old_number = batch().replace("\"111\"", "\"999\"");
        assert_eq!(
            ann(&[]).removed_from(&old_number),
            None,
            "nothing of hers recognised: the payload goes whole"
        );
        let rest = ann(&["m1"]).removed_from(&old_number).unwrap();
        for gone in ["999", "Ann", "ann's words"] {
            assert!(!rest.contains(gone), "{gone} left in {rest}");
        }
        assert!(rest.contains("bob's words"), "{rest}");
    }

    #[test]
    fn a_status_of_a_message_to_the_person_goes_by_its_id() {
        let body = json!({"entry": [{"changes": [{"value": {
            "statuses": [{"id": "out1", "status": "read", "recipient_id": "5211"},
                         {"id": "out2", "status": "read", "recipient_id": "222"}]}}]}]})
        .to_string();
        let rest = ann(&["out1"]).removed_from(&body).unwrap();
        assert!(!rest.contains("out1") && !rest.contains("5211"), "{rest}");
        assert!(rest.contains("out2"), "{rest}");
    }

    #[test]
    fn the_persons_entries_are_found_and_nobody_elses() {
        let found = ann(&["m1"]).entries_in(&batch());
        let text = serde_json::to_string(&found).unwrap();
        assert_eq!(found.len(), 2, "{text}");
        assert_eq!(found[0]["contacts"]["profile"]["name"], "Ann");
        assert_eq!(found[1]["messages"]["text"]["body"], "ann's words");
        assert!(!text.contains("222") && !text.contains("bob"), "{text}");
        assert!(ann(&[]).entries_in("not json").is_empty());
        // Bob quoting her number is still Bob's.
        let quoted = batch().replace("bob's words", "call 111");
        let found = ann(&["m1"]).entries_in(&quoted);
        assert!(!serde_json::to_string(&found).unwrap().contains("call"));
    }

    #[test]
    fn odd_shapes_are_not_a_panic() {
        for body in [
            r#"{"entry": 5}"#,
            r#"{"entry": [5, {"changes": "x"}]}"#,
            r#"[1]"#,
            "null",
        ] {
            assert_eq!(ann(&["m1"]).removed_from(body), None, "{body}");
        }
    }

    #[test]
    fn a_person_known_by_user_id_is_removed_by_it() {
        let by_user = batch()
            .replace(r#""wa_id":"111""#, r#""user_id":"US.ann""#)
            .replace(r#""from":"111""#, r#""from_user_id":"US.ann""#);
        let person = Person {
            wa_id: None,
            user_id: Some("US.ann"),
            message_ids: HashSet::new(),
        };
        let rest = person.removed_from(&by_user).unwrap();
        assert!(
            !rest.contains("US.ann") && !rest.contains("ann's words"),
            "{rest}"
        );
        assert!(rest.contains("bob's words"));
    }
}
