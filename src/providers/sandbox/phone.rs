//! The sandbox's phone simulator: a pretend person's WhatsApp. What they do
//! (write, tap a button, read what arrived) becomes the webhook Meta would send,
//! signed with the number's app secret and taken in by `inbound::intake` like any
//! POST from Meta; and their chat is shown as their phone would show it, from
//! what Assent holds: the messages sent to them and the payloads they sent.

use crate::categories;
use crate::contacts::{self, Contact};
use crate::db::{Db, now_ms};
use crate::domain::{CategoryKind, PhoneNumber, Recipient};
use crate::inbound::intake::{self, Intake};
use crate::inbound::{received, redaction, store};
use crate::numbers::BusinessNumber;
use crate::opt_in::CONFIRM_PAYLOAD;
use crate::sending::history;
use crate::services::Services;
use crate::signature;
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// The name a pretend person's WhatsApp profile shows the business.
pub const PROFILE_NAME: &str = "Sandbox person";

/// The text and payload of the button WhatsApp adds to marketing templates.
pub const STOP_PROMOTIONS: &str = "Stop promotions";

/// The longest message a person may type: WhatsApp's own limit for a text.
pub const MAX_TEXT: usize = 4096;

/// What a pretend person does on their phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act<'a> {
    /// Sends a text message.
    Write(&'a str),
    /// Taps a reply button of an interactive message (`context`: that message's id).
    Reply {
        id: &'a str,
        title: &'a str,
        context: &'a str,
    },
    /// Taps a quick-reply button of a template.
    QuickReply {
        payload: &'a str,
        text: &'a str,
        context: &'a str,
    },
}

/// The pretend person with this phone number, a contact of the number from now on.
pub async fn person(
    db: &Db,
    number: &BusinessNumber,
    phone: PhoneNumber,
) -> anyhow::Result<Contact> {
    let mut w = db.write().await?;
    let contact = contacts::get_or_create(&mut w, &number.id, &Recipient::Phone(phone)).await?;
    w.commit().await?;
    Ok(contact)
}

/// Sends what the person did to Assent, as Meta would.
pub async fn act(
    services: &Services,
    number: &BusinessNumber,
    wa_id: &str,
    act: Act<'_>,
) -> anyhow::Result<Intake> {
    let mut message = match act {
        Act::Write(text) => json!({"type": "text", "text": {"body": text}}),
        Act::Reply { id, title, .. } => json!({"type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": id, "title": title}}}),
        Act::QuickReply { payload, text, .. } => {
            json!({"type": "button", "button": {"payload": payload, "text": text}})
        }
    };
    if let Act::Reply { context, .. } | Act::QuickReply { context, .. } = act {
        message["context"] = json!({"from": number.display_digits(), "id": context});
    }
    message["from"] = json!(wa_id);
    message["id"] = json!(format!(
        "wamid.sandbox.in.{}",
        uuid::Uuid::new_v4().simple()
    ));
    message["timestamp"] = json!(seconds());
    let value = json!({
        "contacts": [{"profile": {"name": PROFILE_NAME}, "wa_id": wa_id}],
        "messages": [message],
    });
    deliver(services, number, value).await
}

/// The person opened the chat: Meta reports `read` for what was delivered.
pub async fn read(
    services: &Services,
    number: &BusinessNumber,
    wa_id: &str,
    provider_message_ids: &[String],
) -> anyhow::Result<Option<Intake>> {
    if provider_message_ids.is_empty() {
        return Ok(None);
    }
    let statuses: Vec<Value> = provider_message_ids
        .iter()
        .map(
            |id| json!({"id": id, "status": "read", "timestamp": seconds(), "recipient_id": wa_id}),
        )
        .collect();
    deliver(services, number, json!({ "statuses": statuses }))
        .await
        .map(Some)
}

/// Whether Assent takes the number's payloads: the sandbox's app secret is
/// published, so once the install has a real number it vouches for nothing.
pub fn open(numbers: &[BusinessNumber], number: &BusinessNumber) -> bool {
    intake::trusted(numbers, number)
}

async fn deliver(
    services: &Services,
    number: &BusinessNumber,
    mut value: Value,
) -> anyhow::Result<Intake> {
    let secret = number
        .app_secret
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("the sandbox number has no app secret to sign with"))?;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({
        "display_phone_number": number.display_digits(),
        "phone_number_id": number.phone_number_id,
    });
    let payload = json!({"object": "whatsapp_business_account", "entry": [{
        "id": number.phone_number_id, "changes": [{"field": "messages", "value": value}]}]});
    let bytes = serde_json::to_vec(&payload)?;
    intake::receive(services, &bytes, &signature::sign(secret, &bytes)).await
}

fn seconds() -> String {
    (now_ms() / 1000).to_string()
}

/// Who a message is from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Business,
    Person,
}

/// A button the person can tap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tap {
    /// `reply` (interactive) or `quick_reply` (template).
    pub kind: &'static str,
    /// The reply id or the quick reply's payload.
    pub id: String,
    pub label: String,
    /// The id of the message the button belongs to.
    pub context: String,
}

