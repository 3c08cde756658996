//! Meta's Cloud API: `POST {base}/{version}/{phone_number_id}/messages`.

use super::{Accepted, ProviderError, classify, transport};
use crate::numbers::BusinessNumber;
use serde_json::Value;

pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";

/// Posts to the number's `/messages` endpoint: the status and Meta's answer.
async fn post(
    http: &reqwest::Client,
    number: &BusinessNumber,
    payload: &Value,
) -> Result<(u16, Value), ProviderError> {
    let base = number.api_base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let url = format!(
        "{base}/{}/{}/messages",
        number.api_version, number.phone_number_id
    );
    let response = http
        .post(url)
        .bearer_auth(number.access_token.as_deref().unwrap_or_default())
        .json(payload)
        .send()
        .await
        .map_err(transport)?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

fn error_of(status: u16, body: &Value) -> ProviderError {
    let error = &body["error"];
    let title = error["message"]
        .as_str()
        .unwrap_or("Cloud API error")
        .to_owned();
    classify(status, error["code"].as_i64(), title)
}

/// The read receipt (with its typing indicator, if any) goes as the client sent it.
pub async fn mark_read(
    http: &reqwest::Client,
    number: &BusinessNumber,
    payload: &Value,
) -> Result<(), ProviderError> {
    match post(http, number, payload).await? {
        (status, _) if (200..300).contains(&status) => Ok(()),
        (status, body) => Err(error_of(status, &body)),
    }
}

pub async fn send(
    http: &reqwest::Client,
    number: &BusinessNumber,
    payload: &Value,
) -> Result<Accepted, ProviderError> {
    let (status, body) = post(http, number, payload).await?;
    if (200..300).contains(&status) {
        let id = body["messages"][0]["id"]
            .as_str()
            .ok_or_else(|| ProviderError {
                retryable: false,
                code: None,
                title: "Cloud API answered 200 without messages[0].id".into(),
                http_status: Some(status),
            })?;
        return Ok(Accepted {
            provider_message_id: id.to_owned(),
            statuses: vec![],
        });
    }
    Err(error_of(status, &body))
}

/// One template of a WhatsApp Business Account, as Meta lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct MetaTemplate {
    pub name: String,
    pub language: String,
    /// APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
    #[serde(default)]
    pub status: String,
    /// MARKETING, UTILITY, AUTHENTICATION, or one Meta adds later.
    #[serde(default)]
    pub category: String,
}

/// Why the templates could not be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplatesError {
    #[error("only Cloud API numbers have templates at Meta")]
    NotCloud,
    #[error("the number has no WhatsApp Business Account id")]
    NoWabaId,
    #[error("the number has no access token")]
    NoToken,
    #[error("Meta refused the access token: {0}")]
    Refused(String),
    #[error("Meta does not know this business account: {0}")]
    UnknownAccount(String),
    #[error("Meta could not be reached: {0}")]
    Unreachable(String),
    #[error("Meta answered HTTP {0}: {1}")]
    Failed(u16, String),
    #[error("Meta kept sending more pages than a business account can have")]
    TooManyPages,
}

/// More pages than this is a loop, not a business account (Meta caps templates
/// per account well below 100 × 100).
const MAX_PAGES: usize = 100;

/// `GET {base}/{version}/{waba_id}/message_templates`, page after page. The
/// next page is asked for at the same host with `after={paging.cursors.after}`
/// while Meta names a `paging.next`: the access token never goes to a host the
/// answer names.
pub async fn templates(
    http: &reqwest::Client,
    number: &BusinessNumber,
) -> Result<Vec<MetaTemplate>, TemplatesError> {
    if number.provider() != crate::numbers::ProviderKind::Cloud {
        return Err(TemplatesError::NotCloud);
    }
    let waba = number.waba_id.as_deref().ok_or(TemplatesError::NoWabaId)?;
    let token = number
        .access_token
        .as_deref()
        .filter(|t| !t.is_empty())
        .ok_or(TemplatesError::NoToken)?;
    let base = number.api_base_url.as_deref().unwrap_or(DEFAULT_BASE_URL);
    let endpoint = format!("{base}/{}/{waba}/message_templates", number.api_version);
    let mut found = Vec::new();
    let mut after: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut url =
            url::Url::parse(&endpoint).map_err(|e| TemplatesError::Unreachable(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("fields", "name,language,status,category")
            .append_pair("limit", "100");
        if let Some(cursor) = &after {
            url.query_pairs_mut().append_pair("after", cursor);
        }
        let response = http.get(url).bearer_auth(token).send().await.map_err(|e| {
            TemplatesError::Unreachable(if e.is_timeout() {
                "no answer in time".to_owned()
            } else {
                e.without_url().to_string()
            })
        })?;
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        if !(200..300).contains(&status) {
            let error = &body["error"];
            let message = error["message"]
                .as_str()
                .map_or_else(|| format!("HTTP {status}"), str::to_owned);
            let code = error["code"].as_i64();
            return Err(
                if matches!(status, 401 | 403)
                    || code.is_some_and(|c| c == 190 || c == 10 || (200..300).contains(&c))
                {
                    TemplatesError::Refused(message)
                } else if status == 404 || code == Some(100) {
                    TemplatesError::UnknownAccount(message)
                } else {
                    TemplatesError::Failed(status, message)
                },
            );
        }
        let page: Vec<MetaTemplate> = serde_json::from_value(body["data"].clone())
            .map_err(|e| TemplatesError::Failed(status, format!("unreadable data: {e}")))?;
        found.extend(page);
        let next = body["paging"]["next"].as_str().is_some();
        match body["paging"]["cursors"]["after"].as_str() {
            Some(cursor) if next && after.as_deref() != Some(cursor) => {
                after = Some(cursor.to_owned());
            }
            _ => return Ok(found),
        }
    }
    Err(TemplatesError::TooManyPages)
}
