//! Entry points (SPEC §6): a marketer's wa.me link with a prefilled text that
//! carries a reference code, the categories it asks for, and its anonymous
//! counters (visits of the tracking link, chats started, terms accepted and
//! declined). A person's first message that contains the code is attributed to it.
//! Codes are unique across every number: the public links (`/l/{code}`,
//! `/qr/{code}.png`) name the code alone.

mod days;
mod links;
pub mod qr;

pub use days::{DayStats, days};
pub use links::{tracking_url, wa_me_url};

use crate::audit::{self, Doer, Entry};
use crate::categories;
use crate::db::{Backend, Db, now_ms};
use crate::domain::{CategoryList, CategoryName, Locale};
use crate::numbers::{self, BusinessNumber};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize)]
pub struct EntryPoint {
    pub code: String,
    pub name: String,
    pub categories: CategoryList,
    pub prefilled_text: String,
    pub language: Locale,
    pub wa_me_url: String,
    /// The same as `stats.declined`, kept for the clients that read it.
    pub declines: i64,
    pub stats: Stats,
    pub created_at: i64,
}

/// Anonymous counters: nobody, no address and no time is kept with them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Hits of the tracking link `/l/{code}`.
    pub visits: i64,
    /// People whose first message was attributed to the entry point.
    pub chats_started: i64,
    /// Of those, how many accepted the terms.
    pub accepted: i64,
    /// And how many declined them.
    pub declined: i64,
    /// `accepted / chats_started`, 0 when no chat started.
    pub conversion: f64,
}

impl Stats {
    pub(crate) fn new(visits: i64, chats_started: i64, accepted: i64, declined: i64) -> Self {
        let conversion = if chats_started > 0 {
            // Four decimals are plenty for a rate.
            (accepted as f64 / chats_started as f64 * 10_000.0).round() / 10_000.0
        } else {
            0.0
        };
        Self {
            visits,
            chats_started,
            accepted,
            declined,
            conversion,
        }
    }
}

/// What an anonymous counter of an entry point counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// A hit of the tracking link.
    Visit,
    /// A person's first message attributed to the entry point.
    ChatStarted,
    /// Terms accepted by a person the entry point brought.
    Accepted,
    /// Terms declined (through no entry point: counted on the number).
    Declined,
}

impl Counter {
    /// Its column, in `entry_points` and in `entry_point_days` alike.
    fn column(self) -> &'static str {
        match self {
            Counter::Visit => "visits",
            Counter::ChatStarted => "chats_started",
            Counter::Accepted => "accepted",
            Counter::Declined => "declines",
        }
    }
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    code: String,
    name: String,
    categories: String,
    prefilled_text: String,
    language: String,
    declines: i64,
    visits: i64,
    chats_started: i64,
    accepted: i64,
    created_at: i64,
}

impl Row {
    fn into_entry_point(self, number: &BusinessNumber) -> EntryPoint {
        EntryPoint {
            wa_me_url: wa_me_url(number, &self.prefilled_text),
            categories: CategoryList::from_stored(&self.categories),
            language: Locale::parse(&self.language).unwrap_or_default(),
            code: self.code,
            name: self.name,
            prefilled_text: self.prefilled_text,
            declines: self.declines,
            stats: Stats::new(
                self.visits,
                self.chats_started,
                self.accepted,
                self.declines,
            ),
            created_at: self.created_at,
        }
    }
}

pub struct NewEntryPoint {
    pub code: String,
    pub name: String,
    pub categories: Vec<String>,
    pub prefilled_text: Option<String>,
    pub language: Option<String>,
}

/// What a marketer may change of an entry point: everything but its code, which
/// printed QR codes and links carry.
pub struct EntryPointChange {
    pub name: String,
    pub categories: Vec<String>,
    pub prefilled_text: Option<String>,
    pub language: Option<String>,
}

/// An entry point's settings, checked.
struct Checked {
    name: String,
    categories: CategoryList,
    prefilled_text: String,
    language: Locale,
}

