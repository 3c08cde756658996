//! What the scenarios post: consent records, Meta-format sends, and Meta's webhooks
//! (statuses and inbound messages) signed as Meta signs them: `X-Hub-Signature-256:
//! sha256=<hex HMAC-SHA256 of the raw body with the app secret>`.

use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The template every send uses, mapped to a utility category.
pub const TEMPLATE: &str = "order_shipped";
pub const CATEGORY: &str = "order_updates";

/// A consent record as a CRM posts it, with its evidence: about 330 bytes, the
/// body of the consent-write scenario and of the ceiling's INSERT alike.
pub fn consent_grant(phone: &str) -> String {
    consent(phone, "grant")
}

pub fn consent(phone: &str, action: &str) -> String {
    json!({"phone": phone, "category": CATEGORY, "action": action,
        "evidence": {"notice_version": "2026-01",
            "notice_text": "Yes, Acme may send me order updates on WhatsApp.",
            "ip": "203.0.113.7",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "source_ref": "crm:checkout"}})
    .to_string()
}

/// A template send, exactly as to Meta's Cloud API.
pub fn template_send(to: &str) -> String {
    json!({"messaging_product": "whatsapp", "to": to, "type": "template",
        "template": {"name": TEMPLATE, "language": {"code": "en"}}})
    .to_string()
}

fn envelope(phone_number_id: &str, display: &str, value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": display.trim_start_matches('+'),
        "phone_number_id": phone_number_id});
    json!({"object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": value}]}]})
}

/// One status of a message Assent sent (Meta's id, the recipient's wa_id).
pub fn status(provider_id: &str, recipient: &str, status: &str, ts: i64) -> Value {
    json!({"id": provider_id, "status": status, "timestamp": ts.to_string(),
        "recipient_id": recipient.trim_start_matches('+'),
        "conversation": {"id": "b1f2a3c4d5e6f7a8b9c0d1e2f3a4b5c6", "origin": {"type": "utility"}},
        "pricing": {"billable": true, "pricing_model": "PMP", "category": "utility", "type": "regular"}})
}

/// A webhook carrying these statuses for one number.
pub fn statuses_payload(phone_number_id: &str, display: &str, statuses: Vec<Value>) -> String {
    envelope(phone_number_id, display, json!({"statuses": statuses})).to_string()
}

/// A text message from a person (wa_id without `+`) to the number.
pub fn inbound_text(from: &str, id: &str, text: &str, ts: i64) -> (Value, Value) {
    (
        json!({"profile": {"name": "Bench Person"}, "wa_id": from}),
        json!({"from": from, "id": id, "timestamp": ts.to_string(), "type": "text", "text": {"body": text}}),
    )
}

/// A webhook carrying these inbound messages (and their senders' profiles).
pub fn messages_payload(
    phone_number_id: &str,
    display: &str,
    messages: Vec<(Value, Value)>,
) -> String {
    let (contacts, messages): (Vec<Value>, Vec<Value>) = messages.into_iter().unzip();
    envelope(
        phone_number_id,
        display,
        json!({"contacts": contacts, "messages": messages}),
    )
    .to_string()
}

/// The `X-Hub-Signature-256` value of a body.
pub fn signature(app_secret: &str, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_consent_record_is_about_300_bytes() {
        let n = super::consent_grant("+34610000001").len();
        assert!((280..=360).contains(&n), "{n} bytes");
    }

    #[test]
    fn signs_as_meta_does() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), RFC 4231 style vector.
        assert_eq!(
            super::signature("key", "The quick brown fox jumps over the lazy dog"),
            "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
        );
    }
}
