//! Black-box tests of Assent, one test binary: over HTTP, through the `assent`
//! command and in a headless browser, with a fresh database per test, on SQLite by
//! default and on PostgreSQL when TEST_DATABASE_URL is set (scripts/test runs both).
//! The harness is in `helpers/`; each module below is one route or flow.

mod helpers;

mod auth;
mod cli;
mod console;
mod corpus;
mod entry_points;
mod forms;
mod forwarding;
mod gate;
mod ledger;
mod mo_flow;
mod ops;
mod pages;
mod preferences;
mod privacy;
mod sandbox;
mod sending;
mod serve;
mod suppressed;
mod templates;
mod validation;
mod webhooks;
mod writes;