#[derive(Debug, thiserror::Error)]
pub enum EntryPointError {
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    #[error(
        "an entry point with code {0:?} already exists (codes are unique across every number: the public links name the code alone)"
    )]
    Exists(String),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

fn invalid(field: &'static str, problem: impl Into<String>) -> EntryPointError {
    EntryPointError::Invalid(field, problem.into())
}

/// Makes an entry point on `number`; the audit log names `who`, in the same
/// transaction.
pub async fn create(
    db: &Db,
    who: &Doer,
    number: &BusinessNumber,
    new: NewEntryPoint,
) -> Result<EntryPoint, EntryPointError> {
    let mut w = db.write().await.map_err(anyhow::Error::from)?;
    if db.backend == Backend::Postgres {
        // Two numbers making the same code at once must not both see it free (there
        // is no unique index on the code alone: older installs may hold duplicates).
        // SQLite's write lock already serialises this.
        sqlx::query(
            "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(hashtext('assent entry point codes'))) AS l",
        )
        .execute(&mut *w)
        .await
        .map_err(anyhow::Error::from)?;
    }
    let created = create_in(&mut w, number, new).await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "entry_point.created",
            target: &target(&created.code),
            detail: &detail(&created),
        },
    )
    .await?;
    w.commit().await.map_err(anyhow::Error::from)?;
    Ok(created)
}

/// How the audit log names an entry point.
fn target(code: &str) -> String {
    format!("entry_point:{code}")
}

/// What the audit log keeps of an entry point's settings (marketing words, no
/// person).
fn detail(ep: &EntryPoint) -> String {
    format!(
        "name {:?}; categories {}; language {}; prefilled text {:?}",
        ep.name,
        ep.categories.to_stored(),
        ep.language.code(),
        ep.prefilled_text
    )
}

/// A code as it is written: 3 to 32 letters, digits, `-` or `_` (it travels in
/// the prefilled text and in the public links' paths).
pub fn check_code(raw: &str) -> Result<String, EntryPointError> {
    let code = raw.trim().to_owned();
    if !(3..=32).contains(&code.len())
        || !code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(
            "code",
            "must be 3 to 32 letters, digits, '-' or '_' (it goes into the prefilled text)",
        ));
    }
    Ok(code)
}

/// The text a person's chat opens with: what the marketer wrote (else "Hello!"),
/// with the code added when the text does not carry it already, since the code
/// in the first message is how the chat is attributed.
pub fn prefilled(code: &str, typed: Option<&str>) -> Result<String, EntryPointError> {
    let text = typed
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or("Hello!")
        .to_owned();
    let text = if text.contains(code) {
        text
    } else {
        format!("{text} ({code})")
    };
    if text.chars().count() > 500 || text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(
            "prefilled_text",
            "must be at most 500 characters, without control characters",
        ));
    }
    Ok(text)
}

/// The wa.me link an entry point with this code and typed text would have: what
/// a form shows before it is saved.
pub fn preview(
    number: &BusinessNumber,
    code: &str,
    typed: Option<&str>,
) -> Result<String, EntryPointError> {
    let code = check_code(code)?;
    Ok(wa_me_url(number, &prefilled(&code, typed)?))
}

async fn check(
    conn: &mut AnyConnection,
    code: &str,
    name: &str,
    categories: &[String],
    prefilled_text: Option<&str>,
    language: Option<&str>,
) -> Result<Checked, EntryPointError> {
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "must be 1 to 100 characters, without control characters",
        ));
    }
    if categories.is_empty() {
        return Err(invalid("categories", "name at least one category"));
    }
    let mut names = Vec::new();
    for (n, raw) in categories.iter().enumerate() {
        let field = "categories";
        let parsed = CategoryName::parse(raw).map_err(|e| invalid(field, format!("[{n}] {e}")))?;
        if categories::find(conn, &parsed).await?.is_none() {
            return Err(invalid(field, format!("[{n}] unknown category \"{raw}\"")));
        }
        names.push(parsed);
    }
    let language = match language {
        None => Locale::En,
        Some(raw) => Locale::parse(raw).map_err(|e| invalid("language", e))?,
    };
    Ok(Checked {
        name,
        categories: CategoryList::new(names),
        prefilled_text: prefilled(code, prefilled_text)?,
        language,
    })
}

