//! Reads a stored payload and routes each change: by `metadata.phone_number_id` to
//! a business number, then by field and by which array it carries. Anything
//! unknown is logged and skipped, never an error.

use super::statuses::{self, Reported};
use super::{conversation, store};
use crate::consent::{Evidence, signals};
use crate::contacts::{self, InboundIdentity};
use crate::forwarding;
use crate::number_quality::{self, QualityUpdate};
use crate::numbers::{self, BusinessNumber};
use crate::services::Services;
use serde_json::Value;

#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// A status named a message we do not know (yet).
    pub unmatched_statuses: bool,
    /// Personal data that could not be tied to a contact (so the payload is not
    /// kept: erasure could never find it).
    pub personal_unattributed: bool,
}

/// Fields that carry nothing about a person.
const IMPERSONAL: [&str; 12] = [
    "account_update",
    "account_alerts",
    "account_review_update",
    "business_capability_update",
    "message_template_status_update",
    "message_template_quality_update",
    "message_template_components_update",
    "template_category_update",
    "phone_number_name_update",
    "phone_number_quality_update",
    "security",
    "flows",
];

pub(super) fn items(v: &Value) -> impl Iterator<Item = &Value> {
    v.as_array().into_iter().flatten()
}

/// One change of one payload, for one of our numbers.
pub(super) struct WebhookChange<'a> {
    pub s: &'a Services,
    pub payload_id: &'a str,
    pub number: &'a BusinessNumber,
    pub waba_id: &'a str,
    pub value: &'a Value,
}

pub async fn payload(s: &Services, payload_id: &str, body: &str) -> anyhow::Result<Outcome> {
    let root: Value = serde_json::from_str(body)?;
    let mut out = Outcome::default();
    for entry in items(&root["entry"]) {
        let waba_id = entry["id"].as_str().unwrap_or_default();
        for change in items(&entry["changes"]) {
            let field = change["field"].as_str().unwrap_or_default();
            let value = &change["value"];
            // Names the number by its display number alone, never by metadata.
            if field == "phone_number_quality_update" {
                quality(s, value, entry["time"].as_i64()).await?;
                continue;
            }
            let number = match value["metadata"]["phone_number_id"].as_str() {
                Some(id) => {
                    numbers::by_phone_number_id(&mut *s.db.pool.acquire().await?, id).await?
                }
                None => None,
            };
            let personal = !IMPERSONAL.contains(&field);
            let Some(number) = number else {
                out.personal_unattributed |= personal;
                tracing::info!(
                    field,
                    "webhook change for no number of ours: acknowledged, not processed"
                );
                continue;
            };
            let change = WebhookChange {
                s,
                payload_id,
                number: &number,
                waba_id,
                value,
            };
            match field {
                "messages" => {
                    for m in items(&value["messages"]) {
                        out.personal_unattributed |= !change.message(m).await?;
                    }
                    let listed: Vec<&Value> = items(&value["statuses"]).collect();
                    let reported: Vec<Reported> =
                        listed.iter().filter_map(|st| Reported::parse(st)).collect();
                    if reported.len() < listed.len() {
                        out.unmatched_statuses = true;
                        out.personal_unattributed = true;
                    }
                    if !reported.is_empty() {
                        let recorded = statuses::record(s, &number, &[(payload_id, &reported)])
                            .await?
                            .pop()
                            .unwrap_or_default();
                        out.unmatched_statuses |= recorded.unmatched_statuses;
                        out.personal_unattributed |= recorded.personal_unattributed;
                    }
                    for e in items(&value["errors"]) {
                        tracing::warn!(
                            code = e["code"].as_i64(),
                            title = e["title"].as_str(),
                            "Meta reported an error for the number"
                        );
                    }
                }
                "user_preferences" => {
                    for p in items(&value["user_preferences"]) {
                        out.personal_unattributed |= !change.preference(p).await?;
                    }
                }
                other => {
                    out.personal_unattributed |= personal;
                    tracing::debug!(field = other, "webhook field Assent does not act on");
                }
            }
        }
    }
    Ok(out)
}

async fn quality(s: &Services, value: &Value, entry_time: Option<i64>) -> anyhow::Result<()> {
    match QualityUpdate::from_change(value, entry_time) {
        Some(update) if number_quality::note(&s.db, &update).await? => {
            tracing::info!(event = %update.event, limit = ?update.limit, "quality of a number updated");
        }
        Some(_) => tracing::info!("quality update for no number of ours: acknowledged"),
        None => tracing::info!("quality update without a number or an event: acknowledged"),
    }
    Ok(())
}

