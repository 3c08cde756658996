//! Which stored payloads of a claimed batch may be processed side by side. Two
//! payloads that speak of the same person (on the same business number) are
//! processed one after the other, in the order they came, since "STOP" then
//! "START" must not become "START" then "STOP"; payloads about different people
//! run at the same time, so their writes share commits.

use super::process::items;
use serde_json::Value;
use std::collections::HashMap;

/// What a payload speaks of: one key per person (by wa_id and by user id, each
/// under its business number), or per number and field for a change about no
/// person. A payload that does not parse has a key of its own.
pub fn subjects(payload_id: &str, body: &str) -> Vec<String> {
    let Ok(root) = serde_json::from_str::<Value>(body) else {
        return vec![format!("unparsed {payload_id}")];
    };
    let mut keys = Vec::new();
    for entry in items(&root["entry"]) {
        for change in items(&entry["changes"]) {
            let field = change["field"].as_str().unwrap_or_default();
            let value = &change["value"];
            let number = value["metadata"]["phone_number_id"]
                .as_str()
                .or(value["display_phone_number"].as_str())
                .unwrap_or_default();
            let before = keys.len();
            let mut person = |id: &Value| {
                if let Some(id) = id.as_str().filter(|id| !id.is_empty()) {
                    keys.push(format!("{number} person {id}"));
                }
            };
            for m in items(&value["messages"]) {
                person(&m["from"]);
                person(&m["from_user_id"]);
                person(&m["system"]["wa_id"]);
            }
            for st in items(&value["statuses"]) {
                person(&st["recipient_id"]);
                person(&st["recipient_user_id"]);
            }
            for c in items(&value["contacts"]) {
                person(&c["wa_id"]);
                person(&c["user_id"]);
            }
            for p in items(&value["user_preferences"]) {
                person(&p["wa_id"]);
                person(&p["user_id"]);
            }
            if keys.len() == before {
                keys.push(format!("{number} field {field}"));
            }
        }
    }
    if keys.is_empty() {
        keys.push(format!("empty {payload_id}"));
    }
    keys
}

/// Splits a batch (by index, in the order the payloads came) into chains: the
/// payloads of a chain share a subject with another of the chain, directly or
/// through others, and keep their order; no two chains share a subject.
pub fn chains(subjects: &[Vec<String>]) -> Vec<Vec<usize>> {
    let mut chains: Vec<Vec<usize>> = Vec::new();
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, keys) in subjects.iter().enumerate() {
        let mut met: Vec<usize> = keys
            .iter()
            .filter_map(|k| owner.get(k.as_str()).copied())
            .collect();
        met.sort_unstable();
        met.dedup();
        let into = match met.first() {
            Some(&first) => first,
            None => {
                chains.push(Vec::new());
                chains.len() - 1
            }
        };
        for &other in met.iter().skip(1) {
            let moved = std::mem::take(&mut chains[other]);
            chains[into].extend(moved);
            for chain in owner.values_mut() {
                if *chain == other {
                    *chain = into;
                }
            }
        }
        chains[into].push(i);
        chains[into].sort_unstable();
        for k in keys {
            owner.insert(k, into);
        }
    }
    chains.retain(|c| !c.is_empty());
    chains
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn message(from: &str) -> String {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "111", "display_phone_number": "15550001111"},
            "contacts": [{"wa_id": from, "profile": {"name": "A"}}],
            "messages": [{"from": from, "id": format!("wamid.{from}"), "timestamp": "1", "type": "text", "text": {"body": "STOP"}}]}}]}]})
        .to_string()
    }

    fn status(to: &str) -> String {
        json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp", "metadata": {"phone_number_id": "111", "display_phone_number": "15550001111"},
            "statuses": [{"id": "wamid.x", "status": "read", "timestamp": "1", "recipient_id": to}]}}]}]})
        .to_string()
    }

    #[test]
    fn payloads_about_one_person_form_one_chain_in_order_others_their_own() {
        let bodies = [
            message("34600000001"),
            message("34600000002"),
            status("34600000001"),
            message("34600000003"),
            message("34600000001"),
        ];
        let subjects: Vec<_> = bodies
            .iter()
            .enumerate()
            .map(|(i, b)| subjects(&i.to_string(), b))
            .collect();
        assert_eq!(chains(&subjects), vec![vec![0, 2, 4], vec![1], vec![3]]);
    }

    #[test]
    fn a_payload_naming_two_chains_joins_them_and_keeps_the_order() {
        let subjects = vec![
            vec!["a".to_owned()],
            vec!["b".to_owned()],
            vec!["c".to_owned()],
            vec!["b".to_owned(), "a".to_owned()],
            vec!["a".to_owned()],
        ];
        assert_eq!(chains(&subjects), vec![vec![0, 1, 3, 4], vec![2]]);
    }

    #[test]
    fn a_change_about_nobody_is_ordered_with_its_number_and_field_and_garbage_alone() {
        let template = |n: &str| {
            json!({"entry": [{"id": "W", "changes": [{"field": "message_template_status_update",
                "value": {"event": "APPROVED", "message_template_name": n}}]}]})
            .to_string()
        };
        let subjects = vec![
            subjects("0", &template("a")),
            subjects("1", "not json"),
            subjects("2", &template("b")),
            subjects("3", "not json"),
        ];
        assert_eq!(chains(&subjects), vec![vec![0, 2], vec![1], vec![3]]);
    }

    #[test]
    fn the_same_wa_id_on_another_number_is_another_person() {
        let other = message("34600000001").replace("\"111\"", "\"222\"");
        let subjects = vec![
            subjects("0", &message("34600000001")),
            subjects("1", &other),
        ];
        assert_eq!(chains(&subjects), vec![vec![0], vec![1]]);
    }
}
