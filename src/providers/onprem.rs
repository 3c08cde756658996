//! On-premises style BSP APIs (360dialog and the like): `POST {base}/v1/messages`
//! and `POST {base}/v1/contacts`, authenticated by an API-key header.

use super::{Accepted, ContactCheck, ContactStatus, ProviderError, classify, transport};
use crate::domain::PhoneNumber;
use crate::numbers::BusinessNumber;
use serde_json::{Value, json};

pub const DEFAULT_KEY_HEADER: &str = "D360-API-KEY";

/// One call to the BSP: the status and the JSON it answered (`null` if none).
async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    number: &BusinessNumber,
    path: &str,
    body: &Value,
) -> Result<(u16, Value), ProviderError> {
    let base = number.api_base_url.as_deref().unwrap_or_default();
    let header = number
        .api_key_header
        .as_deref()
        .unwrap_or(DEFAULT_KEY_HEADER);
    let response = http
        .request(method, format!("{base}{path}"))
        .header(header, number.access_token.as_deref().unwrap_or_default())
        .json(body)
        .send()
        .await
        .map_err(transport)?;
    let status = response.status().as_u16();
    Ok((status, response.json().await.unwrap_or(Value::Null)))
}

/// The on-premises API marks a message read with `PUT /v1/messages/{id}`.
pub async fn mark_read(
    http: &reqwest::Client,
    number: &BusinessNumber,
    message_id: &str,
) -> Result<(), ProviderError> {
    let path = format!(
        "/v1/messages/{}",
        percent_encoding::utf8_percent_encode(message_id, percent_encoding::NON_ALPHANUMERIC)
    );
    match call(
        http,
        reqwest::Method::PUT,
        number,
        &path,
        &json!({"status": "read"}),
    )
    .await?
    {
        (status, _) if (200..300).contains(&status) => Ok(()),
        (status, body) => Err(error_of(status, &body)),
    }
}

fn error_of(status: u16, body: &Value) -> ProviderError {
    let first = &body["errors"][0];
    // The title only: BSPs' free-text `details` may repeat the recipient's number,
    // and the title ends up in logs and the message record.
    let title = first["title"]
        .as_str()
        .unwrap_or("provider error")
        .to_owned();
    classify(status, first["code"].as_i64(), title)
}

pub async fn send(
    http: &reqwest::Client,
    number: &BusinessNumber,
    payload: &Value,
) -> Result<Accepted, ProviderError> {
    // The on-premises format has no messaging_product and addresses by wa_id.
    let mut body = payload.clone();
    if let Some(obj) = body.as_object_mut() {
        obj.remove("messaging_product");
        if let Some(Value::String(to)) = obj.get_mut("to") {
            *to = to.trim_start_matches('+').to_owned();
        }
    }
    let (status, body) = call(http, reqwest::Method::POST, number, "/v1/messages", &body).await?;
    if (200..300).contains(&status)
        && let Some(id) = body["messages"][0]["id"].as_str()
    {
        return Ok(Accepted {
            provider_message_id: id.to_owned(),
            statuses: vec![],
        });
    }
    Err(error_of(status, &body))
}

pub async fn check_contact(
    http: &reqwest::Client,
    number: &BusinessNumber,
    phone: &PhoneNumber,
) -> Result<ContactCheck, ProviderError> {
    let body = json!({"blocking": "wait", "contacts": [phone.as_e164()], "force_check": false});
    let (status, body) = call(http, reqwest::Method::POST, number, "/v1/contacts", &body).await?;
    if !(200..300).contains(&status) {
        return Err(error_of(status, &body));
    }
    let contact = &body["contacts"][0];
    Ok(ContactCheck {
        status: ContactStatus::parse(contact["status"].as_str().unwrap_or("failed")),
        wa_id: contact["wa_id"].as_str().map(str::to_owned),
    })
}
