//! `/setup/{token}`: the first admin.

#[derive(Clone, Copy)]
pub struct Setup {
    pub heading: &'static str,
    pub lead: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub repeat: &'static str,
    pub submit: &'static str,
    pub passwords_differ: &'static str,
    pub welcome: &'static str,
}

pub(super) const EN: Setup = Setup {
    heading: "Set up Assent",
    lead: "No one can sign in to this console yet. Create the first admin account; this link then stops working.",
    email: "Your email address",
    password: "Password",
    repeat: "Password again",
    submit: "Create the admin account",
    passwords_differ: "The two passwords differ; type the same one twice.",
    welcome: "Welcome. You are the first admin; add your colleagues under Staff.",
};
