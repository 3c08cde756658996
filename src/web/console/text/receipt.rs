//! `/admin/contacts/{id}/receipts/{event id}`: a consent receipt to print.

#[derive(Clone, Copy)]
pub struct Receipt {
    pub title: fn(&str) -> String,
    pub heading: &'static str,
    /// The receipt's id, then the Kantara version it follows.
    pub shaped_after: fn(&str, &str) -> String,
    pub controller: &'static str,
    pub whatsapp: fn(&str) -> String,
    pub person: &'static str,
    pub what_happened: &'static str,
    pub consent_then: &'static str,
    pub iso_state: &'static str,
    pub when: &'static str,
    pub how: &'static str,
    pub jurisdiction: &'static str,
    pub language: &'static str,
    pub purpose_for: &'static str,
    /// The purpose's categories, then the kind of consent.
    pub purpose_meta: fn(&str, &str) -> String,
    pub withdrawing: &'static str,
    pub who_else: &'static str,
    pub notice_shown: &'static str,
    pub version: fn(&str) -> String,
    pub sha256: &'static str,
    pub ip: &'static str,
    pub user_agent: &'static str,
    pub whatsapp_message: &'static str,
    pub ledger_event: &'static str,
    /// The event's number, then its source.
    pub event_source: fn(i64, &str) -> String,
    pub hash: &'static str,
    pub follows: &'static str,
    /// Before the command that verifies…
    pub chained: &'static str,
    /// …and after it.
    pub not_altered: &'static str,
    pub download: &'static str,
    pub back: &'static str,
    pub print: &'static str,
}

pub(super) const EN: Receipt = Receipt {
    title: |id| format!("Consent receipt {id}"),
    heading: "Consent receipt",
    shaped_after: |id, version| {
        format!(
            "Receipt {id}, shaped after the Kantara Consent Receipt {version} and ISO/IEC TS 27560."
        )
    },
    controller: "Business (controller)",
    whatsapp: |phone| format!(", WhatsApp {phone}"),
    person: "Person",
    what_happened: "What happened",
    consent_then: "Consent is then",
    iso_state: "(ISO/IEC TS 27560 state)",
    when: "When",
    how: "How",
    jurisdiction: "Jurisdiction",
    language: "Language",
    purpose_for: "For",
    purpose_meta: |categories, kind| format!("({categories}; consent {kind})"),
    withdrawing: "Withdrawing",
    who_else: "Who else sees it",
    notice_shown: "Notice shown",
    version: |v| format!("version {v}"),
    sha256: "SHA-256",
    ip: "IP address",
    user_agent: "Browser (user agent)",
    whatsapp_message: "WhatsApp message",
    ledger_event: "Ledger event",
    event_source: |seq, source| format!("number {seq}, source {source}"),
    hash: "hash",
    follows: "follows",
    chained: "The ledger chains every event to the one before it by SHA-256;",
    not_altered: "shows that this one was not altered.",
    download: "Download as JSON",
    back: "Back to the person",
    print: "To print it or save it as a PDF, use your browser's Print command; the console's menus are left out of the print.",
};
