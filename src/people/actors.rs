//! Who an actor is, in words staff recognise: a staff member's email, an API
//! key's name, one of Assent's own flows.

use super::Record;
use crate::db::Db;
use crate::domain::Actor;
use crate::{api_keys, users};
use std::collections::HashMap;

/// A name for each actor of the record (as stored: `staff:<id>` …) that can be
/// named: who caused its events, sent its messages, tried the refused sends.
pub async fn names(db: &Db, record: &Record) -> anyhow::Result<HashMap<String, String>> {
    let actors = record
        .events
        .iter()
        .filter_map(|e| e.event.actor.as_ref().map(ToString::to_string))
        .chain(record.sent.iter().map(|m| m.actor.clone()))
        .chain(record.refused.iter().map(|r| r.actor.clone()));
    let mut conn = db.pool.acquire().await?;
    let conn = &mut *conn;
    let mut named = HashMap::new();
    for raw in actors {
        if named.contains_key(&raw) {
            continue;
        }
        let name = match Actor::parse(&raw) {
            Some(Actor::Staff(id)) => users::email_of(conn, &id).await?,
            Some(Actor::ApiKey(id)) => api_keys::name_of(conn, &id)
                .await?
                .map(|name| format!("API key “{name}”")),
            Some(Actor::System(flow)) if flow == "cli" => Some("the command line".to_owned()),
            Some(Actor::System(flow)) => Some(format!("Assent ({flow})")),
            Some(Actor::Meta) => Some("Meta (WhatsApp)".to_owned()),
            None => None,
        };
        if let Some(name) = name {
            named.insert(raw, name);
        }
    }
    Ok(named)
}
