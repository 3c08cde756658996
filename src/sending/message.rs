//! Parses a Meta-format send request into an `OutboundMessage`, enforcing the limits
//! WhatsApp documents, so a message that Meta would reject never reaches the queue.

use crate::domain::{Language, PhoneNumber, Recipient, TemplateName, UserId};
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

type Check<T> = Result<T, FieldError>;

fn invalid(field: &str, problem: impl Into<String>) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem: problem.into(),
        missing: false,
    }
}

fn missing(field: &str) -> FieldError {
    FieldError {
        field: field.to_owned(),
        problem: "is required".to_owned(),
        missing: true,
    }
}

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

fn string<'a>(v: &'a Value, field: &str) -> Check<&'a str> {
    match v.get(leaf(field)) {
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(invalid(field, "must be a string")),
        None => Err(missing(field)),
    }
}

fn optional_string<'a>(v: &'a Value, field: &str) -> Check<Option<&'a str>> {
    match v.get(leaf(field)) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(field, "must be a string")),
    }
}

fn leaf(field: &str) -> &str {
    field.rsplit('.').next().unwrap_or(field)
}

fn length(s: &str, field: &str, min: usize, max: usize) -> Check<()> {
    let n = s.chars().count();
    if n < min {
        Err(invalid(
            field,
            if min == 1 {
                "must not be empty".to_owned()
            } else {
                format!("must have at least {min} characters")
            },
        ))
    } else if n > max {
        Err(invalid(
            field,
            format!("must be at most {max} characters (got {n})"),
        ))
    } else {
        Ok(())
    }
}

fn array<'a>(v: &'a Value, field: &str, min: usize, max: usize) -> Check<&'a Vec<Value>> {
    match v.get(leaf(field)) {
        Some(Value::Array(a)) if a.len() < min => {
            Err(invalid(field, format!("must have at least {min} item(s)")))
        }
        Some(Value::Array(a)) if a.len() > max => Err(invalid(
            field,
            format!("must have at most {max} items (got {})", a.len()),
        )),
        Some(Value::Array(a)) => Ok(a),
        Some(_) => Err(invalid(field, "must be an array")),
        None => Err(missing(field)),
    }
}

fn object<'a>(v: &'a Value, field: &str) -> Check<&'a Value> {
    match v.get(leaf(field)) {
        Some(o @ Value::Object(_)) => Ok(o),
        Some(_) => Err(invalid(field, "must be an object")),
        None => Err(missing(field)),
    }
}

fn is_web_url(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
}

fn text(t: &Value) -> Check<()> {
    if !t.is_object() {
        return Err(invalid("text", "must be an object with a body"));
    }
    let body = string(t, "text.body")?;
    length(body, "text.body", 1, 4096)?;
    match t.get("preview_url") {
        None | Some(Value::Bool(false)) => Ok(()),
        Some(Value::Bool(true)) => {
            if body
                .split_whitespace()
                .any(|w| is_web_url(w.trim_end_matches(['.', ',', ')', '!', '?'])))
            {
                Ok(())
            } else {
                Err(invalid(
                    "text.preview_url",
                    "is true but text.body contains no http:// or https:// URL",
                ))
            }
        }
        Some(_) => Err(invalid("text.preview_url", "must be true or false")),
    }
}

