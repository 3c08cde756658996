//! Consent changes that arrive as signals rather than requests: keywords and
//! buttons in chat, Meta's marketing stop, resume and signup (user_preferences,
//! error 131050). Idempotent: a repeated signal appends nothing.

use super::event::{ConsentAction, Evidence, NewEvent, Provenance, Source};
use super::ledger::{self, RecordedEvent};
use super::state::{CategoryStatus, ConsentState};
use super::states;
use crate::categories;
use crate::contacts::{self, Contact};
use crate::db::now_ms;
use crate::domain::CategoryKind;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// The event that records `action` on `category` for the person.
fn event(how: &Provenance, contact: &Contact, category: &str, action: ConsentAction) -> NewEvent {
    NewEvent {
        business_number_id: contact.business_number_id.clone(),
        subject_id: contact.id.clone(),
        category: category.to_owned(),
        action,
        confirmation_template: None,
        how: how.clone(),
    }
}

/// Withdraws those of `names` the person has granted (or pending).
#[must_use = "queue the forward to the business: forwarding::consent_events"]
pub async fn withdraw(
    conn: &mut AnyConnection,
    contact: &Contact,
    names: &[String],
    how: &Provenance,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let active = |s: ConsentState| matches!(s, ConsentState::Granted | ConsentState::Pending);
    change(conn, contact, names, how, ConsentAction::Withdrawn, active).await
}

/// Grants those of `names` the person has not granted.
#[must_use = "queue the forward to the business: forwarding::consent_events"]
pub async fn grant(
    conn: &mut AnyConnection,
    contact: &Contact,
    names: &[String],
    how: &Provenance,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let not_granted = |s: ConsentState| s != ConsentState::Granted;
    change(
        conn,
        contact,
        names,
        how,
        ConsentAction::Granted,
        not_granted,
    )
    .await
}

/// Appends `action` for each of `names` whose current state `needs` it.
async fn change(
    conn: &mut AnyConnection,
    contact: &Contact,
    names: &[String],
    how: &Provenance,
    action: ConsentAction,
    needs: impl Fn(ConsentState) -> bool,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let states = states::of_subject(conn, &contact.id).await?;
    let mut written = Vec::new();
    for name in names {
        let state = states
            .get(name.as_str())
            .map_or(ConsentState::None, |s| s.state);
        if needs(state) {
            let event = event(how, contact, name, action);
            written.push(ledger::append(conn, event).await?);
        }
    }
    Ok(written)
}

pub async fn names_of_kind(
    conn: &mut AnyConnection,
    kind: Option<CategoryKind>,
) -> anyhow::Result<Vec<String>> {
    Ok(categories::all(conn)
        .await?
        .into_iter()
        .filter(|c| kind.is_none_or(|k| c.kind == k))
        .map(|c| c.name.to_string())
        .collect())
}

/// The categories the person's last STOP keyword withdrew and that nothing has
/// changed since (what START restores): of the states a STOP set and that still
/// hold, those set by the latest STOP. A category granted and withdrawn again
/// since stays as the person last left it.
pub fn withdrawn_by_last_stop(states: &BTreeMap<String, CategoryStatus>) -> Vec<String> {
    let by_stop = |s: &&CategoryStatus| {
        s.state == ConsentState::Withdrawn
            && s.source == Some(Source::Keyword)
            && s.source_ref
                .as_deref()
                .is_some_and(|r| r.starts_with("stop:"))
    };
    let Some(last) = states.values().filter(by_stop).max_by_key(|s| s.since) else {
        return vec![];
    };
    states
        .iter()
        .filter(|(_, s)| by_stop(s) && s.source_ref == last.source_ref)
        .map(|(name, _)| name.clone())
        .collect()
}

/// What Meta says of a person's marketing messages: they stopped them in
/// WhatsApp (user_preferences `stop`, or error 131050 on a send), resumed them
/// (`resume`), or signed up to them inside WhatsApp (`signup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarketingPreference {
    Stop,
    Resume,
    Signup,
}

impl MarketingPreference {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "stop" => Some(Self::Stop),
            "resume" => Some(Self::Resume),
            "signup" => Some(Self::Signup),
            _ => None,
        }
    }
}

/// Applies Meta's marketing signal to the marketing-kind categories. A stop
/// withdraws them all and marks the person as stopped (only they can resume it,
/// in WhatsApp); a resume restores those that Meta's stop withdrew; a signup
/// grants them all.
pub async fn marketing(
    conn: &mut AnyConnection,
    contact: &Contact,
    preference: MarketingPreference,
    source_ref: Option<String>,
    evidence: Evidence,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let stopped_at = match preference {
        MarketingPreference::Stop => contact.marketing_stopped_at.or(Some(now_ms())),
        MarketingPreference::Resume | MarketingPreference::Signup => None,
    };
    if stopped_at != contact.marketing_stopped_at {
        contacts::set_marketing_stopped(conn, &contact.id, stopped_at).await?;
    }
    let marketing = names_of_kind(conn, Some(CategoryKind::Marketing)).await?;
    let how = Provenance::meta(source_ref, evidence);
    match preference {
        MarketingPreference::Stop => withdraw(conn, contact, &marketing, &how).await,
        MarketingPreference::Signup => grant(conn, contact, &marketing, &how).await,
        MarketingPreference::Resume => {
            let states = states::of_subject(conn, &contact.id).await?;
            let stopped_by_meta: Vec<String> = marketing
                .into_iter()
                .filter(|name| {
                    states.get(name).is_some_and(|s| {
                        s.state == ConsentState::Withdrawn && s.source == Some(Source::MetaSignal)
                    })
                })
                .collect();
            grant(conn, contact, &stopped_by_meta, &how).await
        }
    }
}
