//! A double opt-in is confirmed in WhatsApp: by the welcome template's quick-reply
//! button (payload `assent_confirm`, set by Assent) or by replying YES, SÍ or SIM.
//! Each pending category gets a `confirmed` event naming the inbound message.

use crate::consent::states;
use crate::consent::{self, ConsentAction, Evidence, NewEvent, Provenance, RecordedEvent, Source};
use crate::contacts::Contact;
use crate::domain::{Actor, Language, Locale};
use crate::forms::{self, Counter};
use crate::numbers::BusinessNumber;
use serde_json::{Value, json};
use sqlx::AnyConnection;

/// The payload Assent gives the welcome template's first button.
pub const CONFIRM_PAYLOAD: &str = "assent_confirm";

/// Confirms every double opt-in the person has pending, inside the caller's
/// transaction; the events written (none: nothing was pending).
#[must_use = "queue the forward to the business: forwarding::consent_events"]
pub async fn confirm(
    conn: &mut AnyConnection,
    contact: &Contact,
    inbound_message_id: &str,
    locale: Locale,
) -> anyhow::Result<Vec<RecordedEvent>> {
    let waiting = states::pending_of(conn, &contact.id).await?;
    let mut written = Vec::new();
    let mut forms_confirmed: Vec<String> = Vec::new();
    for p in waiting {
        let event = NewEvent {
            business_number_id: contact.business_number_id.clone(),
            subject_id: contact.id.clone(),
            category: p.category.clone(),
            action: ConsentAction::Confirmed,
            confirmation_template: None,
            how: Provenance {
                source: Source::WebForm,
                source_ref: p.source_ref.clone(),
                notice: None,
                language: Language::parse(locale.code()).ok(),
                actor: Actor::system("chat"),
                evidence: Evidence {
                    inbound_message_id: Some(inbound_message_id.to_owned()),
                    ..Evidence::default()
                },
            },
        };
        written.push(consent::append(conn, event).await?);
        if let Some(slug) = p.source_ref.as_deref().and_then(forms::slug_of)
            && !forms_confirmed.iter().any(|f| f == slug)
        {
            forms_confirmed.push(slug.to_owned());
        }
    }
    for slug in forms_confirmed {
        forms::count(conn, &slug, Counter::Confirmations).await?;
    }
    Ok(written)
}

/// The business's contact card (a `contacts` message carrying the number's
/// `wa_id`), when the number sends one after an opt-in; the person can save the
/// business to their phone from it.
pub fn contact_card(number: &BusinessNumber) -> Option<Value> {
    number.contact_card.0.then(|| {
        json!({"type": "contacts", "contacts": [{
            "name": {"formatted_name": number.name(), "first_name": number.name()},
            "phones": [{"phone": number.display_number, "wa_id": number.display_digits(), "type": "WORK"}],
        }]})
    })
}