fn template(t: &Value) -> Check<Content> {
    if !t.is_object() {
        return Err(invalid("template", "must be an object"));
    }
    let name = TemplateName::parse(string(t, "template.name")?)
        .map_err(|e| invalid("template.name", e))?;
    let language = object(t, "template.language")?;
    let code = string(language, "template.language.code")?;
    Language::parse(code).map_err(|e| invalid("template.language.code", e))?;
    if t.get("components").is_some() {
        for (i, c) in array(t, "template.components", 0, 20)?.iter().enumerate() {
            let field = format!("template.components[{i}]");
            let kind = string(c, &format!("{field}.type"))?;
            if ![
                "header",
                "body",
                "button",
                "footer",
                "carousel",
                "limited_time_offer",
            ]
            .contains(&kind)
            {
                return Err(invalid(
                    &format!("{field}.type"),
                    format!("{kind:?} is not a template component type"),
                ));
            }
            if kind == "button" {
                let index = match c.get("index") {
                    Some(Value::String(s)) => s.parse::<u64>().ok(),
                    Some(Value::Number(n)) => n.as_u64(),
                    _ => None,
                };
                if index.is_none_or(|i| i >= 10) {
                    return Err(invalid(
                        &format!("{field}.index"),
                        "must be a button position from 0 to 9",
                    ));
                }
            }
            if c.get("parameters").is_some() {
                for (j, p) in array(c, &format!("{field}.parameters"), 0, 100)?
                    .iter()
                    .enumerate()
                {
                    let pfield = format!("{field}.parameters[{j}]");
                    string(p, &format!("{pfield}.type"))?;
                    // Meta's own examples pass booleans as quick-reply button texts;
                    // only string texts have a length to check.
                    if let Some(Value::String(text)) = p.get("text") {
                        let max = if kind == "header" { 60 } else { 1024 };
                        length(text, &format!("{pfield}.text"), 1, max)?;
                    }
                }
            }
        }
    }
    Ok(Content::Template {
        name,
        language: code.to_owned(),
    })
}

fn interactive(i: &Value) -> Check<()> {
    if !i.is_object() {
        return Err(invalid("interactive", "must be an object"));
    }
    let kind = string(i, "interactive.type")?;
    if let Some(header) = i.get("header")
        && let Some(text) = optional_string(header, "interactive.header.text")?
    {
        length(text, "interactive.header.text", 1, 60)?;
    }
    if let Some(footer) = i.get("footer") {
        length(
            string(footer, "interactive.footer.text")?,
            "interactive.footer.text",
            1,
            60,
        )?;
    }
    let needs_body = !["product", "location_request_message"].contains(&kind);
    if needs_body || i.get("body").is_some() {
        let body = object(i, "interactive.body")?;
        length(
            string(body, "interactive.body.text")?,
            "interactive.body.text",
            1,
            1024,
        )?;
    }
    let action = object(i, "interactive.action")?;
    match kind {
        "button" => {
            let buttons = array(action, "interactive.action.buttons", 1, 3)?;
            let mut seen = Vec::new();
            for (n, b) in buttons.iter().enumerate() {
                let field = format!("interactive.action.buttons[{n}]");
                if string(b, &format!("{field}.type"))? != "reply" {
                    return Err(invalid(&format!("{field}.type"), "must be \"reply\""));
                }
                let reply = object(b, &format!("{field}.reply"))?;
                let id = string(reply, &format!("{field}.reply.id"))?;
                length(id, &format!("{field}.reply.id"), 1, 256)?;
                let title = string(reply, &format!("{field}.reply.title"))?;
                length(title, &format!("{field}.reply.title"), 1, 20)?;
                if seen.iter().any(|(i, t)| i == &id || t == &title) {
                    return Err(invalid(
                        &format!("{field}.reply"),
                        "button ids and titles must be unique",
                    ));
                }
                seen.push((id, title));
            }
        }
        "list" => {
            length(
                string(action, "interactive.action.button")?,
                "interactive.action.button",
                1,
                20,
            )?;
            let sections = array(action, "interactive.action.sections", 1, 10)?;
            let mut rows_total = 0;
            for (s, section) in sections.iter().enumerate() {
                let field = format!("interactive.action.sections[{s}]");
                match optional_string(section, &format!("{field}.title"))? {
                    Some(t) => length(t, &format!("{field}.title"), 1, 24)?,
                    None if sections.len() > 1 => return Err(missing(&format!("{field}.title"))),
                    None => {}
                }
                let rows = array(section, &format!("{field}.rows"), 1, 10)?;
                for (r, row) in rows.iter().enumerate() {
                    let rfield = format!("{field}.rows[{r}]");
                    length(
                        string(row, &format!("{rfield}.id"))?,
                        &format!("{rfield}.id"),
                        1,
                        200,
                    )?;
                    length(
                        string(row, &format!("{rfield}.title"))?,
                        &format!("{rfield}.title"),
                        1,
                        24,
                    )?;
                    if let Some(d) = optional_string(row, &format!("{rfield}.description"))? {
                        length(d, &format!("{rfield}.description"), 0, 72)?;
                    }
                }
                rows_total += rows.len();
            }
            if rows_total > 10 {
                return Err(invalid(
                    "interactive.action.sections",
                    format!("may hold at most 10 rows in all (got {rows_total})"),
                ));
            }
        }
        // Types whose action Meta checks itself; their body and header limits apply here.
        "cta_url"
        | "product"
        | "product_list"
        | "flow"
        | "location_request_message"
        | "address_message"
        | "catalog_message"
        | "order_details"
        | "order_status"
        | "call_permission_request" => {}
        other => {
            return Err(invalid(
                "interactive.type",
                format!("{other:?} is not an interactive message type"),
            ));
        }
    }
    Ok(())
}

