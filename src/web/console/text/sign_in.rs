//! `/login` and `/logout`.

#[derive(Clone, Copy)]
pub struct SignIn {
    pub heading: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub submit: &'static str,
    pub email_missing: &'static str,
    pub password_missing: &'static str,
    pub refused: &'static str,
    pub signed_out: &'static str,
}

pub(super) const EN: SignIn = SignIn {
    heading: "Sign in",
    email: "Email address",
    password: "Password",
    submit: "Sign in",
    email_missing: "Enter the email address you were registered with.",
    password_missing: "Enter your password.",
    refused: "That email address and password do not match an active staff account.",
    signed_out: "You are signed out.",
};
