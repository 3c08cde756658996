//! Where messages leave Assent: Meta's Cloud API, an on-premises style BSP API, or
//! the in-process sandbox. The dispatcher is the only caller.

mod cloud;
mod connection;
mod onprem;
pub mod sandbox;

pub use cloud::{MetaTemplate, TemplatesError};
pub use connection::Connection;

use crate::domain::PhoneNumber;
use crate::numbers::{BusinessNumber, ProviderKind};
use serde_json::Value;
use std::time::Duration;

/// A status the provider reported for a message it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub status: &'static str,
    pub error: Option<(i64, String)>,
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub provider_message_id: String,
    /// Statuses known at once (the sandbox simulates them; real providers send
    /// them later by webhook).
    pub statuses: Vec<StatusReport>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{title} (code {code:?}, HTTP {http_status:?})")]
pub struct ProviderError {
    pub retryable: bool,
    pub code: Option<i64>,
    pub title: String,
    pub http_status: Option<u16>,
}

/// Contact-check outcomes, as on-premises style APIs report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactStatus {
    Valid,
    Invalid,
    Processing,
    Failed,
}

impl ContactStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Invalid => "invalid",
            Self::Processing => "processing",
            Self::Failed => "failed",
        }
    }

    pub fn parse(raw: &str) -> Self {
        match raw {
            "valid" => Self::Valid,
            "invalid" => Self::Invalid,
            "processing" => Self::Processing,
            _ => Self::Failed,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ContactCheck {
    pub status: ContactStatus,
    pub wa_id: Option<String>,
}

#[derive(Clone)]
pub struct Providers {
    http: reqwest::Client,
}

impl Providers {
    pub fn new(timeout: Duration) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("assent/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self { http })
    }

    pub async fn send(
        &self,
        number: &BusinessNumber,
        payload: &Value,
        attempt: i64,
    ) -> Result<Accepted, ProviderError> {
        match number.provider() {
            ProviderKind::Cloud => cloud::send(&self.http, number, payload).await,
            ProviderKind::Onprem => onprem::send(&self.http, number, payload).await,
            ProviderKind::Sandbox => sandbox::send(payload, attempt),
        }
    }

    /// Marks an inbound message read (Meta's read receipt, with a typing indicator
    /// when the payload asks for one). The sandbox has nobody to tell.
    pub async fn mark_read(
        &self,
        number: &BusinessNumber,
        message_id: &str,
        payload: &Value,
    ) -> Result<(), ProviderError> {
        match number.provider() {
            ProviderKind::Cloud => cloud::mark_read(&self.http, number, payload).await,
            ProviderKind::Onprem => onprem::mark_read(&self.http, number, message_id).await,
            ProviderKind::Sandbox => Ok(()),
        }
    }

    /// One harmless request with the number's credentials (see `connection`).
    pub async fn test_connection(&self, number: &BusinessNumber) -> Connection {
        connection::test(&self.http, number).await
    }

    /// Every template of a Cloud API number's business account, all pages.
    pub async fn meta_templates(
        &self,
        number: &BusinessNumber,
    ) -> Result<Vec<MetaTemplate>, TemplatesError> {
        cloud::templates(&self.http, number).await
    }

    pub fn has_contact_check(&self, number: &BusinessNumber) -> bool {
        number.provider() != ProviderKind::Cloud
    }

    /// `None` for providers without a contact check (Meta's Cloud API has none).
    pub async fn check_contact(
        &self,
        number: &BusinessNumber,
        phone: &PhoneNumber,
    ) -> Option<Result<ContactCheck, ProviderError>> {
        match number.provider() {
            ProviderKind::Cloud => None,
            ProviderKind::Onprem => Some(onprem::check_contact(&self.http, number, phone).await),
            ProviderKind::Sandbox => Some(Ok(sandbox::check_contact(phone))),
        }
    }
}

/// Codes Meta documents as transient: throughput (130429), pair rate (131056),
/// app and account rate limits (4, 80007), service trouble (1, 2, 131000, 131016).
const RETRYABLE_CODES: [i64; 8] = [130429, 131056, 4, 80007, 1, 2, 131000, 131016];

fn classify(http_status: u16, code: Option<i64>, title: String) -> ProviderError {
    let retryable = http_status == 408
        || http_status == 429
        || http_status >= 500
        || code.is_some_and(|c| RETRYABLE_CODES.contains(&c));
    ProviderError {
        retryable,
        code,
        title,
        http_status: Some(http_status),
    }
}

fn transport(e: reqwest::Error) -> ProviderError {
    let title = if e.is_timeout() {
        "provider timed out".to_owned()
    } else {
        format!("provider unreachable: {}", e.without_url())
    };
    ProviderError {
        retryable: true,
        code: None,
        title,
        http_status: None,
    }
}
