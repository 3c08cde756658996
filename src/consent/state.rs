//! Current consent: what one event does to a category's state (`step`, the one
//! rule), and the fold of a person's events. The ledger keeps the result as a row
//! per category (`states`), updated with each event, so reads need no events.

use super::event::{ConsentAction, Source};
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
    /// How and where the event that set this state came (`form:{slug}`, …).
    #[serde(skip)]
    pub source: Option<Source>,
    #[serde(skip)]
    pub source_ref: Option<String>,
}

/// The state of `e`'s category after `e`, given the state before it (`None`:
/// nothing yet); `None` when `e` changes nothing. An erasure (category `*`) is the
/// caller's: it clears every category.
pub fn step(current: Option<&CategoryStatus>, e: &RecordedEvent) -> Option<CategoryStatus> {
    let status = |state, pending_template| CategoryStatus {
        state,
        since: e.created_at,
        pending_template,
        source: Some(e.source),
        source_ref: e.source_ref.clone(),
    };
    let pending = current.is_some_and(|s| s.state == ConsentState::Pending);
    match e.action {
        ConsentAction::Granted => Some(match &e.confirmation_template {
            Some(t) => status(ConsentState::Pending, Some(t.clone())),
            None => status(ConsentState::Granted, None),
        }),
        // A confirmation only completes a pending opt-in; it cannot revive a
        // withdrawn one.
        ConsentAction::Confirmed => pending.then(|| status(ConsentState::Granted, None)),
        ConsentAction::Withdrawn | ConsentAction::Declined => {
            Some(status(ConsentState::Withdrawn, None))
        }
        // Only a pending opt-in expires; one withdrawn or confirmed meanwhile stays.
        ConsentAction::Expired => pending.then(|| status(ConsentState::Expired, None)),
        ConsentAction::Erased => Some(status(ConsentState::None, None)),
    }
}

/// Folds a person's events (oldest first) into the state of each category.
pub fn derive_states<'a>(
    events: impl IntoIterator<Item = &'a RecordedEvent>,
) -> BTreeMap<String, CategoryStatus> {
    let mut states: BTreeMap<String, CategoryStatus> = BTreeMap::new();
    for e in events {
        if e.action == ConsentAction::Erased {
            for s in states.values_mut() {
                if let Some(next) = step(Some(s), e) {
                    *s = next;
                }
            }
        } else if let Some(next) = step(states.get(&e.category), e) {
            states.insert(e.category.clone(), next);
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
