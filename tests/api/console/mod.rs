//! The staff console: sign-in, the session it opens, CSRF on its forms, and the
//! guard in front of `/admin`.

mod csrf;
mod guard;
mod people;
mod sessions;
mod sign_in;