async fn create_in(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    new: NewEntryPoint,
) -> Result<EntryPoint, EntryPointError> {
    let code = check_code(&new.code)?;
    let checked = check(
        conn,
        &code,
        &new.name,
        &new.categories,
        new.prefilled_text.as_deref(),
        new.language.as_deref(),
    )
    .await?;
    if taken(conn, &code).await? {
        return Err(EntryPointError::Exists(code));
    }
    sqlx::query(
        "INSERT INTO entry_points (business_number_id, code, name, categories, prefilled_text, language, declines, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&number.id)
    .bind(&code)
    .bind(&checked.name)
    .bind(checked.categories.to_stored())
    .bind(&checked.prefilled_text)
    .bind(checked.language.code())
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(anyhow::Error::from)?;
    Ok(find(conn, number, &code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("entry point vanished right after it was made"))?)
}

/// Changes the number's entry point `code` (its counters stay); the audit log
/// names `who` and the settings before and after. `Ok(None)`: no such entry
/// point.
pub async fn update(
    db: &Db,
    who: &Doer,
    number: &BusinessNumber,
    code: &str,
    change: EntryPointChange,
) -> Result<Option<EntryPoint>, EntryPointError> {
    let mut w = db.write().await.map_err(anyhow::Error::from)?;
    let Some(before) = find(&mut w, number, code).await? else {
        return Ok(None);
    };
    let checked = check(
        &mut w,
        &before.code,
        &change.name,
        &change.categories,
        change.prefilled_text.as_deref(),
        change.language.as_deref(),
    )
    .await?;
    sqlx::query(
        "UPDATE entry_points SET name = $1, categories = $2, prefilled_text = $3, language = $4 \
         WHERE business_number_id = $5 AND code = $6",
    )
    .bind(&checked.name)
    .bind(checked.categories.to_stored())
    .bind(&checked.prefilled_text)
    .bind(checked.language.code())
    .bind(&number.id)
    .bind(&before.code)
    .execute(&mut *w)
    .await
    .map_err(anyhow::Error::from)?;
    let after = find(&mut w, number, &before.code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("entry point vanished while it was changed"))?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "entry_point.changed",
            target: &target(&after.code),
            detail: &format!("was: {}; now: {}", detail(&before), detail(&after)),
        },
    )
    .await?;
    w.commit().await.map_err(anyhow::Error::from)?;
    Ok(Some(after))
}

const COLUMNS: &str = "code, name, categories, prefilled_text, language, declines, visits, \
     chats_started, accepted, created_at";

/// Whether any number has an entry point with this code.
async fn taken(conn: &mut AnyConnection, code: &str) -> anyhow::Result<bool> {
    let found: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM entry_points WHERE code = $1 LIMIT 1")
            .bind(code)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

pub async fn find(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    code: &str,
) -> anyhow::Result<Option<EntryPoint>> {
    let sql =
        format!("SELECT {COLUMNS} FROM entry_points WHERE business_number_id = $1 AND code = $2");
    let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&number.id)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|r| r.into_entry_point(number)))
}

pub async fn list(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
) -> anyhow::Result<Vec<EntryPoint>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM entry_points WHERE business_number_id = $1 ORDER BY created_at, code"
    );
    let rows: Vec<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&number.id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| r.into_entry_point(number))
        .collect())
}

/// The entry point whose code the text contains (longest code first, so ABC-2 wins
/// over ABC).
pub async fn named_in(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    text: &str,
) -> anyhow::Result<Option<EntryPoint>> {
    let mut all = list(conn, number).await?;
    all.sort_by_key(|e| std::cmp::Reverse(e.code.len()));
    Ok(all.into_iter().find(|e| text.contains(&e.code)))
}

