//! Consent decisions from outside chat, recorded and told: each is checked against
//! the consent rules, appended to the ledger and queued for the business's
//! webhook, in one write transaction under the number's lock. The API and the
//! import of existing consents record through here; forms, the preference
//! center and staff will too. The API's decisions wait in a `Queue`, so that
//! those that arrive together are recorded together.

mod queue;

pub use queue::Queue;

use crate::categories::{self, Category};
use crate::consent::request::{self, Refused};
use crate::consent::{self, CategoryStatus, ConsentAction, NewEvent, Provenance, RecordedEvent};
use crate::contacts::{self, Contact};
use crate::db::lanes::rounds;
use crate::domain::{CategoryName, Recipient, TemplateName};
use crate::forwarding;
use crate::message_templates::{self, Template};
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// A decision about one person and one category, with how it came about.
pub struct Decision {
    pub who: Recipient,
    pub category: CategoryName,
    pub action: ConsentAction,
    /// Double opt-in: consent stays `pending` until confirmed; only this template
    /// may be sent meanwhile, once.
    pub confirmation_template: Option<TemplateName>,
    pub how: Provenance,
}

#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Refused(#[from] Refused),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub struct Recorded {
    pub event: RecordedEvent,
    /// The category's state after the event.
    pub state: Option<CategoryStatus>,
}

/// Decisions about people of one number, checked and recorded in the order
/// given, inside the caller's write transaction (which must hold the number's
/// lock). Each has its own outcome: a refused one writes nothing and stops no
/// other. The statements are a fixed few per round however many decisions
/// there are; a round ends where a person's category comes up a second time, so
/// that the second decision is checked against what the first did.
pub async fn record_all(
    tx: &mut AnyConnection,
    business_number_id: &str,
    decisions: Vec<Decision>,
) -> anyhow::Result<Vec<Result<Recorded, Refused>>> {
    let known = categories::all(tx).await?;
    let templates = if decisions.iter().any(|d| d.confirmation_template.is_some()) {
        message_templates::list(tx, business_number_id).await?
    } else {
        Vec::new()
    };
    // A person is who they are, however a decision names them (by phone in one,
    // by user id in another): the contact when known, else the name given.
    let who: Vec<&Recipient> = decisions.iter().map(|d| &d.who).collect();
    let found = contacts::find_all(tx, business_number_id, &who).await?;
    let lengths = rounds(decisions.iter().zip(&found).map(|(d, contact)| {
        [(
            contacts::person(&d.who, contact.as_ref()),
            d.category.as_str(),
        )]
    }));
    let mut outcomes = Vec::with_capacity(decisions.len());
    let mut rest = decisions.into_iter();
    for length in lengths {
        let round: Vec<Decision> = rest.by_ref().take(length).collect();
        outcomes.extend(record_round(tx, business_number_id, &known, &templates, round).await?);
    }
    Ok(outcomes)
}

async fn record_round(
    tx: &mut AnyConnection,
    business_number_id: &str,
    known: &[Category],
    templates: &[Template],
    round: Vec<Decision>,
) -> anyhow::Result<Vec<Result<Recorded, Refused>>> {
    let who: Vec<&Recipient> = round.iter().map(|d| &d.who).collect();
    let found = contacts::find_all(tx, business_number_id, &who).await?;
    let states = if round.iter().any(|d| d.action == ConsentAction::Confirmed) {
        let ids: Vec<&str> = found.iter().flatten().map(|c| c.id.as_str()).collect();
        consent::states::of_subjects(tx, &ids).await?
    } else {
        BTreeMap::new()
    };
    let checks: Vec<Result<(), Refused>> = round
        .iter()
        .zip(&found)
        .map(|(d, contact)| {
            request::known_category(known, &d.category)?;
            if let Some(template) = &d.confirmation_template {
                request::confirmation_template(templates, d.action, &d.category, template)?;
            }
            if d.action == ConsentAction::Confirmed {
                let current = contact
                    .as_ref()
                    .and_then(|c| states.get(&(c.id.clone(), d.category.as_str().to_owned())));
                request::confirmable(current, &d.category)?;
            }
            Ok(())
        })
        .collect();
    let accepted: Vec<(&Decision, Option<Contact>)> = round
        .iter()
        .zip(found)
        .zip(&checks)
        .filter(|(_, check)| check.is_ok())
        .map(|(pair, _)| pair)
        .collect();
    let (accepted_who, found): (Vec<&Recipient>, Vec<Option<Contact>>) =
        accepted.iter().map(|(d, c)| (&d.who, c.clone())).unzip();
    let people = contacts::complete(tx, business_number_id, &accepted_who, found).await?;
    let events = accepted
        .iter()
        .zip(&people)
        .map(|((d, _), person)| NewEvent {
            business_number_id: business_number_id.to_owned(),
            subject_id: person.id.clone(),
            category: d.category.to_string(),
            action: d.action,
            confirmation_template: d.confirmation_template.as_ref().map(ToString::to_string),
            how: d.how.clone(),
        })
        .collect();
    let appended = consent::append_all(tx, events).await?;
    let recorded: Vec<RecordedEvent> = appended.iter().map(|a| a.event.clone()).collect();
    forwarding::consent_events(tx, &recorded).await?;
    let mut appended = appended.into_iter();
    checks
        .into_iter()
        .map(|check| match check {
            Err(refused) => Ok(Err(refused)),
            Ok(()) => appended
                .next()
                .map(|a| {
                    Ok(Recorded {
                        event: a.event,
                        state: a.state,
                    })
                })
                .ok_or_else(|| anyhow::anyhow!("an accepted decision was not appended")),
        })
        .collect()
}
