//! Parses a Meta-format send request into an `OutboundMessage`, enforcing the limits
//! WhatsApp documents, so a message that Meta would reject never reaches the queue.
//! The envelope (recipient, type, context) is read here; `kinds` checks the
//! content of each type with the readers in `fields`.

mod fields;
mod kinds;

use fields::{invalid, missing};
use kinds::{contacts, interactive, location, media, reaction, template, text};

use crate::domain::{PhoneNumber, Recipient, TemplateName, UserId};
use serde_json::{Map, Value};

/// A send that passed validation. `payload` is what goes to the provider: the
/// caller's body with the recipient normalised.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    pub recipient: Recipient,
    /// The recipient exactly as the caller wrote it (Meta echoes it as `input`).
    pub input: String,
    pub content: Content,
    pub payload: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Template {
        name: TemplateName,
        language: String,
    },
    FreeForm {
        kind: String,
    },
}

impl Content {
    pub fn kind(&self) -> &str {
        match self {
            Content::Template { .. } => "template",
            Content::FreeForm { kind } => kind,
        }
    }
}

/// A field that breaks a rule, named by its path in the request (`text.body`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: String,
    pub missing: bool,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.field, self.problem)
    }
}

pub(super) type Check<T> = Result<T, FieldError>;

const MEDIA_KINDS: [&str; 5] = ["image", "video", "audio", "document", "sticker"];
const KINDS: [&str; 11] = [
    "text",
    "template",
    "interactive",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "reaction",
];

pub fn parse(body: Value) -> Check<OutboundMessage> {
    let Value::Object(mut obj) = body else {
        return Err(invalid("(body)", "must be a JSON object"));
    };
    fields::no_nul(&obj, "")?;
    match obj.get("messaging_product") {
        Some(Value::String(p)) if p == "whatsapp" => {}
        Some(_) => return Err(invalid("messaging_product", "must be \"whatsapp\"")),
        None => return Err(missing("messaging_product")),
    }
    if let Some(t) = obj.get("recipient_type")
        && t != "individual"
    {
        return Err(invalid(
            "recipient_type",
            "must be \"individual\" (group messages are not supported)",
        ));
    }
    let (recipient, input) = recipient(&mut obj)?;
    let kind = match obj.get("type") {
        // Meta's own examples sometimes leave `type` out; the content object says it.
        None => KINDS
            .iter()
            .find(|k| obj.contains_key(**k))
            .map_or("text", |k| *k)
            .to_owned(),
        Some(Value::String(t)) => t.clone(),
        Some(_) => return Err(invalid("type", "must be a string")),
    };
    if let Some(data) = obj.get("biz_opaque_callback_data") {
        match data {
            Value::String(s) => fields::length(s, "biz_opaque_callback_data", 0, 512)?,
            _ => return Err(invalid("biz_opaque_callback_data", "must be a string")),
        }
    }
    if let Some(ctx) = obj.get("context") {
        let id = ctx.get("message_id").and_then(Value::as_str).unwrap_or("");
        if id.is_empty() {
            return Err(invalid(
                "context.message_id",
                "must be the id of the message being replied to",
            ));
        }
    }
    let part = |name: &str| obj.get(name).ok_or_else(|| missing(name));
    let content = match kind.as_str() {
        "text" => {
            text(part("text")?)?;
            Content::FreeForm { kind }
        }
        "template" => template(part("template")?)?,
        "interactive" => {
            interactive(part("interactive")?)?;
            Content::FreeForm { kind }
        }
        "location" => {
            location(part("location")?)?;
            Content::FreeForm { kind }
        }
        "contacts" => {
            contacts(part("contacts")?)?;
            Content::FreeForm { kind }
        }
        "reaction" => {
            reaction(part("reaction")?)?;
            Content::FreeForm { kind }
        }
        k if MEDIA_KINDS.contains(&k) => {
            media(k, part(k)?)?;
            Content::FreeForm { kind }
        }
        other => {
            return Err(invalid(
                "type",
                format!(
                    "{other:?} is not supported; use text, template, interactive, image, video, audio, document, sticker, location, contacts or reaction"
                ),
            ));
        }
    };
    obj.insert("type".into(), Value::String(content.kind().to_owned()));
    Ok(OutboundMessage {
        recipient,
        input,
        content,
        payload: Value::Object(obj),
    })
}

