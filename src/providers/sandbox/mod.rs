//! The embedded sandbox: simulates WhatsApp in-process so a fresh install works with
//! no Meta account. Every message is accepted and reported `sent` then `delivered`,
//! except for the documented test numbers below.

pub mod phone;

use super::{Accepted, ContactCheck, ContactStatus, ProviderError, StatusReport};
use crate::domain::PhoneNumber;
use serde_json::Value;

/// Recipients that simulate Meta's failures (listed in README).
pub const UNDELIVERABLE: &str = "+12025550126"; // 131026: not on WhatsApp; contact check says invalid
pub const REENGAGEMENT: &str = "+12025550147"; // 131047: failed status, 24 h window closed
pub const MARKETING_STOPPED: &str = "+12025550150"; // 131050: failed status, user stopped marketing
pub const RATE_LIMITED: &str = "+12025550129"; // 130429 on the first attempt, accepted on the retry

pub fn send(payload: &Value, attempt: i64) -> Result<Accepted, ProviderError> {
    let to = payload["to"].as_str().unwrap_or_default();
    let provider_message_id = format!("wamid.sandbox.{}", uuid::Uuid::new_v4().simple());
    let failed = |code: i64, title: &str| {
        Ok(Accepted {
            provider_message_id: provider_message_id.clone(),
            statuses: vec![StatusReport {
                status: "failed",
                error: Some((code, title.to_owned())),
            }],
        })
    };
    match to {
        RATE_LIMITED if attempt <= 1 => Err(ProviderError {
            retryable: true,
            code: Some(130429),
            title: "Rate limit hit".into(),
            http_status: Some(429),
        }),
        UNDELIVERABLE => failed(131026, "Message undeliverable"),
        REENGAGEMENT => failed(131047, "Re-engagement message"),
        MARKETING_STOPPED => failed(131050, "User has stopped marketing messages"),
        _ => Ok(Accepted {
            provider_message_id,
            statuses: vec![
                StatusReport {
                    status: "sent",
                    error: None,
                },
                StatusReport {
                    status: "delivered",
                    error: None,
                },
            ],
        }),
    }
}

pub fn check_contact(phone: &PhoneNumber) -> ContactCheck {
    if phone.as_e164() == UNDELIVERABLE {
        ContactCheck {
            status: ContactStatus::Invalid,
            wa_id: None,
        }
    } else {
        ContactCheck {
            status: ContactStatus::Valid,
            wa_id: Some(phone.wa_id().to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_numbers_are_valid_e164() {
        for n in [UNDELIVERABLE, REENGAGEMENT, MARKETING_STOPPED, RATE_LIMITED] {
            assert_eq!(
                PhoneNumber::parse(n).map(|p| p.as_e164().to_owned()),
                Ok(n.to_owned())
            );
        }
    }
}
