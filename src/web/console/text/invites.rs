//! `/admin/users` (invitations and roles) and `/invite/{token}`.

#[derive(Clone, Copy)]
pub struct Invites {
    pub last_admin: &'static str,
    pub role_of: fn(&str) -> String,
    pub change_role: &'static str,
    pub change_role_of: fn(&str) -> String,
    pub own_role: &'static str,
    pub role_unchanged: &'static str,
    /// The email address, then the new role.
    pub role_changed: fn(&str, &str) -> String,
    pub invite: &'static str,
    pub invite_about: &'static str,
    pub invite_submit: &'static str,
    pub link_heading: &'static str,
    /// The email address, the role, then when the link expires.
    pub link_lead: fn(&str, &str, &str) -> String,
    pub link_label: &'static str,
    pub link_once: &'static str,
    pub copy: &'static str,
    pub copied: &'static str,
    pub copy_failed: &'static str,
    pub back: &'static str,
    pub heading: &'static str,
    /// The email address, then the role.
    pub lead: fn(&str, &str) -> String,
    pub submit: &'static str,
    /// The email address, then the role.
    pub welcome: fn(&str, &str) -> String,
}

pub(super) const EN: Invites = Invites {
    last_admin: "This is the last enabled admin account; make another account admin first.",
    role_of: |email| format!("Role of {email}"),
    change_role: "Change role",
    change_role_of: |email| format!("Change the role of {email}"),
    own_role: "You cannot change your own role; another admin can.",
    role_unchanged: "Nothing to change: the account has that role already, or is gone.",
    role_changed: |email, role| format!("{email} is now {role}, from their next page on."),
    invite: "Invite a staff member",
    invite_about: "They get a link, valid for 3 days and usable once, at which they choose their own password. Nobody else learns it.",
    invite_submit: "Make the invitation link",
    link_heading: "Invitation link",
    link_lead: |email, role, expires| {
        format!("This link lets {email} create their account as {role}, until {expires}.")
    },
    link_label: "Link",
    link_once: "Send it to them now, by a channel you trust: this is the only time it is shown. If it is lost, invite them again.",
    copy: "Copy the link",
    copied: "Copied.",
    copy_failed: "Could not copy; select the link and copy it yourself.",
    back: "Back to Staff",
    heading: "Join the Assent console",
    lead: |email, role| {
        format!(
            "You are invited to sign in as {email}, as {role}. Choose your password; this link then stops working."
        )
    },
    submit: "Create my account",
    welcome: |email, role| format!("Welcome, {email}. You are signed in as {role}."),
};
