//! Current consent, derived from the events alone (never stored separately).

use super::event::ConsentAction;
use super::ledger::RecordedEvent;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    None,
    Pending,
    Granted,
    Withdrawn,
    /// A double opt-in that was never confirmed.
    Expired,
}

impl ConsentState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Pending => "pending",
            Self::Granted => "granted",
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }

    /// The states a person can be in once something happened.
    pub const HELD: [Self; 4] = [Self::Granted, Self::Pending, Self::Withdrawn, Self::Expired];

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::None]
            .into_iter()
            .chain(Self::HELD)
            .find(|s| s.as_str() == raw)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CategoryStatus {
    pub state: ConsentState,
    /// When the current state began (epoch ms).
    pub since: i64,
    /// For `pending`: the confirmation template that the opt-in asked for.
    #[serde(skip)]
    pub pending_template: Option<String>,
}

/// Folds a person's events (oldest first) into the state of each category.
pub fn derive_states<'a>(
    events: impl IntoIterator<Item = &'a RecordedEvent>,
) -> BTreeMap<String, CategoryStatus> {
    let mut states: BTreeMap<String, CategoryStatus> = BTreeMap::new();
    for e in events {
        let status = |state, pending_template| CategoryStatus {
            state,
            since: e.created_at,
            pending_template,
        };
        match e.action {
            ConsentAction::Granted => {
                let next = match &e.confirmation_template {
                    Some(t) => status(ConsentState::Pending, Some(t.clone())),
                    None => status(ConsentState::Granted, None),
                };
                states.insert(e.category.clone(), next);
            }
            // A confirmation only completes a pending opt-in; it cannot revive a
            // withdrawn one.
            ConsentAction::Confirmed => {
                if let Some(current) = states
                    .get_mut(&e.category)
                    .filter(|s| s.state == ConsentState::Pending)
                {
                    *current = status(ConsentState::Granted, None);
                }
            }
            ConsentAction::Withdrawn | ConsentAction::Declined => {
                states.insert(e.category.clone(), status(ConsentState::Withdrawn, None));
            }
            // Only a pending opt-in expires; one withdrawn or confirmed meanwhile stays.
            ConsentAction::Expired => {
                if let Some(current) = states
                    .get_mut(&e.category)
                    .filter(|s| s.state == ConsentState::Pending)
                {
                    *current = status(ConsentState::Expired, None);
                }
            }
            ConsentAction::Erased => {
                for s in states.values_mut() {
                    *s = status(ConsentState::None, None);
                }
            }
        }
    }
    states
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(seq: i64, category: &str, action: &str, confirmation: Option<&str>) -> RecordedEvent {
        let action = ConsentAction::parse(action).unwrap();
        RecordedEvent {
            seq,
            id: seq.to_string(),
            prev_hash: String::new(),
            hash: String::new(),
            created_at: seq * 1000,
            business_number_id: "n".into(),
            subject_id: "s".into(),
            category: category.into(),
            action,
            source: super::super::Source::Api,
            source_ref: None,
            notice_version: None,
            notice_sha256: None,
            language: None,
            actor: None,
            confirmation_template: confirmation.map(Into::into),
            evidence_sha256: None,
        }
    }

    #[test]
    fn single_opt_in_grants_and_withdraw_withdraws() {
        let events = [
            ev(1, "offers", "granted", None),
            ev(2, "offers", "withdrawn", None),
        ];
        let s = derive_states(&events[..1]);
        assert_eq!(s["offers"].state, ConsentState::Granted);
        let s = derive_states(&events);
        assert_eq!(s["offers"].state, ConsentState::Withdrawn);
        assert_eq!(s["offers"].since, 2000);
    }

    #[test]
    fn double_opt_in_is_pending_until_confirmed() {
        let events = [
            ev(1, "offers", "granted", Some("welcome")),
            ev(2, "offers", "confirmed", None),
        ];
        let s = derive_states(&events[..1]);
        assert_eq!(s["offers"].state, ConsentState::Pending);
        assert_eq!(s["offers"].pending_template.as_deref(), Some("welcome"));
        assert_eq!(
            derive_states(&events)["offers"].state,
            ConsentState::Granted
        );
    }

    #[test]
    fn confirmation_does_not_revive_a_withdrawal() {
        let events = [
            ev(1, "offers", "granted", Some("welcome")),
            ev(2, "offers", "withdrawn", None),
            ev(3, "offers", "confirmed", None),
        ];
        assert_eq!(
            derive_states(&events)["offers"].state,
            ConsentState::Withdrawn
        );
    }

    #[test]
    fn categories_are_independent_and_erasure_clears_all() {
        let events = [
            ev(1, "offers", "granted", None),
            ev(2, "order_updates", "declined", None),
        ];
        let s = derive_states(&events);
        assert_eq!(s["offers"].state, ConsentState::Granted);
        assert_eq!(s["order_updates"].state, ConsentState::Withdrawn);
        let erased = [
            events[0].clone(),
            events[1].clone(),
            ev(3, "*", "erased", None),
        ];
        assert!(
            derive_states(&erased)
                .values()
                .all(|s| s.state == ConsentState::None)
        );
    }
}
