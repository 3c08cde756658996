//! The terms: sent to a person who has not accepted them, with accept and decline
//! buttons, while what they write is held from the business; accepting grants
//! exactly what the terms showed and releases the held messages; declining
//! forgets the person.

use super::Conversation;
use crate::consent::Notice;
use crate::consent::Provenance;
use crate::consent::signals;
use crate::consent::{Source, suppression};
use crate::contacts;
use crate::db::now_ms;
use crate::domain::{Actor, CategoryList, CategoryName};
use crate::forwarding::{self, Kind};
use crate::inbound::received;
use crate::inbound::texts::{self, ACCEPT_ID, DECLINE_ID};
use crate::{notices, privacy};
use serde_json::{Value, json};
use sqlx::AnyConnection;

/// Terms are sent again to someone who keeps writing, but not more often.
const TERMS_EVERY_MS: i64 = 60 * 60 * 1000;

impl Conversation<'_, '_> {
    /// Keeps the message from the business and, when due, sends the terms.
    pub(super) async fn hold(
        &mut self,
        tx: &mut AnyConnection,
        m: &Value,
        kind: &str,
        body: &Value,
    ) -> anyhow::Result<()> {
        let number = self.change.number;
        received::hold(tx, &number.id, self.id, &body.to_string()).await?;
        self.attribute(tx, m).await?;
        let due = self
            .contact
            .terms_sent_at
            .is_none_or(|at| now_ms() - at >= TERMS_EVERY_MS);
        if kind == "system" || !due {
            return Ok(());
        }
        let locale = self.locale();
        let names = self.asked_for(tx).await?;
        let notice = notices::current(tx, number, locale).await?;
        let link = format!("{}/notices/{}", self.change.s.public_url, notice.id);
        let mut text = texts::terms(locale, number.name(), &self.titles(&names), &link);
        // WhatsApp takes at most 1024 characters above reply buttons: longer terms
        // (many categories) go first as a text message of their own.
        if text.chars().count() > 1024 {
            self.reply_text(text);
            text = texts::terms_question(locale).to_owned();
        }
        self.reply(json!({"type": "interactive", "interactive": {
            "type": "button",
            "body": {"text": text},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": ACCEPT_ID, "title": texts::accept_title(locale)}},
                {"type": "reply", "reply": {"id": DECLINE_ID, "title": texts::decline_title(locale)}},
            ]}
        }}));
        let shown = CategoryList::new(names.iter().filter_map(|n| CategoryName::parse(n).ok()));
        contacts::terms_shown(tx, &self.contact.id, &notice.id, &shown).await?;
        Ok(())
    }

    /// Grants exactly what the terms showed; an Accept with no terms sent (an old
    /// button pressed after a decline) grants nothing.
    pub(super) async fn accept(&mut self, tx: &mut AnyConnection) -> anyhow::Result<()> {
        let number = self.change.number;
        let (Some(notice_id), Some(shown)) = (
            self.contact.terms_notice_id.clone(),
            self.contact.terms_categories.clone(),
        ) else {
            return Ok(());
        };
        let Some(notice) = notices::by_id(tx, &notice_id).await? else {
            return Ok(());
        };
        let names = shown.to_strings();
        // A suppressed (erased) person who writes again and accepts comes back:
        // the grant says so, and the suppression goes.
        let keys = suppression::keys_of(&self.change.s.secret, &self.contact);
        let lifted = suppression::lift(tx, &number.id, &keys).await?;
        let mut evidence = self.evidence();
        if lifted {
            evidence.detail = Some("accepted after erasure: lifted a suppression".into());
        }
        let how = Provenance {
            source: Source::Chat,
            source_ref: self
                .contact
                .entry_point
                .as_ref()
                .map(|code| format!("entry_point:{code}")),
            notice: Some(Notice {
                version: notice.version.clone(),
                sha256: Some(notice.sha256.clone()),
            }),
            language: self.language(),
            actor: Actor::system("chat"),
            evidence,
        };
        let granted = signals::grant(tx, &self.contact, &names, &how).await?;
        self.tell(tx, granted).await?;
        contacts::terms_accepted(tx, &self.contact.id).await?;
        crate::entry_points::count(
            tx,
            &number.id,
            self.contact.entry_point.as_deref(),
            crate::entry_points::Counter::Accepted,
        )
        .await?;
        // What they wrote before accepting now reaches the business, in order.
        for (held_id, body) in received::held(tx, &self.contact.id).await? {
            if let Some(body) = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()) {
                forwarding::enqueue(tx, &number.id, Some(&self.contact.id), Kind::Message, &body)
                    .await?;
            }
            received::released(tx, &number.id, &held_id).await?;
        }
        let locale = self.locale();
        let text = texts::accepted(locale, number.name(), &self.titles(&names));
        self.reply_text(texts::with_choices(locale, text, &self.choices_link()));
        self.contact_card();
        Ok(())
    }

    /// Forgets the person who declined the terms.
    pub(super) async fn decline(&mut self, tx: &mut AnyConnection) -> anyhow::Result<()> {
        privacy::decline(tx, &self.change.s.secret, &self.contact).await?;
        tracing::info!("a person declined the terms; their data was deleted");
        Ok(())
    }
}
