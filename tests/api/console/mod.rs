//! The staff console: sign-in, the session it opens, CSRF on its forms, the
//! guard in front of `/admin`, and the import of existing consents.

mod csrf;
mod guard;
mod import;
mod sessions;
mod sign_in;
