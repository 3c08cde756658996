//! `/admin/account`: your own password.

#[derive(Clone, Copy)]
pub struct Account {
    pub heading: &'static str,
    /// The email address, then the role.
    pub signed_in_as: fn(&str, &str) -> String,
    pub change: &'static str,
    pub current: &'static str,
    pub new: &'static str,
    pub repeat: &'static str,
    pub submit: &'static str,
    pub current_missing: &'static str,
    pub passwords_differ: &'static str,
    pub wrong_current: &'static str,
    pub changed: &'static str,
}

pub(super) const EN: Account = Account {
    heading: "Your account",
    signed_in_as: |email, role| format!("Signed in as {email}, role {role}."),
    change: "Change your password",
    current: "Current password",
    new: "New password",
    repeat: "New password again",
    submit: "Change password",
    current_missing: "Enter your current password.",
    passwords_differ: "The two new passwords differ; type the same one twice.",
    wrong_current: "That is not your current password.",
    changed: "Your password is changed. Your other sessions are signed out.",
};
