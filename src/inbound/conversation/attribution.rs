//! Which entry point brought the person: the first message(s) that name an entry
//! point's code, before any terms were shown, decide what the terms ask for.

use super::Conversation;
use crate::contacts;
use crate::entry_points;
use serde_json::Value;
use sqlx::AnyConnection;

impl Conversation<'_, '_> {
    pub(super) async fn attribute(
        &mut self,
        tx: &mut AnyConnection,
        m: &Value,
    ) -> anyhow::Result<()> {
        // What the terms showed must stay what accepting grants: once they were
        // sent, the entry point is settled.
        if self.contact.entry_point.is_some() || self.contact.terms_sent_at.is_some() {
            return Ok(());
        }
        let Some(text) = m["text"]["body"].as_str() else {
            return Ok(());
        };
        let Some(ep) = entry_points::named_in(tx, self.change.number, text).await? else {
            return Ok(());
        };
        contacts::attribute(tx, &self.contact.id, &ep.code, ep.language).await?;
        entry_points::count(
            tx,
            &self.change.number.id,
            Some(&ep.code),
            entry_points::Counter::ChatStarted,
        )
        .await?;
        self.contact.entry_point = Some(ep.code);
        self.contact.language.get_or_insert(ep.language);
        Ok(())
    }

    /// The categories the person is asked for: their entry point's, or the
    /// number's defaults.
    pub(super) async fn asked_for(&self, tx: &mut AnyConnection) -> anyhow::Result<Vec<String>> {
        let number = self.change.number;
        if let Some(code) = &self.contact.entry_point
            && let Some(ep) = entry_points::find(tx, number, code).await?
        {
            return Ok(ep.categories.to_strings());
        }
        Ok(number
            .default_categories()
            .map(|list| list.to_strings())
            .unwrap_or_else(|| self.all_categories()))
    }
}
