//! Assent: opt-in and consent management for WhatsApp business messaging.
//!
//! - `consent`: the tamper-evident consent ledger, erasure, export, verification
//! - `sending`: the one sending core (validate, gate, queue, dispatch, statuses)
//! - `providers`: Meta Cloud API, on-premises style APIs, the embedded sandbox
//! - `inbound`: Meta's webhooks in, the consent conversation in chat (MO-flow)
//! - `forwarding`: messages, statuses and consent events out to the business
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
pub mod entry_points;
pub mod forwarding;
pub mod http;
pub mod inbound;
pub mod keywords;
pub mod metrics;
pub mod notices;
pub mod numbers;
pub mod providers;
pub mod secret;
pub mod sending;
pub mod services;
pub mod signature;
pub mod startup;
pub mod templates;
pub mod users;
