//! `/admin`: the dashboard, and its chart.

#[derive(Clone, Copy)]
pub struct Home {
    pub heading: &'static str,
    pub compliance: &'static str,
    pub figures_for: &'static str,
    pub every_number: &'static str,
    pub show: &'static str,
    pub ledger: &'static str,
    pub broken: &'static str,
    pub at_event: fn(i64) -> String,
    pub intact: &'static str,
    /// Events checked, then when.
    pub events_checked: fn(i64, &str) -> String,
    pub not_verified: &'static str,
    pub verify_now: &'static str,
    pub opt_ins_30_days: &'static str,
    pub opt_outs_30_days: &'static str,
    pub blocked_30_days: &'static str,
    pub numbers_flagged: &'static str,
    pub n_of: fn(usize, usize) -> String,
    pub per_day: &'static str,
    pub chart_title: &'static str,
    pub legend_opt_ins: fn(i64) -> String,
    pub legend_opt_outs: fn(i64) -> String,
    pub as_table: &'static str,
    pub table_caption: &'static str,
    pub day: &'static str,
    pub opt_ins: &'static str,
    pub opt_outs: &'static str,
    pub total: &'static str,
    pub consents: &'static str,
    pub consents_caption: &'static str,
    pub this_number: &'static str,
    pub category: &'static str,
    pub blocked: &'static str,
    pub none_blocked: &'static str,
    pub reason: &'static str,
    pub attempts: &'static str,
    pub every_blocked: &'static str,
    pub integrity: &'static str,
    /// After "Broken": the event, how it broke, when, by whom.
    pub broken_found: fn(i64, &str, &str, &str) -> String,
    /// After "Intact": events checked, when, by whom.
    pub intact_checked: fn(i64, &str, &str) -> String,
    pub not_verified_yet: &'static str,
    pub verify_ledger: &'static str,
    /// After the link to verify the ledger.
    pub verify_ledger_note: &'static str,
    pub numbers: &'static str,
    pub numbers_lead: &'static str,
    pub name: &'static str,
    pub number: &'static str,
    pub phone_number_id: &'static str,
    pub provider: &'static str,
    pub quality: &'static str,
    pub no_quality_report: &'static str,
    pub since: fn(&str) -> String,
    pub developers: &'static str,
    pub create_api_key: &'static str,
    /// Followed by Meta's address.
    pub point_client: &'static str,
    pub the_api: &'static str,
    pub openapi: &'static str,
    pub health: &'static str,
}

/// The chart's words: each bar's title and the `<desc>` of the whole.
#[derive(Clone, Copy)]
pub struct Chart {
    /// The day, the count, and whether they are opt-outs.
    pub bar: fn(&str, i64, bool) -> String,
    /// First day, last day, opt-ins, opt-outs.
    pub description: fn(&str, &str, i64, i64) -> String,
    pub no_days: &'static str,
}

pub(super) const EN: Home = Home {
    heading: "Console",
    compliance: "Compliance at a glance",
    figures_for: "Figures for",
    every_number: "Every business number",
    show: "Show",
    ledger: "Ledger",
    broken: "Broken",
    at_event: |seq| format!("at event {seq}"),
    intact: "Intact",
    events_checked: |n, at| format!("{n} events, checked {at}"),
    not_verified: "Not verified",
    verify_now: "Verify it now",
    opt_ins_30_days: "Opt-ins, 30 days",
    opt_outs_30_days: "Opt-outs, 30 days",
    blocked_30_days: "Blocked sends, 30 days",
    numbers_flagged: "Numbers flagged by Meta",
    n_of: |n, of| format!("{n} of {of}"),
    per_day: "Opt-ins and opt-outs, last 30 days",
    chart_title: "Opt-ins and opt-outs per day, last 30 days (UTC)",
    legend_opt_ins: |n| format!("Opt-ins (consent granted): {n}"),
    legend_opt_outs: |n| format!("Opt-outs (withdrawn or declined): {n}"),
    as_table: "The same figures as a table",
    table_caption: "Opt-ins and opt-outs per UTC day, newest first",
    day: "Day",
    opt_ins: "Opt-ins",
    opt_outs: "Opt-outs",
    total: "Total",
    consents: "Consent per category",
    consents_caption: "People in each state, as the ledger stands now",
    this_number: "(this number)",
    category: "Category",
    blocked: "Blocked sends, last 30 days",
    none_blocked: "No send was blocked in the last 30 days.",
    reason: "Reason",
    attempts: "Attempts",
    every_blocked: "Every blocked send",
    integrity: "Ledger integrity",
    broken_found: |seq, problem, at, by| {
        format!("at event {seq}: {problem}. Found {at} (UTC) by {by}.")
    },
    intact_checked: |n, at, by| format!(": {n} events checked {at} (UTC) by {by}."),
    not_verified_yet: "Not verified yet.",
    verify_ledger: "Verify the ledger",
    verify_ledger_note: " (checks every event's hash; the whole ledger, every number).",
    numbers: "Business numbers",
    numbers_lead: "The WhatsApp numbers this instance sends for.",
    name: "Name",
    number: "Number",
    phone_number_id: "Phone number id",
    provider: "Provider",
    quality: "Quality (Meta)",
    no_quality_report: "No report from Meta yet",
    since: |at| format!("since {at}"),
    developers: "For developers",
    create_api_key: "Create an API key:",
    point_client: "Point your WhatsApp Cloud API client at this instance instead of",
    the_api: "The API:",
    openapi: "OpenAPI description",
    health: "health:",
};

pub(super) const CHART_EN: Chart = Chart {
    bar: |day, n, opt_out| {
        let what = match (opt_out, n) {
            (false, 1) => "opt-in",
            (false, _) => "opt-ins",
            (true, 1) => "opt-out",
            (true, _) => "opt-outs",
        };
        format!("{day}: {n} {what}")
    },
    description: |first, last, ins, outs| {
        format!(
            "Bars per day from {first} to {last}: {ins} opt-ins (solid bars) and {outs} opt-outs (hatched bars) in all."
        )
    },
    no_days: "No days to show.",
};
