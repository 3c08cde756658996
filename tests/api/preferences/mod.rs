//! The preference center (SPEC §7): the link every confirmation in chat ends with
//! and PREFERENCES answers with, the page `/p/{token}` it opens (every category with
//! its state, in the person's language, no cookie), saving (one POST, ledger events
//! with IP, user agent and the notice shown), what it refuses (CSRF, a link we did
//! not make, an expired one, an erased person's), and the page in a real browser.

mod browser;
mod links;
mod page;
mod refusals;
mod saving;
