//! The fixture corpus in `../shared/fixtures/meta-webhooks` (outside the
//! repository): Meta's own examples must pass, and every webhook payload of it must
//! be accepted and processed. Without the folder these tests say SKIPPED and pass,
//! except under CI=true.

mod send_examples;
mod webhook_payloads;
