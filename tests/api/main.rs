//! Black-box tests over HTTP: a fresh database per test, on SQLite by default and on
//! PostgreSQL when TEST_DATABASE_URL is set (scripts/test runs both).

mod graph;
mod helpers;
mod mo_flow;

mod forwarding;
mod gate;
mod pages;
mod sending;
mod webhooks;
