//! The staff console: sign-in, the session it opens, CSRF on its forms, the
//! guard in front of `/admin`, and the import of existing consents.

mod accounts;
mod audit;
mod compliance;
mod csrf;
mod forms;
mod entry_points;
mod guard;
mod import;
mod numbers;
mod people;
mod roles;
mod sessions;
mod setup;
mod sign_in;
