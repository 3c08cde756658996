//! Consent changes that arrive as signals rather than requests: Meta's marketing
//! stop (user_preferences `stop`, error 131050). Idempotent: a repeated signal
//! appends nothing.

use super::event::{ConsentAction, Evidence, NewEvent, Source};
use super::ledger::{self, RecordedEvent};
use super::state::{ConsentState, derive_states};
use crate::categories;
use crate::contacts::{self, Contact};
use crate::db::now_ms;
use crate::domain::CategoryKind;
use sqlx::AnyConnection;

/// Withdraws every marketing-kind category the person had granted (or pending) and
/// marks them as having stopped marketing in WhatsApp.
pub async fn marketing_stopped(
    conn: &mut AnyConnection,
    contact: &Contact,
    source_ref: Option<String>,
    evidence: Evidence,
) -> anyhow::Result<Vec<RecordedEvent>> {
    if contact.marketing_stopped_at.is_none() {
        contacts::set_marketing_stopped(conn, &contact.id, Some(now_ms())).await?;
    }
    let states = derive_states(&ledger::events_for_subject(conn, &contact.id).await?);
    let mut written = Vec::new();
    for category in categories::all(conn).await? {
        if category.kind != CategoryKind::Marketing {
            continue;
        }
        let active = states
            .get(category.name.as_str())
            .is_some_and(|s| matches!(s.state, ConsentState::Granted | ConsentState::Pending));
        if !active {
            continue;
        }
        let event = NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: category.name.to_string(),
            action: ConsentAction::Withdrawn,
            source: Source::MetaSignal,
            source_ref: source_ref.clone(),
            notice: None,
            language: None,
            actor: Some("meta".into()),
            confirmation_template: None,
            evidence: evidence.clone(),
        };
        written.push(ledger::append(conn, event).await?);
    }
    Ok(written)
}
