//! How an event's hash is computed. Verification and appends share this one function.

use crate::digest::sha256_hex;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The chained fields of one event, in a fixed order.
pub struct Chained<'a> {
    pub seq: i64,
    pub id: &'a str,
    pub prev_hash: &'a str,
    pub created_at: i64,
    pub business_number_id: &'a str,
    pub subject_id: &'a str,
    pub category: &'a str,
    pub action: &'a str,
    pub source: &'a str,
    pub source_ref: Option<&'a str>,
    pub notice_version: Option<&'a str>,
    pub notice_sha256: Option<&'a str>,
    pub language: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub confirmation_template: Option<&'a str>,
    pub evidence_sha256: Option<&'a str>,
}

impl Chained<'_> {
    /// SHA-256 over a JSON array of the fields: unambiguous (strings are quoted and
    /// escaped, absent fields are `null`) and stable across platforms.
    pub fn hash(&self) -> String {
        let canonical = serde_json::json!([
            self.seq,
            self.id,
            self.prev_hash,
            self.created_at,
            self.business_number_id,
            self.subject_id,
            self.category,
            self.action,
            self.source,
            self.source_ref,
            self.notice_version,
            self.notice_sha256,
            self.language,
            self.actor,
            self.confirmation_template,
            self.evidence_sha256,
        ]);
        sha256_hex(canonical.to_string().as_bytes())
    }
}
