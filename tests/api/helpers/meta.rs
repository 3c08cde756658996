//! What Meta sends and answers: webhook envelopes (inbound messages, statuses, user
//! preferences), send bodies, and the shape of a Meta error.

use super::SANDBOX_ID;
use reqwest::StatusCode;
use serde_json::{Value, json};

pub fn now_secs() -> i64 {
    assent::db::now_ms() / 1000
}

pub fn template_body(to: &str, name: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "template",
           "template": {"name": name, "language": {"code": "en"}}})
}

pub fn text_body(to: &str, text: &str) -> Value {
    json!({"messaging_product": "whatsapp", "to": to, "type": "text", "text": {"body": text}})
}

/// Meta's envelope around one change for the sandbox number.
pub fn envelope(field: &str, value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] =
        json!({"display_phone_number": "12025550100", "phone_number_id": SANDBOX_ID});
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": "102290129340398", "changes": [{"field": field, "value": value}]}]})
}

/// Meta's envelope around one inbound message from `wa_id` to the sandbox number.
pub fn inbound_message(wa_id: &str, id: &str, message: Value) -> Value {
    let mut m = message;
    m["from"] = json!(wa_id);
    m["id"] = json!(id);
    m["timestamp"] = json!(format!("{}", now_secs()));
    json!({"object": "whatsapp_business_account", "entry": [{"id": "WABA1", "changes": [{"field": "messages",
        "value": {"messaging_product": "whatsapp",
                  "metadata": {"display_phone_number": "12025550100", "phone_number_id": SANDBOX_ID},
                  "contacts": [{"profile": {"name": "Test Person"}, "wa_id": wa_id}],
                  "messages": [m]}}]}]})
}

pub fn inbound_text(wa_id: &str, id: &str, text: &str) -> Value {
    inbound_message(wa_id, id, json!({"type": "text", "text": {"body": text}}))
}

pub fn inbound_button_reply(wa_id: &str, id: &str, button_id: &str) -> Value {
    inbound_message(
        wa_id,
        id,
        json!({"type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": "x"}}}),
    )
}

/// The payload as Meta sends it for another of our numbers: every change names
/// `phone_number_id` in its metadata.
pub fn for_number(mut payload: Value, phone_number_id: &str) -> Value {
    for entry in payload["entry"].as_array_mut().into_iter().flatten() {
        for change in entry["changes"].as_array_mut().into_iter().flatten() {
            change["value"]["metadata"]["phone_number_id"] = json!(phone_number_id);
        }
    }
    payload
}

/// Sets the `timestamp` of the single message of a payload built by `inbound_*`.
pub fn with_timestamp(mut payload: Value, ts: i64) -> Value {
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = json!(ts.to_string());
    payload
}

/// A `statuses[]` webhook for a message Assent sent.
pub fn status_payload(
    provider_id: &str,
    status: &str,
    recipient: &str,
    ts: i64,
    errors: Option<Value>,
) -> Value {
    let mut st = json!({"id": provider_id, "status": status, "timestamp": ts.to_string(),
                        "recipient_id": recipient});
    if status != "failed" {
        st["conversation"] = json!({"id": "b1f2a3c4d5e6f7a8b9c0d1e2f3a4b5c6",
                                    "origin": {"type": "marketing"}});
        st["pricing"] = json!({"billable": true, "pricing_model": "PMP", "category": "marketing",
                               "type": "regular"});
    }
    if let Some(errors) = errors {
        st["errors"] = errors;
    }
    envelope("messages", json!({"statuses": [st]}))
}

/// A `user_preferences` webhook (marketing stop / resume / signup inside WhatsApp).
pub fn preference_payload(wa_id: &str, value: &str, ts: i64) -> Value {
    let detail = match value {
        "stop" => "User requested to stop marketing messages",
        "resume" => "User requested to resume marketing messages",
        _ => "User signed up via signup link",
    };
    let mut pref = json!({"wa_id": wa_id, "detail": detail, "category": "marketing_messages",
                          "value": value, "timestamp": ts});
    if value == "signup" {
        pref["signup_id"] = json!("13176843987434774");
    }
    envelope(
        "user_preferences",
        json!({"contacts": [{"profile": {"name": "Test Person"}, "wa_id": wa_id}],
               "user_preferences": [pref]}),
    )
}

/// A template status update: impersonal, signed like any other payload.
pub fn template_status_update() -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
        "time": now_secs(), "changes": [{"field": "message_template_status_update", "value": {
            "event": "APPROVED", "message_template_id": 1234567890, "message_template_name": "spring_sale",
            "message_template_language": "en_US", "reason": "NONE"}}]}]})
}

pub fn bytes(payload: &Value) -> Vec<u8> {
    serde_json::to_vec(payload).unwrap()
}

/// The Meta error code of an error answer.
pub fn code(body: &Value) -> i64 {
    body["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not a Meta error: {body}"))
}

/// `error.error_data.details` of an error answer (Assent writes it as `field: problem`).
pub fn details(body: &Value) -> &str {
    body["error"]["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("no error details: {body}"))
}

/// Asserts Meta's error shape, the HTTP status, the error code and, when given, that
/// `error.error_data.details` names `field` (Assent writes it as `field: problem`).
pub fn assert_meta_error(
    label: &str,
    status: StatusCode,
    body: &Value,
    want_status: u16,
    want_code: i64,
    field: Option<&str>,
) {
    assert_eq!(status.as_u16(), want_status, "{label}: status; body {body}");
    let error = &body["error"];
    assert!(error.is_object(), "{label}: not a Meta error: {body}");
    assert_eq!(error["code"].as_i64(), Some(want_code), "{label}: {body}");
    let message = error["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(&format!("(#{want_code}) ")),
        "{label}: message {message:?}"
    );
    assert!(
        error["type"].as_str().is_some_and(|t| !t.is_empty()),
        "{label}: type: {body}"
    );
    assert!(
        error["fbtrace_id"].as_str().is_some_and(|t| !t.is_empty()),
        "{label}: fbtrace_id: {body}"
    );
    let details = error["error_data"]["details"]
        .as_str()
        .unwrap_or_else(|| panic!("{label}: no error_data.details: {body}"));
    if let Some(field) = field {
        assert!(
            details.starts_with(&format!("{field}: ")),
            "{label}: details should name {field:?}: {details:?}"
        );
    }
}