impl WebhookChange<'_> {
    /// The `contacts[]` entry of the person who sent `m`.
    pub(super) fn profile_of(&self, m: &Value) -> Option<&Value> {
        let from = m["from"].as_str();
        let from_user = m["from_user_id"].as_str();
        let people: Vec<&Value> = items(&self.value["contacts"]).collect();
        people
            .iter()
            .find(|c| {
                (from.is_some() && c["wa_id"].as_str() == from)
                    || (from_user.is_some() && c["user_id"].as_str() == from_user)
            })
            .or(if people.len() == 1 {
                people.first()
            } else {
                None
            })
            .copied()
    }

    /// Returns false when the message names nobody we can keep it under.
    async fn message(&self, m: &Value) -> anyhow::Result<bool> {
        let Some(id) = m["id"]
            .as_str()
            .filter(|id| !id.is_empty() && id.len() <= 256)
        else {
            tracing::info!("inbound message without an id: skipped");
            return Ok(false);
        };
        if m["type"] == "system" && m["system"]["type"] == "user_changed_number" {
            return self.number_changed(m).await;
        }
        let profile = self.profile_of(m);
        let who = InboundIdentity::new(
            m["from"].as_str(),
            m["from_user_id"]
                .as_str()
                .or(profile.and_then(|p| p["user_id"].as_str())),
        );
        let Some(who) = who else {
            tracing::info!("inbound message names no wa_id or user id: skipped");
            return Ok(false);
        };
        conversation::handle(self, id, m, &who).await
    }

    async fn number_changed(&self, m: &Value) -> anyhow::Result<bool> {
        let (Some(old), Some(new)) = (
            InboundIdentity::new(m["from"].as_str(), None).and_then(|w| w.wa_id),
            InboundIdentity::new(m["system"]["wa_id"].as_str(), None).and_then(|w| w.wa_id),
        ) else {
            return Ok(false);
        };
        let mut tx = self.s.db.write_for(&self.number.id).await?;
        if !contacts::change_number(&mut tx, &self.number.id, &old, &new).await? {
            tracing::info!(
                "user_changed_number for a number we do not know, or onto one we already know: nothing changed"
            );
        }
        let who = InboundIdentity::new(Some(&new), None).expect("checked above");
        let contact = contacts::from_inbound(&mut tx, &self.number.id, &who).await?;
        store::link(&mut tx, self.payload_id, &contact.id).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Meta's user_preferences: the person stopped, resumed or signed up to
    /// marketing messages inside WhatsApp.
    async fn preference(&self, p: &Value) -> anyhow::Result<bool> {
        let Some(who) = InboundIdentity::new(p["wa_id"].as_str(), p["user_id"].as_str()) else {
            return Ok(false);
        };
        let value = p["value"].as_str().unwrap_or_default();
        if p["category"]
            .as_str()
            .is_some_and(|c| c != "marketing_messages")
        {
            tracing::info!(
                category = p["category"].as_str(),
                "user_preferences for a category Assent does not know: skipped"
            );
            return Ok(true);
        }
        let detail: String = [
            p["detail"].as_str(),
            p["signup_id"].as_str().map(|_| "signup"),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("; ");
        let evidence = Evidence {
            detail: Some(
                format!("user_preferences {value}: {detail}")
                    .chars()
                    .take(500)
                    .collect(),
            ),
            ..Evidence::default()
        };
        let timestamp = p["timestamp"]
            .as_i64()
            .map(|t| t.to_string())
            .or(p["timestamp"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let source_ref = match p["signup_id"].as_str() {
            Some(signup) => format!("user_preferences:{value}:{timestamp}:{signup}"),
            None => format!("user_preferences:{value}:{timestamp}"),
        };
        let source_ref: String = source_ref
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .take(200)
            .collect();
        let mut tx = self.s.db.write_for(&self.number.id).await?;
        let contact = contacts::from_inbound(&mut tx, &self.number.id, &who).await?;
        store::link(&mut tx, self.payload_id, &contact.id).await?;
        // Meta retries and does not keep order: a preference no newer than the last
        // one applied is a repeat or arrived late, and changes nothing.
        let at = p["timestamp"]
            .as_i64()
            .or_else(|| p["timestamp"].as_str().and_then(|t| t.parse().ok()));
        if let (Some(at), Some(last)) = (at, contact.preferences_at)
            && at <= last
        {
            tx.commit().await?;
            tracing::info!(contact = %contact.masked(), value, "user_preferences no newer than the last applied: skipped");
            return Ok(true);
        }
        if let Some(at) = at {
            contacts::set_preferences_at(&mut tx, &contact.id, at).await?;
        }
        let written = match signals::MarketingPreference::parse(value) {
            Some(preference) => {
                signals::marketing(&mut tx, &contact, preference, Some(source_ref), evidence)
                    .await?
            }
            None => {
                tracing::info!(
                    value,
                    "user_preferences value Assent does not know: skipped"
                );
                vec![]
            }
        };
        forwarding::consent_events(&mut tx, &written).await?;
        tx.commit().await?;
        tracing::info!(contact = %contact.masked(), value, events = written.len(), "marketing preference from Meta");
        Ok(true)
    }
}
