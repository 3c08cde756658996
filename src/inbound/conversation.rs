//! The consent conversation for one inbound message: keywords and the Stop
//! promotions button, the terms with accept and decline buttons for a person who
//! has not accepted them, and forwarding of everything else to the business.
//!
//! Effects (ledger events, held or released messages, forwards) are written in
//! one transaction together with the message id that deduplicates them; the
//! replies planned there are stored with it and sent afterwards through the
//! sending core under idempotency keys, so a crash in between loses no reply and a
//! redelivered message gets no second one.

use super::process::Change;
use super::replies::{self, ACCEPT_ID, DECLINE_ID};
use super::store;
use crate::categories::{self, Category};
use crate::consent::signals::{self, Signal};
use crate::consent::{self, Evidence, Notice, Source};
use crate::contacts::{self, Contact, InboundIdentity};
use crate::db::now_ms;
use crate::domain::CategoryKind;
use crate::entry_points;
use crate::forwarding::{self, Kind};
use crate::keywords::{self, CategoryWords, Command};
use crate::notices;
use crate::sending::{self, SendError, SendRequest};
use serde_json::{Value, json};
use sqlx::AnyConnection;

/// Terms are sent again to someone who keeps writing, but not more often.
const TERMS_EVERY_MS: i64 = 60 * 60 * 1000;

