//! `/admin/audit`.

#[derive(Clone, Copy)]
pub struct AuditLog {
    pub heading: &'static str,
    pub lead: &'static str,
    pub caption: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub action: &'static str,
    pub target: &'static str,
    pub detail: &'static str,
    pub ip: &'static str,
    pub empty: &'static str,
}

pub(super) const EN: AuditLog = AuditLog {
    heading: "Audit log",
    lead: "Every change made by staff, and every export of personal data, through the console, the API or the command line. Entries are never changed or removed.",
    caption: "Newest first",
    when: "When (UTC)",
    who: "Who",
    action: "Action",
    target: "Target",
    detail: "Detail",
    ip: "IP address",
    empty: "Nothing yet.",
};
