//! What Meta says of a business number's standing, from its
//! `phone_number_quality_update` webhooks, kept on the number for the dashboard:
//! `FLAGGED` when its quality rating fell to low (it loses a messaging-limit
//! level if it stays there for 7 days), `UNFLAGGED` when it recovered, `UPGRADE`
//! and `DOWNGRADE` of its messaging limit, `ONBOARDING`, `THROUGHPUT_UPGRADE`.
//! Meta names the number by its display number only, and may deliver updates
//! late and out of order: an update older than the one kept changes nothing.

use crate::db::{Db, now_ms};
use serde_json::Value;

/// One update, as Meta sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualityUpdate {
    /// Digits of the number's display number.
    pub display_digits: String,
    pub event: String,
    /// The messaging-limit tier (`TIER_10K`, …), when Meta names one.
    pub limit: Option<String>,
    /// When Meta says it happened (epoch ms).
    pub at: i64,
}

impl QualityUpdate {
    /// The update in a change's `value`; `entry_time` is the entry's `time`
    /// (epoch seconds). None when it names no number or no event.
    pub fn from_change(value: &Value, entry_time: Option<i64>) -> Option<Self> {
        let display_digits: String = value["display_phone_number"]
            .as_str()?
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let event = value["event"].as_str().filter(|e| short(e))?;
        // Meta is replacing current_limit by max_daily_conversations_per_business.
        let limit = ["max_daily_conversations_per_business", "current_limit"]
            .into_iter()
            .find_map(|k| value[k].as_str().filter(|l| !l.is_empty() && short(l)));
        Some(Self {
            display_digits: (!display_digits.is_empty()).then_some(display_digits)?,
            event: event.to_owned(),
            limit: limit.map(str::to_owned),
            at: entry_time.map_or_else(now_ms, |s| s.saturating_mul(1000)),
        })
    }
}

fn short(s: &str) -> bool {
    s.len() <= 64 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Keeps the update on the number it names; false when no number of ours has
/// that display number.
pub async fn note(db: &Db, update: &QualityUpdate) -> anyhow::Result<bool> {
    let display = format!("+{}", update.display_digits);
    let mut w = db.write().await?;
    let ours: Option<(String,)> =
        sqlx::query_as("SELECT id FROM business_numbers WHERE display_number = $1")
            .bind(&display)
            .fetch_optional(&mut *w)
            .await?;
    if ours.is_some() {
        sqlx::query(
            "UPDATE business_numbers SET quality_event = $1, quality_limit = $2, quality_at = $3 \
             WHERE display_number = $4 AND (quality_at IS NULL OR quality_at <= $3)",
        )
        .bind(&update.event)
        .bind(&update.limit)
        .bind(update.at)
        .bind(&display)
        .execute(&mut *w)
        .await?;
    }
    w.commit().await?;
    Ok(ours.is_some())
}

/// The last update kept for a number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quality {
    pub event: String,
    pub limit: Option<String>,
    pub at: i64,
}

impl Quality {
    /// Whether Meta rates the number's quality low right now.
    pub fn flagged(&self) -> bool {
        self.event == "FLAGGED"
    }

    /// What the event means, in a few words.
    pub fn describe(&self) -> String {
        let to = self
            .limit
            .as_deref()
            .map(|l| format!(" to {}", describe_limit(l)))
            .unwrap_or_default();
        match self.event.as_str() {
            "FLAGGED" => {
                "Low: flagged by Meta; the messaging limit drops if it stays low for 7 days".into()
            }
            "UNFLAGGED" => "Recovered: no longer flagged".into(),
            "UPGRADE" => format!("Good: messaging limit raised{to}"),
            "DOWNGRADE" => format!("Messaging limit lowered{to}"),
            "ONBOARDING" => "Being registered".into(),
            "THROUGHPUT_UPGRADE" => "Good: higher throughput".into(),
            other => other.to_owned(),
        }
    }
}

/// `TIER_10K` as `10,000 people a day`.
fn describe_limit(tier: &str) -> String {
    match tier {
        "TIER_50" => "50 people a day".into(),
        "TIER_250" => "250 people a day".into(),
        "TIER_1K" => "1,000 people a day".into(),
        "TIER_2K" => "2,000 people a day".into(),
        "TIER_10K" => "10,000 people a day".into(),
        "TIER_100K" => "100,000 people a day".into(),
        "TIER_UNLIMITED" => "unlimited".into(),
        "TIER_NOT_SET" => "not set yet".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_meta_s_payload() {
        let value = json!({"display_phone_number": "15550783881", "event": "FLAGGED",
            "current_limit": "TIER_10K", "max_daily_conversations_per_business": "TIER_2K"});
        let u = QualityUpdate::from_change(&value, Some(1_700_000_000)).unwrap();
        assert_eq!(u.display_digits, "15550783881");
        assert_eq!(u.event, "FLAGGED");
        assert_eq!(u.limit.as_deref(), Some("TIER_2K"));
        assert_eq!(u.at, 1_700_000_000_000);
        let older = json!({"display_phone_number": "15550783881", "event": "UPGRADE", "current_limit": "TIER_1K"});
        assert_eq!(
            QualityUpdate::from_change(&older, None)
                .unwrap()
                .limit
                .as_deref(),
            Some("TIER_1K")
        );
        assert_eq!(
            QualityUpdate::from_change(&json!({"event": "FLAGGED"}), None),
            None
        );
        assert_eq!(
            QualityUpdate::from_change(
                &json!({"display_phone_number": "1555", "event": "<b>"}),
                None
            ),
            None
        );
    }

    #[test]
    fn says_what_it_means() {
        let q = |event: &str, limit: Option<&str>| Quality {
            event: event.into(),
            limit: limit.map(Into::into),
            at: 0,
        };
        assert!(q("FLAGGED", None).flagged());
        assert!(q("FLAGGED", None).describe().starts_with("Low"));
        assert_eq!(
            q("UPGRADE", Some("TIER_10K")).describe(),
            "Good: messaging limit raised to 10,000 people a day"
        );
        assert_eq!(q("SOMETHING_NEW", None).describe(), "SOMETHING_NEW");
    }
}