fn media(kind: &str, m: &Value) -> Check<()> {
    if !m.is_object() {
        return Err(invalid(kind, "must be an object with a link or an id"));
    }
    let link = optional_string(m, &format!("{kind}.link"))?;
    let id = optional_string(m, &format!("{kind}.id"))?;
    match (link, id) {
        (Some(_), Some(_)) => return Err(invalid(kind, "give either link or id, not both")),
        (None, None) => {
            return Err(FieldError {
                field: format!("{kind}.link"),
                problem: "or id is required".into(),
                missing: true,
            });
        }
        (Some(link), None) if !is_web_url(link) => {
            return Err(invalid(
                &format!("{kind}.link"),
                "must be an http:// or https:// URL",
            ));
        }
        (None, Some(id)) if id.trim().is_empty() => {
            return Err(invalid(&format!("{kind}.id"), "must not be empty"));
        }
        _ => {}
    }
    if let Some(caption) = optional_string(m, &format!("{kind}.caption"))? {
        if kind == "audio" || kind == "sticker" {
            return Err(invalid(
                &format!("{kind}.caption"),
                format!("{kind} messages cannot have a caption"),
            ));
        }
        length(caption, &format!("{kind}.caption"), 0, 1024)?;
    }
    if let Some(filename) = optional_string(m, &format!("{kind}.filename"))? {
        length(filename, &format!("{kind}.filename"), 1, 240)?;
    }
    Ok(())
}

fn location(l: &Value) -> Check<()> {
    for (field, limit) in [("location.latitude", 90.0), ("location.longitude", 180.0)] {
        match l.get(leaf(field)).and_then(Value::as_f64) {
            Some(v) if v.abs() <= limit => {}
            Some(_) => {
                return Err(invalid(
                    field,
                    format!("must be between -{limit} and {limit}"),
                ));
            }
            None if l.get(leaf(field)).is_some() => return Err(invalid(field, "must be a number")),
            None => return Err(missing(field)),
        }
    }
    Ok(())
}

fn contacts(c: &Value) -> Check<()> {
    let Value::Array(cards) = c else {
        return Err(invalid("contacts", "must be an array of contact cards"));
    };
    if cards.is_empty() {
        return Err(invalid("contacts", "must have at least 1 contact card"));
    }
    for (i, card) in cards.iter().enumerate() {
        let name = object(card, &format!("contacts[{i}].name"))?;
        length(
            string(name, &format!("contacts[{i}].name.formatted_name"))?,
            &format!("contacts[{i}].name.formatted_name"),
            1,
            512,
        )?;
    }
    Ok(())
}

fn reaction(r: &Value) -> Check<()> {
    if string(r, "reaction.message_id")?.is_empty() {
        return Err(invalid("reaction.message_id", "must not be empty"));
    }
    if let Some(emoji) = optional_string(r, "reaction.emoji")? {
        length(emoji, "reaction.emoji", 0, 8)?;
    }
    Ok(())
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
