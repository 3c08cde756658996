//! `/admin/contacts/{id}/erase`: what erasure deletes and keeps, and its answer.

#[derive(Clone, Copy)]
pub struct Erasure {
    pub question: fn(&str) -> String,
    /// Who, then the business number.
    pub cannot_undo: fn(&str, &str) -> String,
    pub deleted: &'static str,
    pub kept: &'static str,
    pub confirm: &'static str,
    pub erase_now: fn(&str) -> String,
    pub cancel: &'static str,
    /// A person with neither phone number nor Meta user id, by contact id.
    pub contact: fn(&str) -> String,
    pub phone: fn(&str) -> String,
    pub user_id: fn(&str) -> String,
    pub conversation: &'static str,
    pub the_contact: fn(&str) -> String,
    pub evidence: fn(usize) -> String,
    pub sent: fn(usize) -> String,
    /// Messages received, then webhook entries.
    pub received: fn(usize, usize) -> String,
    pub refused: fn(usize) -> String,
    pub owed: fn(usize) -> String,
    /// Ledger events, then the random id they name.
    pub kept_events: fn(usize, &str) -> String,
    pub kept_suppression: fn(&str) -> String,
    pub kept_notice: &'static str,
    pub kept_audit: &'static str,
    pub already: &'static str,
    /// What was removed, as `privacy` sums it up.
    pub done: fn(&str) -> String,
}

/// `1 entry`, `2 entries`.
fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

pub(super) const EN: Erasure = Erasure {
    question: |who| format!("Erase {who}?"),
    cannot_undo: |who, number| {
        format!(
            "Erasing cannot be undone. It applies to {who} on the business number {number} only."
        )
    },
    deleted: "What will be deleted",
    kept: "What is kept",
    confirm: "Confirm",
    erase_now: |who| format!("Erase {who} now"),
    cancel: "Cancel, keep everything",
    contact: |id| format!("contact {id}"),
    phone: |phone| format!("phone number +{phone}"),
    user_id: |id| format!("Meta user id {id}"),
    conversation: "language and where they are in the chat opt-in",
    the_contact: |names| format!("The contact: {names}."),
    evidence: |n| {
        format!(
            "The evidence of {}: IP addresses, browsers, WhatsApp message ids.",
            count(n, "consent event", "consent events")
        )
    },
    sent: |n| {
        format!(
            "{} to them, with their statuses and what they said.",
            count(n, "message sent", "messages sent")
        )
    },
    received: |messages, entries| {
        format!(
            "{} from them, and their {} in the webhooks stored from Meta.",
            count(messages, "message received", "messages received"),
            count(entries, "entry", "entries")
        )
    },
    refused: |n| format!("{} to them.", count(n, "refused send", "refused sends")),
    owed: |n| {
        format!(
            "{} about them not yet delivered to the business's webhook.",
            count(n, "update", "updates")
        )
    },
    kept_events: |n, id| {
        format!(
            "The {} in the ledger, which name only the random id {id}. Their hashes stay, so the ledger still verifies; an “erased” event is added.",
            count(n, "consent event", "consent events")
        )
    },
    kept_suppression: |number| {
        format!(
            "A keyed hash of the number on the suppression list of {number}, so Assent never messages them again by mistake (unless they write again and accept the terms)."
        )
    },
    kept_notice: "One last notice to the business's webhook, if it has one, naming the number, so its own systems can erase them too.",
    kept_audit: "An entry in the audit log: who erased, when, and how much was removed (no phone number).",
    already: "This person is erased already: nothing is left to erase.",
    done: |removed| {
        format!(
            "Erased. Removed {removed}. The ledger keeps its events under the random id, and the person is on the suppression list."
        )
    },
};
