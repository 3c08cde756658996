//! "Test the provider connection" (the console's number page): one harmless
//! request with the number's credentials, and what it told us, in terms an
//! admin can act on. Cloud API: `GET {base}/{version}/{phone_number_id}` (Meta
//! answers with the number's verified name and display number); on-premises
//! style: `GET {base}/v1/health` with the API-key header; the sandbox always
//! answers.

use super::cloud::DEFAULT_BASE_URL;
use super::onprem::DEFAULT_KEY_HEADER;
use crate::numbers::{BusinessNumber, ProviderKind};
use serde_json::Value;

/// What the provider said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    /// The provider knows the number and took the credentials; for the Cloud
    /// API, Meta's verified name and display number of it.
    Fine {
        verified_name: Option<String>,
        display_number: Option<String>,
    },
    /// The embedded sandbox: nothing to reach.
    Sandbox,
    /// No access token (API key) is set, so nothing was asked.
    NoToken,
    /// The provider refused the credentials (expired, revoked, mistyped, or
    /// without the permission).
    Refused { message: String },
    /// The provider does not know this phone number id (or the token may not see it).
    UnknownNumber { message: String },
    /// Nobody answered at the base URL (or not in time).
    Unreachable { why: String },
    /// Another answer: its HTTP status and what it said.
    Failed { http_status: u16, message: String },
}

pub(super) async fn test(http: &reqwest::Client, number: &BusinessNumber) -> Connection {
    let provider = number.provider();
    if provider == ProviderKind::Sandbox {
        return Connection::Sandbox;
    }
    let Some(token) = number.access_token.as_deref().filter(|t| !t.is_empty()) else {
        return Connection::NoToken;
    };
    let request = match provider {
        ProviderKind::Cloud => {
            let base = number.api_base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
            http.get(format!(
                "{base}/{}/{}",
                number.api_version, number.phone_number_id
            ))
            .bearer_auth(token)
        }
        _ => {
            let base = number.api_base_url.as_deref().unwrap_or_default();
            let header = number
                .api_key_header
                .as_deref()
                .unwrap_or(DEFAULT_KEY_HEADER);
            http.get(format!("{base}/v1/health")).header(header, token)
        }
    };
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) if e.is_timeout() => {
            return Connection::Unreachable {
                why: "no answer in time".into(),
            };
        }
        Err(e) => {
            return Connection::Unreachable {
                why: e.without_url().to_string(),
            };
        }
    };
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if (200..300).contains(&status) {
        let text = |key: &str| body[key].as_str().map(str::to_owned);
        return Connection::Fine {
            verified_name: text("verified_name"),
            display_number: text("display_phone_number"),
        };
    }
    // Meta: {"error": {"message", "code"}}; on-premises: {"errors": [{"title", "code"}]}.
    let (code, message) = if body["error"].is_object() {
        (
            body["error"]["code"].as_i64(),
            body["error"]["message"].as_str(),
        )
    } else {
        (
            body["errors"][0]["code"].as_i64(),
            body["errors"][0]["title"].as_str(),
        )
    };
    let message = message
        .map(str::to_owned)
        .unwrap_or_else(|| format!("HTTP {status}"));
    // 190: the token is invalid or expired; 10 and 200-299: a permission is
    // missing; on-premises 1005: access denied.
    let refused = matches!(status, 401 | 403)
        || code.is_some_and(|c| c == 190 || c == 10 || (200..300).contains(&c) || c == 1005);
    if refused {
        Connection::Refused { message }
    } else if status == 404 || (provider == ProviderKind::Cloud && code == Some(100)) {
        Connection::UnknownNumber { message }
    } else {
        Connection::Failed {
            http_status: status,
            message,
        }
    }
}
