//! `/admin/users`: staff accounts.

#[derive(Clone, Copy)]
pub struct Accounts {
    pub heading: &'static str,
    pub about: &'static str,
    pub email_column: &'static str,
    pub role: &'static str,
    pub status: &'static str,
    pub action: &'static str,
    pub yourself: &'static str,
    pub disabled: &'static str,
    pub active: &'static str,
    pub enable: &'static str,
    pub disable: &'static str,
    /// The button's name for a screen reader, with the account's email address.
    pub enable_who: fn(&str) -> String,
    pub disable_who: fn(&str) -> String,
    pub add: &'static str,
    pub email: &'static str,
    pub first_password: &'static str,
    pub password_hint: fn(usize) -> String,
    pub submit: &'static str,
    pub choose_role: &'static str,
    pub exists: &'static str,
    /// The email address, then the role.
    pub added: fn(&str, &str) -> String,
    pub own_account: &'static str,
    pub unchanged: &'static str,
    pub now_disabled: &'static str,
    pub now_enabled: &'static str,
}

pub(super) const EN: Accounts = Accounts {
    heading: "Staff",
    about: "Everyone who can sign in to this console. Disabling an account ends its sessions at once.",
    email_column: "Email",
    role: "Role",
    status: "Status",
    action: "Action",
    yourself: "(you)",
    disabled: "disabled",
    active: "active",
    enable: "Enable",
    disable: "Disable",
    enable_who: |email| format!("Enable {email}"),
    disable_who: |email| format!("Disable {email}"),
    add: "Add a staff member",
    email: "Email address",
    first_password: "First password",
    password_hint: |min| {
        format!(
            "At least {min} characters, and not their email address. They can change it under Your account."
        )
    },
    submit: "Add",
    choose_role: "Choose a role.",
    exists: "An account with this email address exists already.",
    added: |email, role| {
        format!(
            "{email} can now sign in as {role}. Give them the password in person or by another channel than this email."
        )
    },
    own_account: "You cannot disable your own account; another admin can.",
    unchanged: "Nothing to change: the account was already so, or is gone.",
    now_disabled: "The account is disabled; its sessions have ended.",
    now_enabled: "The account is enabled; its owner can sign in again.",
};
