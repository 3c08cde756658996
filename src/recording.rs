//! Consent decisions from outside chat, recorded and told: each is checked against
//! the consent rules, appended to the ledger and queued for the business's
//! webhook, in one write transaction under the number's lock. The API and the
//! import of existing consents record through here; forms, the preference
//! center and staff will too.

use crate::consent::request::{self, Refused};
use crate::consent::{self, CategoryStatus, ConsentAction, NewEvent, Provenance, RecordedEvent};
use crate::contacts;
use crate::db::Db;
use crate::domain::{CategoryName, Recipient, TemplateName};
use crate::forwarding;
use sqlx::AnyConnection;

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

impl From<sqlx::Error> for RecordError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

pub struct Recorded {
    pub event: RecordedEvent,
    /// The category's state after the event.
    pub state: Option<CategoryStatus>,
}

pub async fn record(
    db: &Db,
    business_number_id: &str,
    d: Decision,
) -> Result<Recorded, RecordError> {
    let mut tx = db.write_for(business_number_id).await?;
    let category = d.category.clone();
    let event = record_in(&mut tx, business_number_id, d).await?;
    let state = consent::states::of_category(&mut tx, &event.subject_id, category.as_str()).await?;
    tx.commit().await?;
    Ok(Recorded { event, state })
}

/// `record` inside the caller's write transaction, which must hold the number's
/// lock (`Db::write_for`): for many decisions that commit together (a batch of
/// an import). A grant is refused before anything is written; a refused
/// confirmation may leave the person's contact behind, for the caller to roll
/// back.
pub async fn record_in(
    tx: &mut AnyConnection,
    business_number_id: &str,
    d: Decision,
) -> Result<RecordedEvent, RecordError> {
    request::known_category(tx, &d.category).await??;
    if let Some(template) = &d.confirmation_template {
        request::confirmation_template(tx, business_number_id, d.action, &d.category, template)
            .await??;
    }
    let contact = contacts::get_or_create(tx, business_number_id, &d.who).await?;
    if d.action == ConsentAction::Confirmed {
        request::confirmable(tx, &contact, &d.category).await??;
    }
    let event = consent::append(
        tx,
        NewEvent {
            business_number_id: business_number_id.to_owned(),
            subject_id: contact.id.clone(),
            category: d.category.to_string(),
            action: d.action,
            confirmation_template: d.confirmation_template.map(|t| t.to_string()),
            how: d.how,
        },
    )
    .await?;
    forwarding::consent_events(tx, std::slice::from_ref(&event)).await?;
    Ok(event)
}
