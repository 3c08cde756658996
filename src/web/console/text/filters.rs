//! The search filters the ledger and the blocked sends share, and the mistakes
//! `console::filters` finds in them.

use std::fmt::Display;

#[derive(Clone, Copy)]
pub struct Filters {
    pub nothing_searched: &'static str,
    pub legend: &'static str,
    pub phone_hint: &'static str,
    pub business_number: &'static str,
    pub every_number: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub search: &'static str,
    pub clear: &'static str,
    pub choose_number: &'static str,
    /// What is wrong with the phone number, as `domain::phone` words it.
    pub bad_phone: fn(&dyn Display) -> String,
    pub choose_one: &'static str,
    pub to_before_from: &'static str,
    pub bad_day: &'static str,
}

pub(super) const EN: Filters = Filters {
    nothing_searched: "Nothing was searched. Please correct what is marked below.",
    legend: "Filters",
    phone_hint: "Exactly, with its country code: +44 7700 900123",
    business_number: "Business number",
    every_number: "Every number",
    from: "From (UTC day)",
    to: "To (UTC day, included)",
    search: "Search",
    clear: "Clear the filters",
    choose_number: "Choose a business number from the list.",
    bad_phone: |e| format!("This number {e}."),
    choose_one: "Choose one from the list.",
    to_before_from: "This day is before the first day; swap them.",
    bad_day: "Enter a day as year-month-day, such as 2026-11-30.",
};
