//! Double opt-ins nobody confirmed in time expire: an `expired` event per
//! category (told to the business), and the form's expiry count grows. Found
//! through the stored states, never by reading the ledger.

use crate::consent::{
    self, ConsentAction, ConsentState, Evidence, NewEvent, Provenance, Source, states,
};
use crate::contacts;
use crate::db::now_ms;
use crate::domain::Actor;
use crate::forms::{self, Counter};
use crate::services::Services;
use crate::{forwarding, throttle};

/// Expires what is due; true when there was something.
pub async fn expire_due(s: &Services) -> anyhow::Result<bool> {
    let cutoff = now_ms() - s.opt_in.pending_ttl.as_millis() as i64;
    let due = states::pending_older_than(&mut *s.db.pool.acquire().await?, cutoff, 100).await?;
    let mut w = s.db.write().await?;
    throttle::sweep(&mut w).await?;
    w.commit().await?;
    for p in &due {
        let mut tx = s.db.write_for(&p.business_number_id).await?;
        let Some(contact) = contacts::find_by_id(&mut tx, &p.contact_id).await? else {
            continue;
        };
        // Confirmed or withdrawn meanwhile: nothing to expire.
        let now = states::of_category(&mut tx, &contact.id, &p.category).await?;
        if now.is_none_or(|s| s.state != ConsentState::Pending) {
            continue;
        }
        let event = NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: p.category.clone(),
            action: ConsentAction::Expired,
            confirmation_template: None,
            how: Provenance {
                source: if p.source_ref.as_deref().and_then(forms::slug_of).is_some() {
                    Source::WebForm
                } else {
                    Source::Api
                },
                source_ref: p.source_ref.clone(),
                notice: None,
                language: None,
                actor: Actor::system("expiry"),
                evidence: Evidence::default(),
            },
        };
        let expired = consent::append(&mut tx, event).await?;
        forwarding::consent_events(&mut tx, &[expired]).await?;
        if let Some(slug) = p.source_ref.as_deref().and_then(forms::slug_of) {
            forms::count(&mut tx, slug, Counter::Expiries).await?;
        }
        tx.commit().await?;
    }
    Ok(!due.is_empty())
}
