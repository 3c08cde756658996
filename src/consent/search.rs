//! Finding events: the filters that the console's search and every export share,
//! and pages of events newest first. Pages are keyed on `seq` (the chain's
//! order), never an OFFSET, so events appended meanwhile never shift the next
//! page. Each filter has an index that yields its events in `seq` order
//! (migration 0008); a phone number is looked up in contacts first, then
//! followed through the subject index.

use super::event::{ConsentAction, Source};
use crate::callers::{self, Caller};
use crate::db::Db;
use crate::domain::{CategoryName, PhoneNumber, mask};
use crate::numbers;
use crate::query::Conditions;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFilter {
    /// Meta's id of the business number.
    pub phone_number_id: Option<String>,
    /// The person, by the number they are known by (exact).
    pub phone: Option<PhoneNumber>,
    pub category: Option<CategoryName>,
    pub action: Option<ConsentAction>,
    pub source: Option<Source>,
    /// Events at or after this time (epoch ms).
    pub since_ms: Option<i64>,
    /// Events before this time (epoch ms).
    pub until_ms: Option<i64>,
}

impl LedgerFilter {
    /// The filter in words, for the audit log: the phone number masked.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.phone_number_id {
            parts.push(format!("number {v}"));
        }
        if let Some(v) = &self.phone {
            parts.push(format!("phone {}", v.masked()));
        }
        if let Some(v) = &self.category {
            parts.push(format!("category {v}"));
        }
        if let Some(v) = self.action {
            parts.push(format!("action {}", v.as_str()));
        }
        if let Some(v) = self.source {
            parts.push(format!("source {}", v.as_str()));
        }
        if let Some(v) = self.since_ms {
            parts.push(format!("from {}", super::export::rfc3339(v)));
        }
        if let Some(v) = self.until_ms {
            parts.push(format!("before {}", super::export::rfc3339(v)));
        }
        if parts.is_empty() {
            "every event".into()
        } else {
            parts.join(", ")
        }
    }
}

/// The filter as conditions on `ledger_events e`; None when nothing can match (an
/// unknown number, a phone number nobody has).
pub(super) async fn conditions(
    conn: &mut AnyConnection,
    filter: &LedgerFilter,
) -> anyhow::Result<Option<Conditions>> {
    let mut c = Conditions::default();
    let mut number_id = None;
    if let Some(phone_number_id) = &filter.phone_number_id {
        let Some(number) = numbers::by_phone_number_id(conn, phone_number_id).await? else {
            return Ok(None);
        };
        let p = c.bind(number.id.clone());
        c.push(format!("e.business_number_id = {p}"));
        number_id = Some(number.id);
    }
    if let Some(phone) = &filter.phone {
        let subjects = subjects_with(conn, phone, number_id.as_deref()).await?;
        if subjects.is_empty() {
            return Ok(None);
        }
        let ps = c.bind_all(&subjects);
        c.push(format!("e.subject_id IN ({ps})"));
    }
    if let Some(category) = &filter.category {
        let p = c.bind(category.as_str().to_owned());
        c.push(format!("e.category = {p}"));
    }
    if let Some(action) = filter.action {
        let p = c.bind(action.as_str());
        c.push(format!("e.action = {p}"));
    }
    if let Some(source) = filter.source {
        let p = c.bind(source.as_str());
        c.push(format!("e.source = {p}"));
    }
    // Times become a range of seq, found through the time index: the ledger's
    // clock never runs backwards (see `ledger::append`), so the events of a day
    // lie between two seqs and every filter walks its own index in seq order.
    // The times are still compared (with `+`, so no index is chosen for them)
    // for events that instances with differing clocks wrote before that held.
    if let Some(since) = filter.since_ms {
        let Some(first) = first_at_or_after(conn, since).await? else {
            return Ok(None);
        };
        let (p, q) = (c.bind(first), c.bind(since));
        c.push(format!("e.seq >= {p} AND +e.created_at >= {q}"));
    }
    if let Some(until) = filter.until_ms {
        if let Some(after) = first_at_or_after(conn, until).await? {
            let p = c.bind(after);
            c.push(format!("e.seq < {p}"));
        }
        let p = c.bind(until);
        c.push(format!("+e.created_at < {p}"));
    }
    Ok(Some(c))
}

