//! Entry points (SPEC §6): a marketer's wa.me link with a prefilled text that
//! carries a reference code, the categories it asks for, and its anonymous decline
//! count. A person's first message that contains the code is attributed to it.

use crate::categories;
use crate::db::{Db, now_ms};
use crate::domain::{CategoryList, CategoryName, Locale};
use crate::numbers::BusinessNumber;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
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
    pub declines: i64,
    pub created_at: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct Row {
    code: String,
    name: String,
    categories: String,
    prefilled_text: String,
    language: String,
    declines: i64,
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
            created_at: self.created_at,
        }
    }
}

/// `https://wa.me/<digits>?text=<text>`: digits only, as WhatsApp requires, and
/// the text percent-encoded (spaces as %20, which every WhatsApp client reads).
pub fn wa_me_url(number: &BusinessNumber, text: &str) -> String {
    format!(
        "https://wa.me/{}?text={}",
        number.display_digits(),
        utf8_percent_encode(text, NON_ALPHANUMERIC)
    )
}

pub struct NewEntryPoint {
    pub code: String,
    pub name: String,
    pub categories: Vec<String>,
    pub prefilled_text: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum EntryPointError {
    #[error("{0}: {1}")]
    Invalid(&'static str, String),
    #[error("an entry point with code {0:?} already exists for this number")]
    Exists(String),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

fn invalid(field: &'static str, problem: impl Into<String>) -> EntryPointError {
    EntryPointError::Invalid(field, problem.into())
}

pub async fn create(
    db: &Db,
    number: &BusinessNumber,
    new: NewEntryPoint,
) -> Result<EntryPoint, EntryPointError> {
    let mut w = db.write().await.map_err(anyhow::Error::from)?;
    let created = create_in(&mut w, number, new).await?;
    w.commit().await.map_err(anyhow::Error::from)?;
    Ok(created)
}

async fn create_in(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    new: NewEntryPoint,
) -> Result<EntryPoint, EntryPointError> {
    let code = new.code.trim().to_owned();
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
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(invalid(
            "name",
            "must be 1 to 100 characters, without control characters",
        ));
    }
    if new.categories.is_empty() {
        return Err(invalid("categories", "name at least one category"));
    }
    let mut names = Vec::new();
    for (n, raw) in new.categories.iter().enumerate() {
        let field = "categories";
        let parsed = CategoryName::parse(raw).map_err(|e| invalid(field, format!("[{n}] {e}")))?;
        if categories::find(conn, &parsed).await?.is_none() {
            return Err(invalid(field, format!("[{n}] unknown category \"{raw}\"")));
        }
        names.push(parsed);
    }
    let names = CategoryList::new(names);
    let language = match new.language.as_deref() {
        None => Locale::En,
        Some(raw) => Locale::parse(raw).map_err(|e| invalid("language", e))?,
    };
    let text = new
        .prefilled_text
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "Hello!".into());
    // The code must travel in the text: that is how the first message is attributed.
    let text = if text.contains(&code) {
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
    if find(conn, number, &code).await?.is_some() {
        return Err(EntryPointError::Exists(code));
    }
    sqlx::query(
        "INSERT INTO entry_points (business_number_id, code, name, categories, prefilled_text, language, declines, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 0, $7) ON CONFLICT DO NOTHING",
    )
    .bind(&number.id)
    .bind(&code)
    .bind(&name)
    .bind(names.to_stored())
    .bind(&text)
    .bind(language.code())
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(anyhow::Error::from)?;
    Ok(find(conn, number, &code)
        .await?
        .ok_or_else(|| anyhow::anyhow!("entry point vanished right after it was made"))?)
}

const COLUMNS: &str = "code, name, categories, prefilled_text, language, declines, created_at";

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

/// Counts a decline, anonymously: on the entry point, or on the number when the
/// person came through none.
pub async fn count_decline(
    conn: &mut AnyConnection,
    business_number_id: &str,
    code: Option<&str>,
) -> anyhow::Result<()> {
    match code {
        Some(code) => sqlx::query(
            "UPDATE entry_points SET declines = declines + 1 WHERE business_number_id = $1 AND code = $2",
        )
        .bind(business_number_id)
        .bind(code),
        None => sqlx::query("UPDATE business_numbers SET declines = declines + 1 WHERE id = $1")
            .bind(business_number_id),
    }
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A number's entry points, oldest first.
pub async fn of_number(db: &Db, number: &BusinessNumber) -> anyhow::Result<Vec<EntryPoint>> {
    list(&mut *db.pool.acquire().await?, number).await
}

pub async fn by_code(
    db: &Db,
    number: &BusinessNumber,
    code: &str,
) -> anyhow::Result<Option<EntryPoint>> {
    find(&mut *db.pool.acquire().await?, number, code).await
}
