//! `/admin/ledger/verify`: the integrity check.

#[derive(Clone, Copy)]
pub struct LedgerVerify {
    pub heading: &'static str,
    pub lead: &'static str,
    pub broken_at: fn(i64) -> String,
    pub what_is_wrong: &'static str,
    pub event_id: &'static str,
    pub verified_before: &'static str,
    pub checked: &'static str,
    /// When, then by whom.
    pub checked_by: fn(&str, &str) -> String,
    pub broken_advice: &'static str,
    pub intact: &'static str,
    pub events_checked: &'static str,
    pub head_hash: &'static str,
    /// Before the command that checks against the head hash…
    pub keep_head: &'static str,
    /// …and after it.
    pub head_proves: &'static str,
    pub never: &'static str,
    pub run: &'static str,
    pub run_hint: &'static str,
    pub done_intact: &'static str,
    pub done_broken: &'static str,
}

pub(super) const EN: LedgerVerify = LedgerVerify {
    heading: "Ledger integrity",
    lead: "Each consent event carries the hash of the one before it. Verifying reads every event in order and recomputes its hash, so an event altered, removed or put out of order shows here, with the first one that broke.",
    broken_at: |seq| format!("Broken at event {seq}"),
    what_is_wrong: "What is wrong",
    event_id: "Event id",
    verified_before: "Events before it that verified",
    checked: "Checked",
    checked_by: |at, by| format!("{at} (UTC) by {by}"),
    broken_advice: "Nothing in Assent changes the ledger this way: someone changed the database directly. Keep a copy of the database as it is now, and compare the event with an export or a backup made before.",
    intact: "Intact",
    events_checked: "Events checked",
    head_hash: "Head hash",
    keep_head: "Keep the head hash somewhere outside this database (a ticket, an email, a printed report). Later,",
    head_proves: "proves that the history up to this event was not rewritten since.",
    never: "The ledger has not been verified yet.",
    run: "Verify the whole ledger now",
    run_hint: "It reads every event; on a large ledger this takes a while. Each run is kept and named in the audit log.",
    done_intact: "The ledger was verified just now: intact.",
    done_broken: "The ledger was verified just now: it is BROKEN. See below where.",
};
