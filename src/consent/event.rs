//! What a ledger event says: its action, how it came about, the notice shown,
//! and the evidence kept beside it.

use crate::domain::{Actor, Language};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentAction {
    Granted,
    Confirmed,
    Withdrawn,
    Declined,
    Erased,
    /// A double opt-in nobody confirmed in time.
    Expired,
}

impl ConsentAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Confirmed => "confirmed",
            Self::Withdrawn => "withdrawn",
            Self::Declined => "declined",
            Self::Erased => "erased",
            Self::Expired => "expired",
        }
    }

    pub const ALL: [Self; 6] = [
        Self::Granted,
        Self::Confirmed,
        Self::Withdrawn,
        Self::Declined,
        Self::Erased,
        Self::Expired,
    ];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

/// How a consent event came about (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    WebForm,
    Chat,
    Keyword,
    PreferenceCenter,
    MetaSignal,
    Api,
    Import,
    Staff,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WebForm => "web_form",
            Self::Chat => "chat",
            Self::Keyword => "keyword",
            Self::PreferenceCenter => "preference_center",
            Self::MetaSignal => "meta_signal",
            Self::Api => "api",
            Self::Import => "import",
            Self::Staff => "staff",
        }
    }

    pub const ALL: [Self; 8] = [
        Self::WebForm,
        Self::Chat,
        Self::Keyword,
        Self::PreferenceCenter,
        Self::MetaSignal,
        Self::Api,
        Self::Import,
        Self::Staff,
    ];

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// The exact text the person was shown: its version and SHA-256. An imported
/// consent names the version the business's records give, whose text Assent
/// may never have held: then there is no SHA-256 to give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub version: String,
    pub sha256: Option<String>,
}

/// Evidence that identifies or could identify the person. It is stored outside the
/// chain (the chain keeps its SHA-256), so erasure can delete it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_message_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// An imported consent: when the person gave it (RFC 3339, UTC), as the
    /// business's records say; the event's own time is when it was imported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collected_at: Option<String>,
    /// An imported consent: how the business collected it, in its own words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collection_method: Option<String>,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// How a change came about, and on what evidence: who caused it, through which
/// channel, the notice the person was shown, in which language.
#[derive(Debug, Clone)]
pub struct Provenance {
    pub source: Source,
    /// The form and version, entry point, keyword, API key … behind the change.
    pub source_ref: Option<String>,
    pub notice: Option<Notice>,
    pub language: Option<Language>,
    pub actor: Actor,
    pub evidence: Evidence,
}

impl Provenance {
    /// Meta's own signals about marketing messages.
    pub fn meta(source_ref: Option<String>, evidence: Evidence) -> Self {
        Self {
            source: Source::MetaSignal,
            source_ref,
            notice: None,
            language: None,
            actor: Actor::Meta,
            evidence,
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewEvent {
    pub business_number_id: String,
    pub subject_id: String,
    /// A category name, or `*` for events about the whole person (erasure).
    pub category: String,
    pub action: ConsentAction,
    /// Set on a double opt-in grant: the one template that may confirm it.
    pub confirmation_template: Option<String>,
    pub how: Provenance,
}
