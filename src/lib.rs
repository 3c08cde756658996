//! Assent: opt-in and consent management for WhatsApp business messaging.
//!
//! - `consent`: the tamper-evident consent ledger, erasure, export, verification
//! - `sending`: the one sending core (validate, gate, queue, dispatch, statuses)
//! - `providers`: Meta Cloud API, on-premises style APIs, the embedded sandbox
//! - `http`: the JSON API (Meta-compatible and native), health and metrics
//! - `cli`: the `assent` command

pub mod api_keys;
pub mod categories;
pub mod cli;
pub mod config;
pub mod consent;
pub mod contacts;
pub mod db;
pub mod domain;
pub mod http;
pub mod metrics;
pub mod numbers;
pub mod providers;
pub mod secret;
pub mod sending;
pub mod services;
pub mod startup;
pub mod templates;
pub mod users;
