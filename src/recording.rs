//! Consent decisions from outside chat, recorded and told: each is checked against
//! the consent rules, appended to the ledger and queued for the business's
//! webhook, in one write transaction under the number's lock. The API records
//! through here; forms, the preference center and staff will too.

use crate::consent::request::{self, Refused};
use crate::consent::{self, CategoryStatus, ConsentAction, NewEvent, Provenance, RecordedEvent};
use crate::contacts;
use crate::db::Db;
use crate::domain::{CategoryName, Recipient, TemplateName};
use crate::forwarding;

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
    request::known_category(&mut tx, &d.category).await??;
    if let Some(template) = &d.confirmation_template {
        request::confirmation_template(
            &mut tx,
            business_number_id,
            d.action,
            &d.category,
            template,
        )
        .await??;
    }
    let contact = contacts::get_or_create(&mut tx, business_number_id, &d.who).await?;
    if d.action == ConsentAction::Confirmed {
        request::confirmable(&mut tx, &contact, &d.category).await??;
    }
    let event = consent::append(
        &mut tx,
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
    forwarding::consent_events(&mut tx, std::slice::from_ref(&event)).await?;
    let state = consent::states::of_subject(&mut tx, &contact.id)
        .await?
        .remove(d.category.as_str());
    tx.commit().await?;
    Ok(Recorded { event, state })
}
