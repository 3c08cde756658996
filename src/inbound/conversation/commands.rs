//! What a person can say to the consent bot: the accept and decline buttons, the
//! "Stop promotions" button, the welcome's confirm button, and the keywords STOP,
//! STOP <topic>, START, HELP, YES and PREFERENCES in their language. Each changes
//! consent as asked, idempotently, and answers; a confirmation carries the
//! person's preference link.

use super::Conversation;
use crate::consent::Provenance;
use crate::consent::signals;
use crate::consent::{self, Source};
use crate::contacts;
use crate::domain::{Actor, CategoryKind, Language, Locale};
use crate::inbound::received::InboundState;
use crate::inbound::texts::{self, ACCEPT_ID, DECLINE_ID};
use crate::keywords::{self, CategoryWords, Command};
use crate::opt_in;
use serde_json::Value;
use sqlx::AnyConnection;

impl Conversation<'_, '_> {
    /// Acts on a button or a keyword: `Some(state)` when the message was one
    /// (`Some(None)`: the person declined and is forgotten), `None` otherwise.
    pub(super) async fn command(
        &mut self,
        tx: &mut AnyConnection,
        m: &Value,
        kind: &str,
    ) -> anyhow::Result<Option<Option<InboundState>>> {
        let handled = Some(Some(InboundState::Handled));
        let button = match kind {
            "interactive" => m["interactive"]["button_reply"]["id"].as_str(),
            "button" => m["button"]["payload"].as_str(),
            _ => None,
        };
        if let Some(pressed @ (ACCEPT_ID | DECLINE_ID)) = button {
            let accepted = self.accepted(tx).await?;
            match (pressed, accepted) {
                (ACCEPT_ID, false) => self.accept(tx).await?,
                (DECLINE_ID, false) => {
                    self.decline(tx).await?;
                    return Ok(Some(None));
                }
                // Declining after accepting withdraws, as STOP does: as easy as
                // consenting.
                (DECLINE_ID, true) => self.keyword(tx, Command::StopAll, self.locale()).await?,
                _ => {}
            }
            return Ok(handled);
        }
        if button == Some(opt_in::CONFIRM_PAYLOAD) {
            self.confirm(tx, self.locale()).await?;
            return Ok(handled);
        }
        let number = &self.change.number.id;
        let words = keywords::effective(tx, number).await?;
        if kind == "button"
            && let Some(language) = keywords::is_stop_promotions(
                m["button"]["payload"].as_str(),
                m["button"]["text"].as_str(),
                &words,
            )
        {
            let locale = Locale::closest(&language).unwrap_or_default();
            self.keyword(tx, Command::StopPromotions, locale).await?;
            return Ok(handled);
        }
        if kind == "text" {
            let text = m["text"]["body"].as_str().unwrap_or_default();
            let names: Vec<CategoryWords<'_>> = self
                .categories
                .iter()
                .map(|c| CategoryWords {
                    name: c.name.as_str(),
                    title: &c.title,
                    keywords: &c.keywords,
                })
                .collect();
            let preferred = self.contact.language.map(Locale::code);
            if let Some((command, language)) = keywords::parse(text, &words, &names, preferred) {
                let locale = Locale::closest(&language).unwrap_or_default();
                if command == Command::Confirm {
                    // YES means something only to someone with an opt-in to confirm.
                    return Ok(self
                        .confirm(tx, locale)
                        .await?
                        .then_some(Some(InboundState::Handled)));
                }
                self.keyword(tx, command, locale).await?;
                return Ok(handled);
            }
        }
        Ok(None)
    }

    pub(super) async fn keyword(
        &mut self,
        tx: &mut AnyConnection,
        command: Command,
        locale: Locale,
    ) -> anyhow::Result<()> {
        contacts::set_language(tx, &self.contact.id, locale).await?;
        self.contact.language = Some(locale);
        let business = self.change.number.name().to_owned();
        let how = |source_ref: String| Provenance {
            source: Source::Keyword,
            source_ref: Some(source_ref),
            notice: None,
            language: Language::parse(locale.code()).ok(),
            actor: Actor::system("keywords"),
            evidence: self.evidence(),
        };
        let stop = how(format!("stop:{}", self.reference()));
        let (written, text) = match command {
            Command::StopAll => {
                let all = self.all_categories();
                let written = signals::withdraw(tx, &self.contact, &all, &stop).await?;
                (written, texts::stopped_all(locale, &business))
            }
            Command::StopOne(name) => {
                let one = [name];
                let written = signals::withdraw(tx, &self.contact, &one, &stop).await?;
                (
                    written,
                    texts::stopped_one(locale, &business, &self.titles(&one)),
                )
            }
            Command::StopPromotions => {
                let marketing = signals::names_of_kind(tx, Some(CategoryKind::Marketing)).await?;
                let source_ref = format!("stop_promotions:{}", self.reference());
                let written =
                    signals::withdraw(tx, &self.contact, &marketing, &how(source_ref)).await?;
                (written, texts::stopped_promotions(locale, &business))
            }
            Command::Start => {
                let states = consent::states::of_subject(tx, &self.contact.id).await?;
                let restore = signals::withdrawn_by_last_stop(&states);
                if restore.is_empty() {
                    (vec![], texts::nothing_to_start(locale))
                } else {
                    let start = how(format!("start:{}", self.reference()));
                    let written = signals::grant(tx, &self.contact, &restore, &start).await?;
                    (
                        written,
                        texts::started(locale, &business, &self.titles(&restore)),
                    )
                }
            }
            Command::Help => {
                let all = self.all_categories();
                let text = texts::help(locale, &business, &self.titles(&all));
                // How to reach a person, as the business wrote it (one language).
                let text = match &self.change.number.help_text {
                    Some(reach) => format!("{text}\n\n{reach}"),
                    None => text,
                };
                (vec![], text)
            }
            Command::Preferences => (vec![], texts::preferences(locale, &self.choices_link())),
            // Handled by `confirm` before it gets here.
            Command::Confirm => (vec![], texts::help(locale, &business, "")),
        };
        // A change of consent is confirmed with the way to change it again.
        let text = if written.is_empty() {
            text
        } else {
            texts::with_choices(locale, text, &self.choices_link())
        };
        self.tell(tx, written).await?;
        self.reply_text(text);
        Ok(())
    }

    /// Confirms the person's pending double opt-ins; false when none was pending.
    async fn confirm(&mut self, tx: &mut AnyConnection, locale: Locale) -> anyhow::Result<bool> {
        let confirmed = opt_in::confirm(tx, &self.contact, self.id, locale).await?;
        if confirmed.is_empty() {
            return Ok(false);
        }
        let names: Vec<String> = confirmed.iter().map(|e| e.category.clone()).collect();
        let business = self.change.number.name().to_owned();
        self.tell(tx, confirmed).await?;
        let text = texts::confirmed(locale, &business, &self.titles(&names));
        self.reply_text(texts::with_choices(locale, text, &self.choices_link()));
        self.contact_card();
        Ok(true)
    }
}
