//! `/admin/blocked`: refused sends and their export.

#[derive(Clone, Copy)]
pub struct Blocked {
    pub heading: &'static str,
    pub lead: &'static str,
    pub phone: &'static str,
    pub reason: &'static str,
    pub every_reason: &'static str,
    pub downloads: &'static str,
    pub no_match: &'static str,
    pub newest_first: &'static str,
    pub when: &'static str,
    pub asked_by: &'static str,
    pub message: &'static str,
    pub recipient: &'static str,
    pub number: &'static str,
    pub damaged_link: &'static str,
    /// In the recipient column once the person is erased.
    pub erased: &'static str,
}

pub(super) const EN: Blocked = Blocked {
    heading: "Blocked sends",
    lead: "Every message Assent refused to send, and why: the consent gate, the 24-hour window, the number's messaging limit, or the contact check. Recipients are shown masked; an erased person's not at all.",
    phone: "Recipient's number",
    reason: "Reason",
    every_reason: "Every reason",
    downloads: "Download every refused send these filters match:",
    no_match: "No blocked send matches.",
    newest_first: "Newest first",
    when: "When (UTC)",
    asked_by: "Asked by",
    message: "Message",
    recipient: "Recipient",
    number: "Number",
    damaged_link: "The link to this page is damaged; start again from the newest.",
    erased: "erased person",
};
