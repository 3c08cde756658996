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