pub(super) async fn handle(
    change: &Change<'_>,
    id: &str,
    m: &Value,
    who: &InboundIdentity,
) -> anyhow::Result<bool> {
    let s = change.s;
    let number = change.number;
    let mut tx = s.db.begin().await?;
    s.db.lock_number(&mut tx, &number.id).await?;
    let forgotten: Option<(String,)> =
        sqlx::query_as("SELECT key_hash FROM forgotten_messages WHERE key_hash = $1")
            .bind(message_key(&s.secret, id))
            .fetch_optional(&mut *tx)
            .await?;
    if forgotten.is_some() {
        tracing::info!("a message of someone who declined came again; ignored");
        // Not tied to anyone: the payload that carried it is not kept.
        return Ok(false);
    }
    let contact = contacts::from_inbound(&mut tx, &number.id, who).await?;
    store::link(&mut tx, change.payload_id, &contact.id).await?;
    let kind = m["type"].as_str().unwrap_or("unknown");
    let new = sqlx::query(
        "INSERT INTO inbound_messages (business_number_id, id, contact_id, kind, state, received_at) \
         VALUES ($1, $2, $3, $4, 'received', $5) ON CONFLICT DO NOTHING",
    )
    .bind(&number.id)
    .bind(id)
    .bind(&contact.id)
    .bind(kind.chars().take(40).collect::<String>())
    .bind(now_ms())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if !new {
        // Seen before: its effects happened; only its replies may still be owed.
        let owed: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT replies FROM inbound_messages WHERE business_number_id = $1 AND id = $2",
        )
        .bind(&number.id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        tx.commit().await?;
        if let Some((Some(owed),)) = owed {
            send_replies(change, id, &owed).await?;
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

    let mut talk = Talk {
        change,
        contact,
        id,
        categories: categories::all(&mut tx).await?,
        replies: vec![],
    };
    let state = talk.respond(&mut tx, m, kind).await?;
    let Some(state) = state else {
        // Declined: the person's rows are gone, this message's with them.
        tx.commit().await?;
        return Ok(true);
    };
    let owed = (!talk.replies.is_empty()).then(|| Value::Array(talk.replies.clone()).to_string());
    sqlx::query("UPDATE inbound_messages SET state = $1, replies = $2 WHERE business_number_id = $3 AND id = $4")
        .bind(state)
        .bind(&owed)
        .bind(&number.id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    s.forward_wake.notify_one();
    if let Some(owed) = owed {
        send_replies(change, id, &owed).await?;
    }
    Ok(true)
}

struct Talk<'a, 'c> {
    change: &'a Change<'c>,
    contact: Contact,
    id: &'a str,
    categories: Vec<Category>,
    replies: Vec<Value>,
}

impl Talk<'_, '_> {
    /// Acts on the message; returns its state, or None when the person declined.
    async fn respond(
        &mut self,
        tx: &mut AnyConnection,
        m: &Value,
        kind: &str,
    ) -> anyhow::Result<Option<&'static str>> {
        let number = self.change.number;
        let accepted = self.accepted(tx).await?;
        let button = match kind {
            "interactive" => m["interactive"]["button_reply"]["id"].as_str(),
            "button" => m["button"]["payload"].as_str(),
            _ => None,
        };
        match button {
            Some(ACCEPT_ID) if !accepted => {
                self.accept(tx).await?;
                return Ok(Some("handled"));
            }
            Some(DECLINE_ID) if !accepted => {
                let counted = self.contact.terms_sent_at.is_some();
                let ids: Vec<(String,)> =
                    sqlx::query_as("SELECT id FROM inbound_messages WHERE contact_id = $1")
                        .bind(&self.contact.id)
                        .fetch_all(&mut *tx)
                        .await?;
                for (id,) in ids {
                    sqlx::query(
                        "INSERT INTO forgotten_messages (key_hash, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    )
                    .bind(message_key(&self.change.s.secret, &id))
                    .bind(now_ms())
                    .execute(&mut *tx)
                    .await?;
                }
                consent::forget(tx, &self.change.s.secret, &self.contact).await?;
                if counted {
                    entry_points::count_decline(
                        tx,
                        &number.id,
                        self.contact.entry_point.as_deref(),
                    )
                    .await?;
                }
                tracing::info!("a person declined the terms; their data was deleted");
                return Ok(None);
            }
            // Declining after accepting withdraws, as STOP does: as easy as consenting.
            Some(DECLINE_ID) => {
                let language = self.language();
                self.keyword(tx, Command::StopAll, &language).await?;
                return Ok(Some("handled"));
            }
            Some(ACCEPT_ID) => return Ok(Some("handled")),
            _ => {}
        }
        let words = keywords::effective(tx, &number.id).await?;
        if kind == "button"
            && let Some(language) = keywords::is_stop_promotions(
                m["button"]["payload"].as_str(),
                m["button"]["text"].as_str(),
                &words,
            )
        {
            self.keyword(tx, Command::StopPromotions, &language).await?;
            return Ok(Some("handled"));
        }
        if kind == "text" {
            let text = m["text"]["body"].as_str().unwrap_or_default();
            let names: Vec<CategoryWords<'_>> = self
                .categories
                .iter()
                .map(|c| CategoryWords {
                    name: c.name.as_str(),
                    title: &c.title,
                })
                .collect();
            if let Some((command, language)) =
                keywords::parse(text, &words, &names, self.contact.language.as_deref())
            {
                self.keyword(tx, command, &language).await?;
                return Ok(Some("handled"));
            }
        }
        let body = self.forward_body(m);
        if accepted {
            forwarding::enqueue(tx, &number.id, Some(&self.contact.id), Kind::Message, &body)
                .await?;
            return Ok(Some("released"));
        }
        self.hold(tx, m, kind, &body).await?;
        Ok(Some("held"))
    }

    /// Someone with any consent history (from a form, the API, an earlier chat) is
    /// not asked again; everyone else must accept the terms first.
    async fn accepted(&self, tx: &mut AnyConnection) -> anyhow::Result<bool> {
        Ok(self.contact.terms_accepted_at.is_some()
            || !consent::events_for_subject(tx, &self.contact.id)
                .await?
                .is_empty())
    }

    fn language(&self) -> String {
        self.contact.language.clone().unwrap_or_else(|| "en".into())
    }

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
        replies::list(&self.language(), &titles)
    }

    /// The categories the person is asked for: their entry point's, or the
    /// number's defaults.
    async fn asked_for(&self, tx: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
        let number = self.change.number;
        if let Some(code) = &self.contact.entry_point
            && let Some(ep) = entry_points::find(tx, number, code).await?
        {
            return Ok(ep.categories);
        }
        Ok(number
            .default_categories()
            .unwrap_or_else(|| self.categories.iter().map(|c| c.name.to_string()).collect()))
    }

    /// Names this message in chained fields. Not Meta's id: a wamid encodes the
    /// sender's number, and the chain outlives an erasure. The id itself goes into
    /// the (erasable) evidence.
    fn reference(&self) -> String {
        message_key(&self.change.s.secret, self.id)[..32].to_owned()
    }

    fn evidence(&self) -> Evidence {
        Evidence {
            inbound_message_id: Some(self.id.to_owned()),
            ..Evidence::default()
        }
    }

    fn reply(&mut self, mut body: Value) {
        let Some((field, value)) = self.contact.recipient_field() else {
            return;
        };
        body["messaging_product"] = json!("whatsapp");
        body[field] = json!(value);
        // They just wrote to us: no contact check is needed.
        body["verify_contact"] = json!(false);
        self.replies.push(body);
    }

    fn reply_text(&mut self, text: String) {
        self.reply(json!({"type": "text", "text": {"body": text}}));
    }

    async fn hold(
        &mut self,
        tx: &mut AnyConnection,
        m: &Value,
        kind: &str,
        body: &Value,
    ) -> anyhow::Result<()> {
        let number = self.change.number;
        sqlx::query("UPDATE inbound_messages SET forward_body = $1 WHERE business_number_id = $2 AND id = $3")
            .bind(body.to_string())
            .bind(&number.id)
            .bind(self.id)
            .execute(&mut *tx)
            .await?;
        // Only the first message(s), before any terms were shown, choose the entry
        // point: what the terms showed must stay what accepting grants.
        if self.contact.entry_point.is_none()
            && self.contact.terms_sent_at.is_none()
            && let Some(text) = m["text"]["body"].as_str()
            && let Some(ep) = entry_points::named_in(tx, number, text).await?
        {
            sqlx::query("UPDATE contacts SET entry_point = $1, language = COALESCE(language, $2) WHERE id = $3")
                        .bind(&ep.code)
                        .bind(&ep.language)
                        .bind(&self.contact.id)
                        .execute(&mut *tx)
                        .await?;
            self.contact.entry_point = Some(ep.code);
            self.contact.language.get_or_insert(ep.language);
        }
        let due = self
            .contact
            .terms_sent_at
            .is_none_or(|at| now_ms() - at >= TERMS_EVERY_MS);
        if kind == "system" || !due {
            return Ok(());
        }
        let language = self.language();
        let names = self.asked_for(tx).await?;
        let notice = notices::current(tx, number, &language).await?;
        let link = format!("{}/notices/{}", self.change.s.public_url, notice.id);
        let mut text = replies::terms(&language, number.name(), &self.titles(&names), &link);
        // WhatsApp takes at most 1024 characters above reply buttons: longer terms
        // (many categories) go first as a text message of their own.
        if text.chars().count() > 1024 {
            self.reply_text(text);
            text = replies::terms_question(&language).to_owned();
        }
        self.reply(json!({"type": "interactive", "interactive": {
            "type": "button",
            "body": {"text": text},
            "action": {"buttons": [
                {"type": "reply", "reply": {"id": ACCEPT_ID, "title": replies::accept_title(&language)}},
                {"type": "reply", "reply": {"id": DECLINE_ID, "title": replies::decline_title(&language)}},
            ]}
        }}));
        sqlx::query("UPDATE contacts SET terms_sent_at = $1, terms_notice_id = $2, terms_categories = $3 WHERE id = $4")
            .bind(now_ms())
            .bind(&notice.id)
            .bind(names.join(","))
            .bind(&self.contact.id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    }

    /// Grants exactly what the terms showed; an Accept with no terms sent (an old
    /// button pressed after a decline) grants nothing.
    async fn accept(&mut self, tx: &mut AnyConnection) -> anyhow::Result<()> {
        let number = self.change.number;
        let language = self.language();
        let (Some(notice_id), Some(shown)) = (
            self.contact.terms_notice_id.clone(),
            self.contact.terms_categories.clone(),
        ) else {
            return Ok(());
        };
        let Some(notice) = notices::by_id(tx, &notice_id).await? else {
            return Ok(());
        };
        let names: Vec<String> = shown.split(',').map(str::to_owned).collect();
        let signal = Signal {
            source: Source::Chat,
            source_ref: self
                .contact
                .entry_point
                .as_ref()
                .map(|code| format!("entry_point:{code}")),
            notice: Some(Notice {
                version: notice.version.clone(),
                sha256: notice.sha256.clone(),
            }),
            language: Some(language.clone()),
            actor: "system:chat".into(),
            evidence: self.evidence(),
        };
        signals::grant(tx, &self.contact, &names, &signal).await?;
        sqlx::query("UPDATE contacts SET terms_accepted_at = $1 WHERE id = $2")
            .bind(now_ms())
            .bind(&self.contact.id)
            .execute(&mut *tx)
            .await?;
        // What they wrote before accepting now reaches the business, in order.
        let held: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT id, forward_body FROM inbound_messages WHERE contact_id = $1 AND state = 'held' ORDER BY received_at, id",
        )
        .bind(&self.contact.id)
        .fetch_all(&mut *tx)
        .await?;
        for (held_id, body) in held {
            if let Some(body) = body.and_then(|b| serde_json::from_str::<Value>(&b).ok()) {
                forwarding::enqueue(tx, &number.id, Some(&self.contact.id), Kind::Message, &body)
                    .await?;
            }
            sqlx::query("UPDATE inbound_messages SET state = 'released', forward_body = NULL WHERE business_number_id = $1 AND id = $2")
                .bind(&number.id)
                .bind(&held_id)
                .execute(&mut *tx)
                .await?;
        }
        let text = replies::accepted(&language, number.name(), &self.titles(&names));
        self.reply_text(text);
        Ok(())
    }

    async fn keyword(
        &mut self,
        tx: &mut AnyConnection,
        command: Command,
        language: &str,
    ) -> anyhow::Result<()> {
        sqlx::query("UPDATE contacts SET language = $1 WHERE id = $2")
            .bind(language)
            .bind(&self.contact.id)
            .execute(&mut *tx)
            .await?;
        self.contact.language = Some(language.to_owned());
        let business = self.change.number.name().to_owned();
        let signal = |source_ref: String| Signal {
            source: Source::Keyword,
            source_ref: Some(source_ref),
            notice: None,
            language: Some(language.to_owned()),
            actor: "system:keywords".into(),
            evidence: self.evidence(),
        };
        let text = match command {
            Command::StopAll => {
                let all: Vec<String> = self.categories.iter().map(|c| c.name.to_string()).collect();
                signals::withdraw(
                    tx,
                    &self.contact,
                    &all,
                    &signal(format!("stop:{}", self.reference())),
                )
                .await?;
                replies::stopped_all(language, &business)
            }
            Command::StopOne(name) => {
                let one = [name];
                signals::withdraw(
                    tx,
                    &self.contact,
                    &one,
                    &signal(format!("stop:{}", self.reference())),
                )
                .await?;
                replies::stopped_one(language, &business, &self.titles(&one))
            }
            Command::StopPromotions => {
                let marketing = signals::names_of_kind(tx, Some(CategoryKind::Marketing)).await?;
                let source_ref = format!("stop_promotions:{}", self.reference());
                signals::withdraw(tx, &self.contact, &marketing, &signal(source_ref)).await?;
                replies::stopped_promotions(language, &business)
            }
            Command::Start => {
                let events = consent::events_for_subject(tx, &self.contact.id).await?;
                let restore = signals::withdrawn_by_last_stop(&events);
                if restore.is_empty() {
                    replies::nothing_to_start(language)
                } else {
                    signals::grant(
                        tx,
                        &self.contact,
                        &restore,
                        &signal(format!("start:{}", self.reference())),
                    )
                    .await?;
                    replies::started(language, &business, &self.titles(&restore))
                }
            }
            Command::Help => {
                let all: Vec<String> = self.categories.iter().map(|c| c.name.to_string()).collect();
                replies::help(language, &business, &self.titles(&all))
            }
        };
        self.reply_text(text);
        Ok(())
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

/// A keyed hash of Meta's message id, which encodes the sender's number.
fn message_key(secret: &[u8], id: &str) -> String {
    crate::consent::suppression::key_for(secret, "msg", id)
}

/// Sends the replies planned for message `id`, then marks them sent.
async fn send_replies(change: &Change<'_>, id: &str, owed: &str) -> anyhow::Result<()> {
    let s = change.s;
    let bodies: Vec<Value> = serde_json::from_str(owed)?;
    for (n, body) in bodies.into_iter().enumerate() {
        let request = SendRequest {
            number: change.number.clone(),
            body,
            idempotency_key: Some(format!("reply:{id}:{n}")),
            actor: "system:chat".into(),
        };
        match sending::send(s, request).await {
            Ok(_) => {}
            Err(SendError::Internal(e)) => return Err(e),
            Err(refused) => tracing::warn!(error = %refused, "a chat reply was not sent"),
        }
    }
    sqlx::query(
        "UPDATE inbound_messages SET replies = NULL WHERE business_number_id = $1 AND id = $2",
    )
    .bind(&change.number.id)
    .bind(id)
    .execute(&s.db.pool)
    .await?;
    Ok(())
}