/// One message in the chat, as the phone shows it.
#[derive(Debug, Clone)]
pub struct Bubble {
    pub side: Side,
    pub at: i64,
    /// What kind of message, when it is not plain text (a template's name).
    pub heading: Option<String>,
    pub lines: Vec<String>,
    pub footer: Option<String>,
    pub buttons: Vec<Tap>,
    /// Links shown, not followed: (label, address).
    pub links: Vec<(String, String)>,
    /// Where Meta's status says the message is (business messages).
    pub status: Option<String>,
    pub error: Option<String>,
}

/// The person's chat with the business.
#[derive(Debug, Default)]
pub struct Chat {
    pub bubbles: Vec<Bubble>,
    /// A message to them is still on its way: the page looks again shortly.
    pub in_flight: bool,
    /// Delivered messages not yet read (their provider ids).
    pub unread: Vec<String>,
}

/// The chat as the person's phone shows it, oldest first. What they wrote comes
/// from the stored payloads (`redaction::entries_of`), so a decline or an
/// erasure takes it off the phone as it takes it out of Assent.
pub async fn chat(conn: &mut sqlx::AnyConnection, contact: &Contact) -> anyhow::Result<Chat> {
    let marketing: HashSet<String> = categories::all(conn)
        .await?
        .into_iter()
        .filter(|c| c.kind == CategoryKind::Marketing)
        .map(|c| c.name.to_string())
        .collect();
    let mut chat = Chat {
        in_flight: store::any_pending(conn).await?,
        ..Chat::default()
    };
    for sent in history::sent_to(conn, &contact.id).await? {
        if sent.status == "accepted" {
            chat.in_flight = true;
        }
        if sent.status == "delivered"
            && let Some(id) = &sent.provider_message_id
        {
            chat.unread.push(id.clone());
        }
        let payload: Value = serde_json::from_str(&sent.payload).unwrap_or(Value::Null);
        let promotions = sent
            .category
            .as_ref()
            .is_some_and(|c| marketing.contains(c));
        let context = sent.provider_message_id.clone().unwrap_or_default();
        let mut bubble = business_bubble(&payload, &context, promotions);
        bubble.at = sent.created_at;
        bubble.status = Some(sent.status.clone());
        bubble.error = sent.error_title.clone();
        chat.bubbles.push(bubble);
    }
    let words: HashMap<String, Value> = redaction::entries_of(
        conn,
        &contact.id,
        contact.wa_id.as_deref(),
        contact.user_id.as_deref(),
    )
    .await?
    .into_iter()
    .filter_map(|entry| {
        let message = entry.get("messages")?.clone();
        Some((message["id"].as_str()?.to_owned(), message))
    })
    .collect();
    for r in received::of_contact(conn, &contact.id).await? {
        chat.bubbles
            .push(person_bubble(words.get(&r.id), &r.kind, r.received_at));
    }
    chat.bubbles.sort_by_key(|b| b.at);
    Ok(chat)
}

