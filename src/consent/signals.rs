//! Consent changes that arrive as signals rather than requests: keywords and
//! buttons in chat, Meta's marketing stop, resume and signup (user_preferences,
//! error 131050). Idempotent: a repeated signal appends nothing.

use super::event::{ConsentAction, Evidence, NewEvent, Notice, Source};
use super::ledger::{self, RecordedEvent};
use super::state::{ConsentState, derive_states};
use crate::categories;
use crate::contacts::{self, Contact};
use crate::db::now_ms;
use crate::domain::{Actor, CategoryKind, Language};
use sqlx::AnyConnection;

/// How, and on what evidence, a change came about.
#[derive(Debug, Clone)]
pub struct Signal {
    pub source: Source,
    pub source_ref: Option<String>,
    pub notice: Option<Notice>,
    pub language: Option<Language>,
    pub actor: Actor,
    pub evidence: Evidence,
}

impl Signal {
    fn meta(source_ref: Option<String>, evidence: Evidence) -> Self {
        Self {
            source: Source::MetaSignal,
            source_ref,
            notice: None,
            language: None,
            actor: Actor::Meta,
            evidence,
        }
    }

    fn event(&self, contact: &Contact, category: &str, action: ConsentAction) -> NewEvent {
        NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: category.to_owned(),
            action,
            source: self.source,
            source_ref: self.source_ref.clone(),
            notice: self.notice.clone(),
            language: self.language.clone(),
            actor: Some(self.actor.clone()),
            confirmation_template: None,
            evidence: self.evidence.clone(),
        }
    }
}

/// Withdraws those of `names` the person has granted (or pending).
pub async fn withdraw(
    conn: &mut AnyConnection,
    contact: &Contact,
    names: &[String],
    signal: &Signal,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let states = derive_states(&ledger::events_for_subject(conn, &contact.id).await?);
    let mut written = Vec::new();
    for name in names {
        let active = states
            .get(name.as_str())
            .is_some_and(|s| matches!(s.state, ConsentState::Granted | ConsentState::Pending));
        if active {
            let event = signal.event(contact, name, ConsentAction::Withdrawn);
            written.push(ledger::append(conn, event).await?);
        }
    }
    Ok(written)
}

/// Grants those of `names` the person has not granted.
pub async fn grant(
    conn: &mut AnyConnection,
    contact: &Contact,
    names: &[String],
    signal: &Signal,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let states = derive_states(&ledger::events_for_subject(conn, &contact.id).await?);
    let mut written = Vec::new();
    for name in names {
        let granted = states
            .get(name.as_str())
            .is_some_and(|s| s.state == ConsentState::Granted);
        if !granted {
            let event = signal.event(contact, name, ConsentAction::Granted);
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
/// changed since (what START restores).
pub fn withdrawn_by_last_stop(events: &[RecordedEvent]) -> Vec<String> {
    let last = events.iter().rev().find(|e| {
        e.source == Source::Keyword
            && e.action == ConsentAction::Withdrawn
            && e.source_ref
                .as_deref()
                .is_some_and(|r| r.starts_with("stop:"))
    });
    let Some(last) = last else {
        return vec![];
    };
    // Only where that withdrawal is still the last word: a category granted and
    // withdrawn again since then stays as the person last left it.
    events
        .iter()
        .filter(|e| e.source_ref == last.source_ref && e.action == ConsentAction::Withdrawn)
        .filter(|e| {
            events
                .iter()
                .rev()
                .find(|later| later.category == e.category)
                .is_some_and(|latest| latest.seq == e.seq)
        })
        .map(|e| e.category.clone())
        .collect()
}

/// Meta's marketing stop (user_preferences `stop`, error 131050): withdraws every
/// marketing-kind category and marks the person as having stopped marketing in
/// WhatsApp (only they can resume it there).
pub async fn marketing_stopped(
    conn: &mut AnyConnection,
    contact: &Contact,
    source_ref: Option<String>,
    evidence: Evidence,
) -> anyhow::Result<Vec<RecordedEvent>> {
    if contact.marketing_stopped_at.is_none() {
        contacts::set_marketing_stopped(conn, &contact.id, Some(now_ms())).await?;
    }
    let marketing = names_of_kind(conn, Some(CategoryKind::Marketing)).await?;
    withdraw(
        conn,
        contact,
        &marketing,
        &Signal::meta(source_ref, evidence),
    )
    .await
}

/// user_preferences `resume`: restores the marketing-kind categories that Meta's
/// stop withdrew.
pub async fn marketing_resumed(
    conn: &mut AnyConnection,
    contact: &Contact,
    source_ref: Option<String>,
    evidence: Evidence,
) -> anyhow::Result<Vec<RecordedEvent>> {
    contacts::set_marketing_stopped(conn, &contact.id, None).await?;
    let events = ledger::events_for_subject(conn, &contact.id).await?;
    let marketing = names_of_kind(conn, Some(CategoryKind::Marketing)).await?;
    let stopped_by_meta: Vec<String> = marketing
        .into_iter()
        .filter(|name| {
            events
                .iter()
                .rev()
                .find(|e| &e.category == name)
                .is_some_and(|e| {
                    e.action == ConsentAction::Withdrawn && e.source == Source::MetaSignal
                })
        })
        .collect();
    grant(
        conn,
        contact,
        &stopped_by_meta,
        &Signal::meta(source_ref, evidence),
    )
    .await
}

/// user_preferences `signup`: the person opted in to marketing inside WhatsApp.
pub async fn marketing_signup(
    conn: &mut AnyConnection,
    contact: &Contact,
    source_ref: Option<String>,
    evidence: Evidence,
) -> anyhow::Result<Vec<RecordedEvent>> {
    contacts::set_marketing_stopped(conn, &contact.id, None).await?;
    let marketing = names_of_kind(conn, Some(CategoryKind::Marketing)).await?;
    grant(
        conn,
        contact,
        &marketing,
        &Signal::meta(source_ref, evidence),
    )
    .await
}