/// Moves one anonymous counter of the number's entry point `code`. Without an
/// entry point only a decline is counted, on the number itself; the rest have
/// nothing to count on.
pub async fn count(
    conn: &mut AnyConnection,
    business_number_id: &str,
    code: Option<&str>,
    counter: Counter,
) -> anyhow::Result<()> {
    let column = counter.column();
    match (code, counter) {
        (Some(code), _) => {
            let moved = sqlx::query(sqlx::AssertSqlSafe(format!(
                "UPDATE entry_points SET {column} = {column} + 1 WHERE business_number_id = $1 AND code = $2"
            )))
            .bind(business_number_id)
            .bind(code.to_owned())
            .execute(&mut *conn)
            .await?;
            // The day's count too, so that the entry point's page reads days.
            if moved.rows_affected() > 0 {
                days::note(conn, business_number_id, code, column).await?;
            }
        }
        (None, Counter::Declined) => {
            sqlx::query("UPDATE business_numbers SET declines = declines + 1 WHERE id = $1")
                .bind(business_number_id)
                .execute(&mut *conn)
                .await?;
        }
        (None, _) => {}
    }
    Ok(())
}

/// The entry point a public link names, with its number: codes are unique, but an
/// install from before they were may hold one twice, and then the oldest answers.
pub async fn public(db: &Db, code: &str) -> anyhow::Result<Option<(BusinessNumber, EntryPoint)>> {
    let mut conn = db.pool.acquire().await?;
    let owner: Option<(String,)> = sqlx::query_as(
        "SELECT business_number_id FROM entry_points WHERE code = $1 \
         ORDER BY created_at, business_number_id LIMIT 1",
    )
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((number_id,)) = owner else {
        return Ok(None);
    };
    let Some(number) = numbers::by_id(&mut conn, &number_id).await? else {
        return Ok(None);
    };
    Ok(find(&mut conn, &number, code).await?.map(|ep| (number, ep)))
}

/// A hit of the tracking link: counts the visit (nothing else: no address, no
/// cookie, no time) and returns the wa.me link to send the visitor on to.
pub async fn visit(db: &Db, code: &str) -> anyhow::Result<Option<String>> {
    let Some((number, ep)) = public(db, code).await? else {
        return Ok(None);
    };
    let mut w = db.write().await?;
    count(&mut w, &number.id, Some(&ep.code), Counter::Visit).await?;
    w.commit().await?;
    Ok(Some(ep.wa_me_url))
}

/// A number's entry points, oldest first.
pub async fn of_number(db: &Db, number: &BusinessNumber) -> anyhow::Result<Vec<EntryPoint>> {
    list(&mut *db.pool.acquire().await?, number).await
}

/// Every number's entry points, with their number, oldest first.
pub async fn every(db: &Db) -> anyhow::Result<Vec<(BusinessNumber, EntryPoint)>> {
    let mut conn = db.pool.acquire().await?;
    let mut out = Vec::new();
    for number in numbers::all(&mut conn).await? {
        for ep in list(&mut conn, &number).await? {
            out.push((number.clone(), ep));
        }
    }
    out.sort_by(|a, b| (a.1.created_at, &a.1.code).cmp(&(b.1.created_at, &b.1.code)));
    Ok(out)
}

pub async fn by_code(
    db: &Db,
    number: &BusinessNumber,
    code: &str,
) -> anyhow::Result<Option<EntryPoint>> {
    find(&mut *db.pool.acquire().await?, number, code).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_is_accepted_over_chats_started() {
        assert_eq!(Stats::new(10, 0, 0, 0).conversion, 0.0);
        assert_eq!(Stats::new(10, 4, 1, 2).conversion, 0.25);
        assert_eq!(Stats::new(0, 3, 2, 1).conversion, 0.6667);
        assert_eq!(Stats::new(0, 2, 2, 0).conversion, 1.0);
    }
}
