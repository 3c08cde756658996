//! Assent: opt-in and consent management for WhatsApp business messaging.
//!
//! - `consent`: the tamper-evident consent ledger, erasure, export, verification
//! - `sending`: the one sending core (validate, gate, queue, dispatch, statuses)
//! - `providers`: Meta Cloud API, on-premises style APIs, the embedded sandbox
//! - `inbound`: Meta's webhooks in, the consent conversation in chat (MO-flow)
//! - `forwarding`: messages, statuses and consent events out to the business
//! - `import`: existing consents brought in from a CSV file, in the background
//! - `web`: the JSON API (Meta-compatible and native), public pages, the staff console
//! - `cli`: the `assent` command

pub mod access;
pub mod api_keys;
pub mod audit;
pub mod callers;
pub mod categories;
pub mod cli;
pub mod config;
pub mod consent;
pub mod contacts;
pub mod csv_safe;
pub mod db;
pub mod digest;
pub mod domain;
pub mod download;
pub mod entry_points;
pub mod forms;
pub mod forwarding;
pub mod import;
pub mod inbound;
pub mod jobs;
pub mod keywords;
pub mod message_templates;
pub mod metrics;
pub mod notices;
pub mod number_quality;
pub mod numbers;
pub mod opt_in;
pub mod people;
pub mod preferences;
pub mod privacy;
pub mod providers;
pub mod query;
pub mod receipts;
pub mod recording;
pub mod secret;
pub mod sending;
pub mod services;
pub mod signature;
pub mod startup;
pub mod throttle;
pub mod tokens;
pub mod users;
pub mod web;
