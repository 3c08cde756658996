//! Statuses of the messages a number sent, as Meta reports them: three or so
//! for every message, so at a number's full rate thousands a second, most in
//! payloads that carry nothing else. The statuses of many payloads about one
//! number are recorded in one write (`sending::statuses::record_all`), with
//! each payload's tie to the people they name.

use super::process::{Outcome, items};
use super::store;
use crate::numbers::BusinessNumber;
use crate::sending::outbox;
use crate::sending::statuses::{self, NewStatus};
use crate::services::Services;
use serde_json::Value;
use std::collections::HashMap;

/// One status as Meta reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    /// Meta's id of the message (`wamid…`).
    pub provider_id: String,
    pub status: String,
    /// Meta's first error: its code and title.
    pub error: Option<(i64, String)>,
}

impl Reported {
    /// None when the status names no message or no status.
    pub fn parse(st: &Value) -> Option<Self> {
        let (Some(provider_id), Some(status)) = (st["id"].as_str(), st["status"].as_str()) else {
            return None;
        };
        let error = items(&st["errors"]).next().map(|e| {
            (
                e["code"].as_i64().unwrap_or(0),
                e["title"]
                    .as_str()
                    .unwrap_or("")
                    .chars()
                    .take(200)
                    .collect::<String>(),
            )
        });
        Some(Self {
            provider_id: provider_id.to_owned(),
            status: status.to_owned(),
            error,
        })
    }
}

/// A payload that reports statuses of one number's messages and nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusesOnly {
    pub phone_number_id: String,
    pub statuses: Vec<Reported>,
}

/// The payload's statuses, when that is all it carries (every change of field
/// `messages` for the same number, with statuses that each name a message and
/// nothing beside them); None for any other payload.
pub fn statuses_only(body: &str) -> Option<StatusesOnly> {
    let root: Value = serde_json::from_str(body).ok()?;
    let mut number: Option<&str> = None;
    let mut statuses = Vec::new();
    for entry in items(&root["entry"]) {
        for change in items(&entry["changes"]) {
            let value = &change["value"];
            let only_statuses = value.as_object().is_some_and(|v| {
                v.keys()
                    .all(|k| matches!(k.as_str(), "messaging_product" | "metadata" | "statuses"))
            });
            if change["field"] != "messages" || !only_statuses {
                return None;
            }
            let id = value["metadata"]["phone_number_id"].as_str()?;
            if number.is_some_and(|n| n != id) {
                return None;
            }
            number = Some(id);
            for st in items(&value["statuses"]) {
                statuses.push(Reported::parse(st)?);
            }
        }
    }
    let phone_number_id = number?.to_owned();
    (!statuses.is_empty()).then_some(StatusesOnly {
        phone_number_id,
        statuses,
    })
}

/// Records the statuses of payloads about one number, in one write, and ties
/// each payload to the people its statuses name. Says for each payload whether
/// a status named no message of ours (yet).
pub async fn record(
    s: &Services,
    number: &BusinessNumber,
    payloads: &[(&str, &[Reported])],
) -> anyhow::Result<Vec<Outcome>> {
    let mut w = s.db.write_for(&number.id).await?;
    let provider_ids: Vec<&str> = payloads
        .iter()
        .flat_map(|(_, reported)| reported.iter().map(|r| r.provider_id.as_str()))
        .collect();
    let found: HashMap<String, (String, String)> =
        outbox::by_provider_ids(&mut w, &number.id, &provider_ids).await?;
    let mut new = Vec::new();
    let mut links = Vec::new();
    let mut outcomes = Vec::with_capacity(payloads.len());
    for (payload_id, reported) in payloads {
        let mut outcome = Outcome::default();
        for r in *reported {
            match found.get(&r.provider_id) {
                Some((message_id, contact_id)) => {
                    new.push(NewStatus {
                        message_id,
                        status: &r.status,
                        error: r.error.clone(),
                    });
                    links.push((*payload_id, contact_id.as_str()));
                }
                None => {
                    outcome.unmatched_statuses = true;
                    outcome.personal_unattributed = true;
                }
            }
        }
        outcomes.push(outcome);
    }
    statuses::record_all(&mut w, &new).await?;
    store::link_all(&mut w, &links).await?;
    w.commit().await?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn payload(changes: Value) -> String {
        json!({"object": "whatsapp_business_account",
               "entry": [{"id": "WABA", "changes": changes}]})
        .to_string()
    }

    fn statuses_change(number: &str, statuses: Value) -> Value {
        json!({"field": "messages", "value": {"messaging_product": "whatsapp",
               "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
               "statuses": statuses}})
    }

    #[test]
    fn only_a_payload_of_statuses_for_one_number_is_recorded_with_others() {
        let delivered =
            json!({"id": "wamid.A", "status": "delivered", "recipient_id": "34612345678"});
        let failed = json!({"id": "wamid.B", "status": "failed", "recipient_id": "34612345678",
                            "errors": [{"code": 131050, "title": "stopped"}]});
        let both = statuses_only(&payload(json!([statuses_change(
            "111",
            json!([delivered, failed])
        )])))
        .unwrap();
        assert_eq!(both.phone_number_id, "111");
        assert_eq!(
            both.statuses,
            vec![
                Reported {
                    provider_id: "wamid.A".into(),
                    status: "delivered".into(),
                    error: None
                },
                Reported {
                    provider_id: "wamid.B".into(),
                    status: "failed".into(),
                    error: Some((131050, "stopped".into()))
                },
            ]
        );

        let two_numbers = payload(json!([
            statuses_change("111", json!([delivered])),
            statuses_change("222", json!([delivered]))
        ]));
        assert_eq!(statuses_only(&two_numbers), None);
        let mut with_message = statuses_change("111", json!([delivered]));
        with_message["value"]["messages"] = json!([{"id": "wamid.C", "from": "34612345678"}]);
        assert_eq!(statuses_only(&payload(json!([with_message]))), None);
        let nameless = json!({"status": "read", "recipient_id": "34612345678"});
        assert_eq!(
            statuses_only(&payload(json!([statuses_change("111", json!([nameless]))]))),
            None
        );
        assert_eq!(
            statuses_only(&payload(json!([statuses_change("111", json!([]))]))),
            None
        );
        let other_field =
            json!({"field": "user_preferences", "value": {"metadata": {"phone_number_id": "111"}}});
        assert_eq!(statuses_only(&payload(json!([other_field]))), None);
        assert_eq!(statuses_only("not json"), None);
    }
}