/// The first event at or after `ms`, by the time index.
async fn first_at_or_after(conn: &mut AnyConnection, ms: i64) -> anyhow::Result<Option<i64>> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT seq FROM ledger_events WHERE created_at >= $1 ORDER BY created_at, seq LIMIT 1",
    )
    .bind(ms)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map(|(seq,)| seq))
}

/// The ids of the contacts known by this number (one per business number).
async fn subjects_with(
    conn: &mut AnyConnection,
    phone: &PhoneNumber,
    number_id: Option<&str>,
) -> anyhow::Result<Vec<String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, business_number_id FROM contacts WHERE wa_id = $1")
            .bind(phone.wa_id())
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, number)| number_id.is_none_or(|n| n == number))
        .map(|(id, _)| id)
        .collect())
}

/// One event as the search lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundEvent {
    pub seq: i64,
    pub id: String,
    pub created_at: i64,
    pub phone_number_id: Option<String>,
    pub display_number: Option<String>,
    /// The contact's id: where the person's page is.
    pub subject_id: String,
    /// Their number or user id masked; None once erased.
    pub person: Option<String>,
    pub category: String,
    pub action: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub notice_version: Option<String>,
    /// Who caused it (None on the oldest events, which did not say).
    pub actor: Option<Caller>,
}

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    id: String,
    created_at: i64,
    subject_id: String,
    category: String,
    action: String,
    source: String,
    source_ref: Option<String>,
    notice_version: Option<String>,
    actor: Option<String>,
    phone_number_id: Option<String>,
    display_number: Option<String>,
    wa_id: Option<String>,
    user_id: Option<String>,
    key_name: Option<String>,
    email: Option<String>,
}

/// The statement for a page of events meeting `c`, newest first.
fn page_query(mut c: Conditions, before: Option<i64>, limit: i64) -> (String, Conditions) {
    // Always bounded, so even the first page walks the primary key from its end.
    let p = c.bind(before.unwrap_or(i64::MAX));
    c.push(format!("e.seq < {p}"));
    let limit = c.bind(limit);
    // LEFT JOINs keep the ledger the outer loop: the page is read in seq order
    // and each row looks up its number, contact and actor by primary key.
    let sql = format!(
        "SELECT e.seq, e.id, e.created_at, e.subject_id, e.category, e.action, e.source, e.source_ref, \
         e.notice_version, e.actor, b.phone_number_id, b.display_number, c.wa_id, c.user_id, \
         k.name AS key_name, u.email AS email \
         FROM ledger_events e \
         LEFT JOIN business_numbers b ON b.id = e.business_number_id \
         LEFT JOIN contacts c ON c.id = e.subject_id {} \
         {} ORDER BY e.seq DESC LIMIT {limit}",
        callers::joins("e.actor"),
        c.where_clause()
    );
    (sql, c)
}

/// Up to `limit` events matching `filter`, newest first, older than event
/// `before` when given (the last `seq` of the previous page).
pub async fn page(
    db: &Db,
    filter: &LedgerFilter,
    before: Option<i64>,
    limit: i64,
) -> anyhow::Result<Vec<FoundEvent>> {
    let mut conn = db.pool.acquire().await?;
    let Some(c) = conditions(&mut conn, filter).await? else {
        return Ok(Vec::new());
    };
    let (sql, c) = page_query(c, before, limit);
    let rows: Vec<Row> = sqlx::query_as_with(sqlx::AssertSqlSafe(sql), c.arguments()?)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| FoundEvent {
            person: r.wa_id.as_deref().or(r.user_id.as_deref()).map(mask),
            seq: r.seq,
            id: r.id,
            created_at: r.created_at,
            phone_number_id: r.phone_number_id,
            display_number: r.display_number,
            subject_id: r.subject_id,
            category: r.category,
            action: r.action,
            source: r.source,
            source_ref: r.source_ref,
            notice_version: r.notice_version,
            actor: r.actor.map(|a| Caller::new(&a, r.key_name, r.email)),
        })
        .collect())
}
