//! The `assent` command (SPEC §11), run as a person would on a fresh database.

mod accounts;
mod install;
mod numbers;
