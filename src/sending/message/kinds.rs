//! The content of each message type, checked against WhatsApp's documented limits.

use super::fields::{
    array, invalid, is_web_url, leaf, length, missing, object, optional_string, string,
};
use super::{Check, Content, FieldError};
use crate::domain::{Language, TemplateName};
use serde_json::Value;

pub(super) fn text(t: &Value) -> Check<()> {
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

pub(super) fn template(t: &Value) -> Check<Content> {
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

pub(super) fn interactive(i: &Value) -> Check<()> {
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

pub(super) fn media(kind: &str, m: &Value) -> Check<()> {
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

pub(super) fn location(l: &Value) -> Check<()> {
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

pub(super) fn contacts(c: &Value) -> Check<()> {
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

pub(super) fn reaction(r: &Value) -> Check<()> {
    if string(r, "reaction.message_id")?.is_empty() {
        return Err(invalid("reaction.message_id", "must not be empty"));
    }
    if let Some(emoji) = optional_string(r, "reaction.emoji")? {
        length(emoji, "reaction.emoji", 0, 8)?;
    }
    Ok(())
}
