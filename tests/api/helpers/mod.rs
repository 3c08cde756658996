//! Test harness: a fresh database per test (a temp SQLite file, or a new PostgreSQL
//! database when TEST_DATABASE_URL names a server), Assent on a free port with its
//! background work stepped inline, stand-ins for Meta's Graph API and the business's
//! webhook endpoint, one helper per route, and a headless Chromium for pages.
#![allow(dead_code)]

pub mod app;
pub mod browser;
pub mod builders;
pub mod business;
pub mod chat;
pub mod cli;
pub mod fixtures;
pub mod forms;
pub mod graph;
pub mod ledger;
pub mod logs;
pub mod meta;
pub mod pages;
pub mod people;
pub mod preferences;
pub mod routes;
pub mod sql;

pub use app::*;
pub use builders::*;
pub use cli::*;
pub use forms::*;
pub use logs::*;
pub use meta::*;
pub use pages::*;
pub use sql::*;

use sha2::{Digest, Sha256};

/// The embedded sandbox number every fresh install has.
pub const SANDBOX_ID: &str = "100000000000001";
/// The sandbox number's (public) app secret and verify token.
pub const SANDBOX_APP_SECRET: &str = "sandbox-app-secret";
pub const SANDBOX_VERIFY_TOKEN: &str = "sandbox-verify-token";
/// The Meta-compatible send endpoint of the sandbox number.
pub const MESSAGES: &str = "/v23.0/100000000000001/messages";

/// A valid, unallocated-looking Spanish mobile number for tests.
pub const ALICE: &str = "+34612345678";
pub const BOB: &str = "+34612345679";

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit())
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
