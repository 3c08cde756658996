//! The preference center (SPEC §7): a link per person and business number, sealed
//! and expiring, with no login, where the person sees every category with its
//! state and withdraws or grants each, or withdraws everything at once. Every
//! change is a ledger event (source `preference_center`, with IP, user agent and
//! the notice shown), told to the business like any other.

use crate::categories::{self, Described};
use crate::consent::signals;
use crate::consent::{self, ConsentState, Notice, Provenance};
use crate::contacts::{self, Contact};
use crate::db::now_ms;
use crate::domain::{CategoryName, Locale};
use crate::forwarding;
use crate::notices;
use crate::numbers::{self, BusinessNumber};
use crate::services::Services;
use crate::tokens::{self, Purpose, TokenError};

/// `{public_url}/p/{token}`: the person's link, valid for the configured time.
pub fn link(s: &Services, contact_id: &str) -> String {
    let token = tokens::seal(
        &s.secret,
        Purpose::Preferences,
        contact_id.as_bytes(),
        s.opt_in.preference_link_ttl,
        now_ms(),
    );
    format!("{}/p/{token}", s.public_url)
}

/// The contact a link names.
pub fn contact_of(s: &Services, token: &str) -> Result<String, TokenError> {
    let raw = tokens::open(&s.secret, Purpose::Preferences, token, now_ms())?;
    String::from_utf8(raw).map_err(|_| TokenError::Forged)
}

/// One category as the person's page shows it.
pub struct Choice {
    pub category: Described,
    pub state: ConsentState,
}

impl Choice {
    /// Whether the person currently receives this category's messages (a pending
    /// opt-in counts: they asked for it).
    pub fn on(&self) -> bool {
        matches!(self.state, ConsentState::Granted | ConsentState::Pending)
    }
}

pub struct Choices {
    pub contact: Contact,
    pub number: BusinessNumber,
    pub choices: Vec<Choice>,
    /// The notice the page shows, whose version goes with every change.
    pub notice: notices::Notice,
}

/// What the person behind `contact_id` has chosen, described in `locale`; `None`
/// when the person is gone (erased, or declined in chat).
pub async fn load(
    s: &Services,
    contact_id: &str,
    locale: Locale,
) -> anyhow::Result<Option<Choices>> {
    let mut w = s.db.write().await?;
    let Some(contact) = contacts::find_by_id(&mut w, contact_id).await? else {
        return Ok(None);
    };
    let Some(number) = numbers::by_id(&mut w, &contact.business_number_id).await? else {
        return Ok(None);
    };
    let states = consent::states::of_subject(&mut w, &contact.id).await?;
    let choices = categories::described(&mut w, locale)
        .await?
        .into_iter()
        .map(|category| Choice {
            state: states
                .get(category.name.as_str())
                .map_or(ConsentState::None, |s| s.state),
            category,
        })
        .collect();
    // Made on first use for the number and language, hence the write.
    let notice = notices::current(&mut w, &number, locale).await?;
    w.commit().await?;
    Ok(Some(Choices {
        contact,
        number,
        choices,
        notice,
    }))
}

/// The categories the person wants (none: withdraw everything).
pub struct Wanted {
    pub on: Vec<CategoryName>,
}

/// Brings the person's consent to what they asked for: grants what they turned
/// on, withdraws what they turned off; returns how many events that made.
pub async fn save(
    s: &Services,
    choices: &Choices,
    wanted: &Wanted,
    locale: Locale,
    ip: Option<String>,
    user_agent: Option<String>,
) -> anyhow::Result<usize> {
    let contact = &choices.contact;
    let how = Provenance {
        source: consent::Source::PreferenceCenter,
        source_ref: None,
        notice: Some(Notice {
            version: choices.notice.version.clone(),
            sha256: Some(choices.notice.sha256.clone()),
        }),
        language: crate::domain::Language::parse(locale.code()).ok(),
        actor: crate::domain::Actor::system("preference_center"),
        evidence: consent::Evidence {
            ip,
            user_agent,
            ..Default::default()
        },
    };
    let wants = |c: &Choice| wanted.on.contains(&c.category.name);
    // A pending opt-in left on stays pending: it is confirmed in WhatsApp.
    let turned_on: Vec<String> = choices
        .choices
        .iter()
        .filter(|c| wants(c) && !c.on())
        .map(|c| c.category.name.to_string())
        .collect();
    let turned_off: Vec<String> = choices
        .choices
        .iter()
        .filter(|c| !wants(c) && c.on())
        .map(|c| c.category.name.to_string())
        .collect();
    let mut tx = s.db.write_for(&contact.business_number_id).await?;
    let mut events = signals::withdraw(&mut tx, contact, &turned_off, &how).await?;
    events.extend(signals::grant(&mut tx, contact, &turned_on, &how).await?);
    forwarding::consent_events(&mut tx, &events).await?;
    tx.commit().await?;
    if !events.is_empty() {
        s.forward_wake.notify_one();
    }
    Ok(events.len())
}