fn recipient(obj: &mut Map<String, Value>) -> Check<(Recipient, String)> {
    match (obj.get("to"), obj.get("recipient")) {
        (Some(_), Some(_)) => Err(invalid("to", "give either to or recipient, not both")),
        (Some(Value::String(to)), None) => {
            let phone = PhoneNumber::parse(to).map_err(|e| invalid("to", e.to_string()))?;
            let input = to.clone();
            obj.insert("to".into(), Value::String(phone.as_e164().to_owned()));
            Ok((Recipient::Phone(phone), input))
        }
        (None, Some(Value::String(user))) => {
            let user = UserId::parse(user).map_err(|e| invalid("recipient", e))?;
            Ok((Recipient::User(user.clone()), user.as_str().to_owned()))
        }
        (Some(_), None) => Err(invalid("to", "must be a string such as \"+34612345678\"")),
        (None, Some(_)) => Err(invalid("recipient", "must be a string")),
        (None, None) => Err(missing("to")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(body: Value) -> FieldError {
        parse(body).expect_err("should be rejected")
    }

    #[test]
    fn text_is_normalised_and_limited() {
        let m = parse(json!({"messaging_product":"whatsapp","to":"34 612 345 678","type":"text","text":{"body":"hi"}})).unwrap();
        assert_eq!(m.payload["to"], "+34612345678");
        assert_eq!(m.input, "34 612 345 678");
        let long = "x".repeat(4097);
        let e = err(
            json!({"messaging_product":"whatsapp","to":"+34612345678","type":"text","text":{"body":long}}),
        );
        assert_eq!(e.field, "text.body");
        let ok = "é".repeat(4096);
        assert!(
            parse(json!({"messaging_product":"whatsapp","to":"+34612345678","text":{"body":ok}}))
                .is_ok()
        );
    }

    #[test]
    fn preview_url_needs_a_url() {
        let e = err(
            json!({"messaging_product":"whatsapp","to":"+34612345678","type":"text","text":{"body":"no link","preview_url":true}}),
        );
        assert_eq!(e.field, "text.preview_url");
        assert!(parse(json!({"messaging_product":"whatsapp","to":"+34612345678","type":"text","text":{"body":"see https://example.com.","preview_url":true}})).is_ok());
    }

    #[test]
    fn buttons_and_lists() {
        let button = |title: &str, n: usize| {
            let buttons: Vec<Value> = (0..n).map(|i| json!({"type":"reply","reply":{"id":format!("b{i}"),"title":format!("{title}{i}")}})).collect();
            json!({"messaging_product":"whatsapp","to":"+34612345678","type":"interactive",
                   "interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":buttons}}})
        };
        assert!(parse(button("ok", 3)).is_ok());
        assert_eq!(err(button("ok", 4)).field, "interactive.action.buttons");
        assert_eq!(
            err(button(&"t".repeat(20), 1)).field,
            "interactive.action.buttons[0].reply.title"
        );
        let rows: Vec<Value> = (0..11)
            .map(|i| json!({"id":format!("r{i}"),"title":"row"}))
            .collect();
        let list = json!({"messaging_product":"whatsapp","to":"+34612345678","type":"interactive",
            "interactive":{"type":"list","body":{"text":"Pick"},"action":{"button":"Choose","sections":[{"title":"A","rows":rows}]}}});
        assert_eq!(err(list).field, "interactive.action.sections[0].rows");
    }

    #[test]
    fn templates_and_media() {
        let t = parse(
            json!({"messaging_product":"whatsapp","to":"+34612345678","type":"template",
            "template":{"name":"order_shipped","language":{"code":"en_US"}}}),
        )
        .unwrap();
        assert_eq!(
            t.content,
            Content::Template {
                name: TemplateName::parse("order_shipped").unwrap(),
                language: "en_US".into()
            }
        );
        assert_eq!(
            err(
                json!({"messaging_product":"whatsapp","to":"+34612345678","type":"template",
            "template":{"name":"Bad Name","language":{"code":"en"}}})
            )
            .field,
            "template.name"
        );
        assert_eq!(err(json!({"messaging_product":"whatsapp","to":"+34612345678","type":"image","image":{}})).field, "image.link");
        assert_eq!(err(json!({"messaging_product":"whatsapp","to":"+34612345678","type":"image","image":{"link":"ftp://x"}})).field, "image.link");
        assert!(parse(json!({"messaging_product":"whatsapp","to":"+34612345678","type":"image","image":{"id":"123"}})).is_ok());
    }

    #[test]
    fn nul_and_long_callback_data_are_refused() {
        let e = err(
            json!({"messaging_product":"whatsapp","to":"+34612345678","text":{"body":"a\u{0}b"}}),
        );
        assert_eq!(
            (e.field.as_str(), e.problem.as_str()),
            ("text.body", "must not contain NUL characters")
        );
        let e = err(
            json!({"messaging_product":"whatsapp","to":"+34612345678","type":"template",
            "template":{"name":"t","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","text":"x\u{0}"}]}]}}),
        );
        assert_eq!(e.field, "template.components[0].parameters[0].text");
        let long = "x".repeat(513);
        let e = err(
            json!({"messaging_product":"whatsapp","to":"+34612345678","text":{"body":"hi"},"biz_opaque_callback_data":long}),
        );
        assert_eq!(e.field, "biz_opaque_callback_data");
        assert!(parse(json!({"messaging_product":"whatsapp","to":"+34612345678","text":{"body":"hi"},"biz_opaque_callback_data":"x".repeat(512)})).is_ok());
    }

    #[test]
    fn envelope_errors_name_the_field() {
        assert!(err(json!({"to":"+34612345678","text":{"body":"x"}})).missing);
        assert_eq!(
            err(json!({"messaging_product":"whatsapp","to":"+34612345678","type":"fax"})).field,
            "type"
        );
        assert_eq!(
            err(json!({"messaging_product":"whatsapp","to":12,"text":{"body":"x"}})).field,
            "to"
        );
        assert_eq!(
            err(json!({"messaging_product":"whatsapp","to":"0612345678","text":{"body":"x"}}))
                .field,
            "to"
        );
        assert_eq!(err(json!([1, 2])).field, "(body)");
        let u = parse(json!({"messaging_product":"whatsapp","recipient":"US.13491208655302741918","text":{"body":"x"}})).unwrap();
        assert!(matches!(u.recipient, Recipient::User(_)));
    }
}
