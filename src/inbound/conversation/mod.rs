//! The consent conversation for one inbound message: keywords and buttons
//! (`commands`), the terms with accept and decline buttons for a person who has
//! not accepted them (`terms`), which entry point brought them (`attribution`),
//! and forwarding of everything else to the business.
//!
//! Effects (ledger events, held or released messages, forwards) are written in
//! one transaction together with the message id that deduplicates them; the
//! replies planned there are stored with it and sent afterwards through the
//! sending core under idempotency keys (`replies`), so a crash in between loses
//! no reply and a redelivered message gets no second one.

mod attribution;
mod commands;
mod replies;
mod terms;

use super::process::WebhookChange;
use super::received::{self, InboundState};
use super::{store, texts};
use crate::categories::{self, Category};
use crate::consent::{self, Evidence, RecordedEvent};
use crate::contacts::{self, Contact, InboundIdentity};
use crate::db::now_ms;
use crate::domain::{Language, Locale};
use crate::forwarding::{self, Kind};
use crate::privacy;
use serde_json::{Value, json};
use sqlx::AnyConnection;

pub(super) async fn handle(
    change: &WebhookChange<'_>,
    id: &str,
    m: &Value,
    who: &InboundIdentity,
) -> anyhow::Result<bool> {
    let s = change.s;
    let number = change.number;
    let mut tx = s.db.write_for(&number.id).await?;
    if privacy::is_forgotten(&mut tx, &s.secret, id).await? {
        tracing::info!("a message of someone who declined came again; ignored");
        // Not tied to anyone: the payload that carried it is not kept.
        return Ok(false);
    }
    let contact = contacts::from_inbound(&mut tx, &number.id, who).await?;
    store::link(&mut tx, change.payload_id, &contact.id).await?;
    let kind = m["type"].as_str().unwrap_or("unknown");
    if !received::insert(&mut tx, &number.id, id, &contact.id, kind).await? {
        // Seen before: its effects happened; only its replies may still be owed.
        let owed = received::owed_replies(&mut tx, &number.id, id).await?;
        tx.commit().await?;
        if let Some(owed) = owed {
            replies::send(change, id, &owed).await?;
        }
        return Ok(true);
    }
    if kind != "system" {
        let sent_at = m["timestamp"]
            .as_str()
            .and_then(|t| t.parse::<i64>().ok())
            .map_or(i64::MAX, |secs| secs.saturating_mul(1000));
        contacts::touch_inbound(&mut tx, &contact.id, sent_at.min(now_ms())).await?;
    }

    let mut conversation = Conversation {
        change,
        contact,
        id,
        categories: categories::all(&mut tx).await?,
        replies: vec![],
    };
    let Some(state) = conversation.respond(&mut tx, m, kind).await? else {
        // Declined: the person's rows are gone, this message's with them.
        tx.commit().await?;
        return Ok(true);
    };
    let owed = conversation.owed();
    received::settle(&mut tx, &number.id, id, state, owed.as_deref()).await?;
    tx.commit().await?;
    s.forward_wake.notify_one();
    if let Some(owed) = owed {
        replies::send(change, id, &owed).await?;
    }
    Ok(true)
}

/// One message's turn in the conversation with one person.
struct Conversation<'a, 'c> {
    change: &'a WebhookChange<'c>,
    contact: Contact,
    id: &'a str,
    categories: Vec<Category>,
    /// The replies planned, sent once the transaction is committed.
    replies: Vec<Value>,
}

impl Conversation<'_, '_> {
    /// Acts on the message; returns its state, or None when the person declined.
    async fn respond(
        &mut self,
        tx: &mut AnyConnection,
        m: &Value,
        kind: &str,
    ) -> anyhow::Result<Option<InboundState>> {
        if let Some(done) = self.command(tx, m, kind).await? {
            return Ok(done);
        }
        let body = self.forward_body(m);
        if self.accepted(tx).await? {
            let number = &self.change.number.id;
            forwarding::enqueue(tx, number, Some(&self.contact.id), Kind::Message, &body).await?;
            self.not_live_yet(kind);
            return Ok(Some(InboundState::Released));
        }
        self.hold(tx, m, kind, &body).await?;
        Ok(Some(InboundState::Held))
    }

    /// Someone with any consent history (from a form, the API, an earlier chat) is
    /// not asked again; everyone else must accept the terms first.
    async fn accepted(&self, tx: &mut AnyConnection) -> anyhow::Result<bool> {
        Ok(self.contact.terms_accepted_at.is_some()
            || !consent::states::of_subject(tx, &self.contact.id)
                .await?
                .is_empty())
    }

    /// While the number has a "not live yet" answer, each message a person writes
    /// (not a keyword, a button of ours or a reaction) gets it, so nobody waits for
    /// a reply that will not come. The message still reaches the business as
    /// usual. Someone who has not accepted the terms gets the terms instead: the
    /// consent question comes first, alone.
    fn not_live_yet(&mut self, kind: &str) {
        if matches!(kind, "system" | "reaction" | "unsupported" | "unknown") {
            return;
        }
        if let Some(text) = self.change.number.not_live_reply.clone() {
            self.reply_text(text);
        }
    }

    fn locale(&self) -> Locale {
        self.contact.language.unwrap_or_default()
    }

    /// The language chained into the person's consent events.
    fn language(&self) -> Option<Language> {
        Language::parse(self.locale().code()).ok()
    }

    /// The categories' titles, as a list in the person's language.
    fn titles(&self, names: &[String]) -> String {
        let titles: Vec<String> = names
            .iter()
            .map(|n| {
                self.categories
                    .iter()
                    .find(|c| c.name.as_str() == n)
                    .map_or_else(|| n.clone(), |c| c.title.clone())
            })
            .collect();
        texts::list(self.locale(), &titles)
    }

    fn all_categories(&self) -> Vec<String> {
        self.categories.iter().map(|c| c.name.to_string()).collect()
    }

    /// Names this message in chained fields. Not Meta's id: a wamid encodes the
    /// sender's number, and the chain outlives an erasure. The id itself goes into
    /// the (erasable) evidence.
    fn reference(&self) -> String {
        privacy::message_key(&self.change.s.secret, self.id)[..32].to_owned()
    }

    fn evidence(&self) -> Evidence {
        Evidence {
            inbound_message_id: Some(self.id.to_owned()),
            ..Evidence::default()
        }
    }

    /// The business hears of the consent events this message caused, in the same
    /// transaction.
    async fn tell(&self, tx: &mut AnyConnection, events: Vec<RecordedEvent>) -> anyhow::Result<()> {
        forwarding::consent_events(tx, &events).await
    }

    /// The message as Meta sent it, in Meta's envelope, for the business.
    fn forward_body(&self, m: &Value) -> Value {
        let profile = self.change.profile_of(m).cloned().unwrap_or_else(
            || json!({"wa_id": self.contact.wa_id, "user_id": self.contact.user_id}),
        );
        forwarding::meta_envelope(
            self.change.number,
            self.change.waba_id,
            json!({"contacts": [profile], "messages": [m]}),
        )
    }
}
