//! What every console page shares: the header, its menu, and the words of forms.

use std::fmt::Display;

#[derive(Clone, Copy)]
pub struct Chrome {
    /// The product's name stays as it is in every language.
    pub brand: &'static str,
    pub menu_label: &'static str,
    pub sign_out: &'static str,
    pub form_has_errors: &'static str,
    pub bad_email: &'static str,
    /// The password rule broken, as `users` words it for every door.
    pub password_rule: fn(&dyn Display) -> String,
    pub password_hint: fn(usize) -> String,
    pub pages: &'static str,
    pub newest: &'static str,
    pub older: &'static str,
}

/// The menu's entries; `console::SECTIONS` says which role sees which.
#[derive(Clone, Copy)]
pub struct Menu {
    pub home: &'static str,
    pub ledger: &'static str,
    pub integrity: &'static str,
    pub blocked: &'static str,
    pub audit_log: &'static str,
    pub import: &'static str,
    pub forms: &'static str,
    pub staff: &'static str,
    pub sandbox: &'static str,
    pub numbers: &'static str,
    pub templates: &'static str,
    pub entry_points: &'static str,
    pub api_keys: &'static str,
    pub webhooks: &'static str,
    pub categories: &'static str,
    pub your_account: &'static str,
}

pub(super) const EN: Chrome = Chrome {
    brand: "Assent console",
    menu_label: "Console",
    sign_out: "Sign out",
    form_has_errors: "Please correct what is marked below.",
    bad_email: "Enter an email address, such as name@example.com.",
    password_rule: |rule| format!("Please {rule}."),
    password_hint: |min| {
        format!(
            "At least {min} characters, and not your email address. A few unrelated words make a good one."
        )
    },
    pages: "Pages",
    newest: "Newest",
    older: "Older",
};

pub(super) const MENU_EN: Menu = Menu {
    home: "Home",
    ledger: "Ledger",
    integrity: "Integrity",
    blocked: "Blocked sends",
    audit_log: "Audit log",
    import: "Import consents",
    forms: "Forms",
    staff: "Staff",
    sandbox: "Phone simulator",
    numbers: "Numbers",
    templates: "Templates",
    entry_points: "Entry points",
    api_keys: "API keys",
    webhooks: "Webhooks",
    categories: "Categories",
    your_account: "Your account",
};
