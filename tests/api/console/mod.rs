//! The staff console: sign-in, the session it opens, CSRF on its forms, the
//! guard in front of `/admin`, and the import of existing consents.

mod accounts;
mod administration;
mod audit;
mod compliance;
mod csrf;
mod entry_points;
mod forms;
mod guard;
mod import;
mod numbers;
mod people;
mod roles;
mod sessions;
mod setup;
mod sign_in;
