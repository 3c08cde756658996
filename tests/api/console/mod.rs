//! The staff console: sign-in, the session it opens, CSRF on its forms, and the
//! guard in front of `/admin`.

mod accounts;
mod audit;
mod compliance;
mod csrf;
mod guard;
mod people;
mod roles;
mod sessions;
mod sign_in;
