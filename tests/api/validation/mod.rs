//! Bad input over HTTP (SPEC §13): a clear, Meta-shaped error that names what is
//! wrong, and nothing stored.

mod bodies;
mod consents;
mod languages;
mod limits;
mod messages;