fn text_of(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

fn bubble(side: Side, at: i64) -> Bubble {
    Bubble {
        side,
        at,
        heading: None,
        lines: Vec::new(),
        footer: None,
        buttons: Vec::new(),
        links: Vec::new(),
        status: None,
        error: None,
    }
}

/// A message Assent sent (Meta's message object), as a phone shows it.
fn business_bubble(m: &Value, context: &str, promotions: bool) -> Bubble {
    let mut b = bubble(Side::Business, 0);
    let tap = |kind, id: &str, label: &str| Tap {
        kind,
        id: id.to_owned(),
        label: label.to_owned(),
        context: context.to_owned(),
    };
    match m["type"].as_str().unwrap_or_default() {
        "text" => b.lines = lines(m["text"]["body"].as_str().unwrap_or_default()),
        "interactive" => {
            let i = &m["interactive"];
            b.heading = text_of(&i["header"]["text"]);
            b.lines = lines(i["body"]["text"].as_str().unwrap_or_default());
            b.footer = text_of(&i["footer"]["text"]);
            for button in i["action"]["buttons"].as_array().into_iter().flatten() {
                let reply = &button["reply"];
                if let (Some(id), Some(title)) = (reply["id"].as_str(), reply["title"].as_str()) {
                    b.buttons.push(tap("reply", id, title));
                }
            }
            if let (Some(label), Some(url)) = (
                text_of(&i["action"]["parameters"]["display_text"]),
                text_of(&i["action"]["parameters"]["url"]),
            ) {
                b.links.push((label, url));
            }
        }
        "template" => {
            let t = &m["template"];
            b.heading = Some(format!(
                "{} ({})",
                t["name"].as_str().unwrap_or_default(),
                t["language"]["code"].as_str().unwrap_or_default()
            ));
            for component in t["components"].as_array().into_iter().flatten() {
                let parameters = component["parameters"].as_array().into_iter().flatten();
                match (component["type"].as_str(), component["sub_type"].as_str()) {
                    (Some("button"), Some("quick_reply")) => {
                        for p in parameters {
                            if let Some(payload) = p["payload"].as_str() {
                                // The button's words are in the template at Meta;
                                // Assent's own button is the confirmation.
                                let label = if payload == CONFIRM_PAYLOAD {
                                    "Confirm"
                                } else {
                                    payload
                                };
                                b.buttons.push(tap("quick_reply", payload, label));
                            }
                        }
                    }
                    (Some("button"), Some("url")) => {
                        for p in parameters {
                            if let Some(text) = text_of(&p["text"]) {
                                b.links.push((text.clone(), text));
                            }
                        }
                    }
                    _ => b
                        .lines
                        .extend(parameters.filter_map(|p| text_of(&p["text"]))),
                }
            }
            if promotions {
                b.buttons
                    .push(tap("quick_reply", STOP_PROMOTIONS, STOP_PROMOTIONS));
            }
        }
        "contacts" => {
            for card in m["contacts"].as_array().into_iter().flatten() {
                b.heading = text_of(&card["name"]["formatted_name"]);
                for phone in card["phones"].as_array().into_iter().flatten() {
                    b.lines.extend(text_of(&phone["phone"]));
                }
                for url in card["urls"].as_array().into_iter().flatten() {
                    if let Some(u) = text_of(&url["url"]) {
                        b.links.push((u.clone(), u));
                    }
                }
            }
        }
        other => b.heading = Some(format!("[{other}]")),
    }
    b
}

/// A message the person sent, with their words when the payload still holds them.
fn person_bubble(m: Option<&Value>, kind: &str, at: i64) -> Bubble {
    let mut b = bubble(Side::Person, at);
    let Some(m) = m else {
        b.heading = Some(format!("[{kind}]"));
        return b;
    };
    let said = match kind {
        "text" => text_of(&m["text"]["body"]),
        "interactive" => text_of(&m["interactive"]["button_reply"]["title"]),
        "button" => text_of(&m["button"]["text"]),
        _ => None,
    };
    match said {
        Some(text) => b.lines = lines(&text),
        None => b.heading = Some(format!("[{kind}]")),
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interactive_buttons_become_taps_on_that_message() {
        let m = json!({"type": "interactive", "interactive": {"type": "button",
            "body": {"text": "Our terms\nAccept?"},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": "assent_accept", "title": "Accept"}},
                {"type": "reply", "reply": {"id": "assent_decline", "title": "Decline"}}]}}});
        let b = business_bubble(&m, "wamid.1", false);
        assert_eq!(b.lines, ["Our terms", "Accept?"]);
        assert_eq!(
            b.buttons
                .iter()
                .map(|t| (t.kind, t.id.as_str(), t.label.as_str(), t.context.as_str()))
                .collect::<Vec<_>>(),
            [
                ("reply", "assent_accept", "Accept", "wamid.1"),
                ("reply", "assent_decline", "Decline", "wamid.1")
            ]
        );
    }

    #[test]
    fn templates_show_their_parameters_and_quick_replies() {
        let m = json!({"type": "template", "template": {"name": "welcome", "language": {"code": "es"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "Ana"}]},
                {"type": "button", "sub_type": "quick_reply", "index": "0",
                 "parameters": [{"type": "payload", "payload": CONFIRM_PAYLOAD}]}]}});
        let b = business_bubble(&m, "wamid.2", true);
        assert_eq!(b.heading.as_deref(), Some("welcome (es)"));
        assert_eq!(b.lines, ["Ana"]);
        let taps: Vec<(&str, &str)> = b
            .buttons
            .iter()
            .map(|t| (t.id.as_str(), t.label.as_str()))
            .collect();
        assert_eq!(
            taps,
            [
                (CONFIRM_PAYLOAD, "Confirm"),
                (STOP_PROMOTIONS, STOP_PROMOTIONS)
            ]
        );
    }

    #[test]
    fn contact_cards_show_the_name_and_numbers() {
        let m = json!({"type": "contacts", "contacts": [{"name": {"formatted_name": "Acme"},
            "phones": [{"phone": "+1 202 555 0100", "type": "WORK"}]}]});
        let b = business_bubble(&m, "", false);
        assert_eq!(b.heading.as_deref(), Some("Acme"));
        assert_eq!(b.lines, ["+1 202 555 0100"]);
    }

    #[test]
    fn what_the_person_sent_reads_as_they_typed_or_tapped_it() {
        let text = json!({"type": "text", "text": {"body": "Hi there"}});
        assert_eq!(person_bubble(Some(&text), "text", 1).lines, ["Hi there"]);
        let tap = json!({"type": "interactive", "interactive": {"type": "button_reply",
            "button_reply": {"id": "x", "title": "Accept"}}});
        assert_eq!(
            person_bubble(Some(&tap), "interactive", 1).lines,
            ["Accept"]
        );
        // Gone from the stored payloads: the phone no longer shows the words.
        assert_eq!(
            person_bubble(None, "text", 1).heading.as_deref(),
            Some("[text]")
        );
    }
}
