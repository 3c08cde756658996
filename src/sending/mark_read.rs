//! Meta's mark-as-read request (`{"messaging_product":"whatsapp","status":"read",
//! "message_id":…}`, optionally with `"typing_indicator":{"type":"text"}`). It is
//! not a message to the person, so it is neither gated nor queued: it goes
//! straight to the provider, for a message the number received, and is answered
//! as Meta answers it (`{"success":true}`).

use super::core::SendError;
use super::message::FieldError;
use crate::inbound::received;
use crate::numbers::BusinessNumber;
use crate::services::Services;
use serde_json::Value;

/// Whether a body to the send endpoint is a read receipt rather than a message.
pub fn is_read_receipt(body: &Value) -> bool {
    body.get("status").is_some() && body.get("to").is_none() && body.get("recipient").is_none()
}

fn invalid(field: &str, problem: &str) -> SendError {
    SendError::Invalid(FieldError {
        field: field.to_owned(),
        problem: problem.to_owned(),
        missing: false,
    })
}

fn message_id(body: &Value) -> Result<&str, SendError> {
    let Some(obj) = body.as_object() else {
        return Err(invalid("(body)", "must be a JSON object"));
    };
    for key in obj.keys() {
        if ![
            "messaging_product",
            "status",
            "message_id",
            "typing_indicator",
        ]
        .contains(&key.as_str())
        {
            return Err(invalid(key, "is not a field of a read receipt"));
        }
    }
    if obj.get("messaging_product").and_then(Value::as_str) != Some("whatsapp") {
        return Err(invalid("messaging_product", "must be \"whatsapp\""));
    }
    if obj.get("status").and_then(Value::as_str) != Some("read") {
        return Err(invalid("status", "must be \"read\""));
    }
    if let Some(t) = obj.get("typing_indicator")
        && t != &serde_json::json!({"type": "text"})
    {
        return Err(invalid("typing_indicator", "must be {\"type\": \"text\"}"));
    }
    match obj.get("message_id") {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= 256 => Ok(id),
        Some(_) => Err(invalid(
            "message_id",
            "must be the id of a message the number received",
        )),
        None => Err(SendError::Invalid(FieldError {
            field: "message_id".into(),
            problem: "is required".into(),
            missing: true,
        })),
    }
}

pub async fn mark_read(
    s: &Services,
    number: &BusinessNumber,
    body: &Value,
) -> Result<(), SendError> {
    let id = message_id(body)?;
    let mut conn = s.db.pool.acquire().await?;
    if !received::was_received(&mut conn, &number.id, id).await? {
        return Err(invalid(
            "message_id",
            "is not a message this number received",
        ));
    }
    drop(conn);
    s.providers
        .mark_read(number, id, body)
        .await
        .map_err(SendError::Provider)?;
    let mut w = s.db.write().await?;
    received::mark_read(&mut w, &number.id, id).await?;
    w.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn field(body: Value) -> String {
        match message_id(&body) {
            Err(SendError::Invalid(f)) => f.field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn read_receipts_are_told_from_messages_and_checked() {
        let read =
            json!({"messaging_product": "whatsapp", "status": "read", "message_id": "wamid.1"});
        assert!(is_read_receipt(&read));
        assert!(!is_read_receipt(
            &json!({"messaging_product": "whatsapp", "to": "+1", "type": "text"})
        ));
        assert_eq!(message_id(&read).unwrap(), "wamid.1");
        let mut typing = read.clone();
        typing["typing_indicator"] = json!({"type": "text"});
        assert!(message_id(&typing).is_ok());
        typing["typing_indicator"] = json!({"type": "audio"});
        assert_eq!(field(typing), "typing_indicator");
        assert_eq!(
            field(
                json!({"messaging_product": "whatsapp", "status": "delivered", "message_id": "x"})
            ),
            "status"
        );
        assert_eq!(
            field(json!({"messaging_product": "whatsapp", "status": "read"})),
            "message_id"
        );
        assert_eq!(
            field(
                json!({"messaging_product": "whatsapp", "status": "read", "message_id": "x", "text": {}})
            ),
            "text"
        );
    }
}
