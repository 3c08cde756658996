//! The bot's replies: planned during the conversation's transaction, kept with
//! the message that asked for them, and sent after it commits, through the
//! sending core under idempotency keys.

use super::Conversation;
use crate::domain::Actor;
use crate::inbound::process::WebhookChange;
use crate::inbound::{received, texts};
use crate::sending::{self, SendError, SendRequest};
use crate::{opt_in, preferences};
use serde_json::{Value, json};

impl Conversation<'_, '_> {
    pub(super) fn reply(&mut self, mut body: Value) {
        let Some((field, value)) = self.contact.recipient_field() else {
            return;
        };
        body["messaging_product"] = json!("whatsapp");
        body[field] = json!(value);
        // They just wrote to us: no contact check is needed.
        body["verify_contact"] = json!(false);
        self.replies.push(body);
    }

    pub(super) fn reply_text(&mut self, text: String) {
        self.reply(json!({"type": "text", "text": {"body": text}}));
    }

    /// The business's contact card, when the number sends one after an opt-in.
    pub(super) fn contact_card(&mut self) {
        if let Some(card) = opt_in::contact_card(self.change.number) {
            self.reply(card);
        }
    }

    /// A fresh link to the person's preference center.
    pub(super) fn choices_link(&self) -> String {
        preferences::link(self.change.s, &self.contact.id)
    }

    /// The replies to keep with the message, if any.
    pub(super) fn owed(&self) -> Option<String> {
        (!self.replies.is_empty()).then(|| Value::Array(self.replies.clone()).to_string())
    }
}

/// Sends the replies planned for message `id`, then marks them sent.
pub(super) async fn send(change: &WebhookChange<'_>, id: &str, owed: &str) -> anyhow::Result<()> {
    let s = change.s;
    let bodies: Vec<Value> = serde_json::from_str(owed)?;
    for (n, body) in bodies.into_iter().enumerate() {
        let request = SendRequest {
            number: change.number.clone(),
            asks_consent: texts::asks_consent(&body),
            body,
            idempotency_key: Some(format!("reply:{id}:{n}")),
            actor: Actor::system("chat"),
        };
        match sending::send(s, request).await {
            Ok(_) => {}
            Err(SendError::Internal(e)) => return Err(e),
            Err(refused) => tracing::warn!(error = %refused, "a chat reply was not sent"),
        }
    }
    let mut w = s.db.write().await?;
    received::replies_sent(&mut w, &change.number.id, id).await?;
    w.commit().await?;
    Ok(())
}
