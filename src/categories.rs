//! Consent categories: data, not code. A fresh install has order_updates (utility),
//! offers and product_news (marketing).

use crate::domain::{CategoryKind, CategoryName};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: CategoryName,
    pub kind: CategoryKind,
    pub title: String,
    /// What a person may say after STOP for this category, besides its name and
    /// title.
    pub keywords: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    name: String,
    kind: String,
    title: String,
    keywords: String,
}

impl Row {
    fn into_category(self) -> anyhow::Result<Category> {
        Ok(Category {
            name: CategoryName::parse(&self.name)
                .map_err(|e| anyhow::anyhow!("stored category {:?} {e}", self.name))?,
            kind: CategoryKind::parse(&self.kind)
                .map_err(|e| anyhow::anyhow!("stored kind {:?} {e}", self.kind))?,
            title: self.title,
            keywords: split_keywords(&self.keywords),
        })
    }
}

pub async fn all(conn: &mut AnyConnection) -> anyhow::Result<Vec<Category>> {
    let rows: Vec<Row> =
        sqlx::query_as("SELECT name, kind, title, keywords FROM categories ORDER BY name")
            .fetch_all(&mut *conn)
            .await?;
    rows.into_iter().map(Row::into_category).collect()
}

pub async fn find(
    conn: &mut AnyConnection,
    name: &CategoryName,
) -> anyhow::Result<Option<Category>> {
    let row: Option<Row> =
        sqlx::query_as("SELECT name, kind, title, keywords FROM categories WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    row.map(Row::into_category).transpose()
}

/// Every category, by name.
pub async fn list(db: &crate::db::Db) -> anyhow::Result<Vec<Category>> {
    all(&mut *db.pool.acquire().await?).await
}

/// A category as a person reads it: its title and what it covers, in their
/// language (else English, else its title).
#[derive(Debug, Clone, Serialize)]
pub struct Described {
    pub name: CategoryName,
    pub kind: CategoryKind,
    pub title: String,
    pub description: String,
}

/// Every category, described in `locale`.
pub async fn described(
    conn: &mut AnyConnection,
    locale: crate::domain::Locale,
) -> anyhow::Result<Vec<Described>> {
    let texts: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT category, language, title, description FROM category_texts WHERE language IN ($1, 'en')",
    )
    .bind(locale.code())
    .fetch_all(&mut *conn)
    .await?;
    let text = |name: &str| {
        let of = |lang: &str| {
            texts
                .iter()
                .find(|(c, l, _, _)| c == name && l == lang)
                .map(|(_, _, t, d)| (t.clone(), d.clone()))
        };
        of(locale.code()).or_else(|| of("en"))
    };
    Ok(all(conn)
        .await?
        .into_iter()
        .map(|c| {
            let (title, description) = text(c.name.as_str()).unwrap_or((c.title, String::new()));
            Described {
                name: c.name,
                kind: c.kind,
                title,
                description,
            }
        })
        .collect())
}

/// A category's title and description in one language, as staff write them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text {
    pub title: String,
    pub description: String,
}

/// A category as staff set it: its kind, and its words per language (`Locale::ALL`
/// order). English is required: it is the fallback of every other language.
#[derive(Debug, Clone)]
pub struct Definition {
    pub kind: CategoryKind,
    pub texts: Vec<(crate::domain::Locale, Text)>,
    /// Words for "STOP <word>", as typed (comma-separated).
    pub keywords: String,
}

pub const MAX_KEYWORDS: usize = 10;
pub const MAX_KEYWORD: usize = 30;

/// The keywords of a comma-separated list, trimmed, empty ones left out.
pub fn split_keywords(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|k| k.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|k| !k.is_empty())
        .collect()
}

/// What is wrong with a list of keywords, in words shown after the field's name.
pub fn check_keywords(raw: &str) -> Option<String> {
    let words = split_keywords(raw);
    if words.len() > MAX_KEYWORDS {
        return Some(format!("may be at most {MAX_KEYWORDS} words"));
    }
    words
        .iter()
        .any(|w| w.chars().count() > MAX_KEYWORD || !w.chars().all(|c| c.is_alphanumeric() || c == ' ' || c == '_' || c == '-'))
        .then(|| format!("must be words of letters and digits, each at most {MAX_KEYWORD} characters, separated by commas"))
}

pub const MAX_TITLE: usize = 80;
pub const MAX_DESCRIPTION: usize = 500;

/// What is wrong with a definition, per field (`title_en`, `description_es`, …),
/// in words the console shows after the field's name.
pub fn check(texts: &[(crate::domain::Locale, Text)]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    for (locale, text) in texts {
        let code = locale.code();
        let title = text.title.trim();
        let description = text.description.trim();
        if title.is_empty() && (*locale == crate::domain::Locale::En || !description.is_empty()) {
            problems.push((format!("title_{code}"), "is needed".to_owned()));
        }
        if title.chars().count() > MAX_TITLE || title.chars().any(char::is_control) {
            problems.push((
                format!("title_{code}"),
                format!("must be at most {MAX_TITLE} characters on one line"),
            ));
        }
        if description.chars().count() > MAX_DESCRIPTION {
            problems.push((
                format!("description_{code}"),
                format!("must be at most {MAX_DESCRIPTION} characters"),
            ));
        }
    }
    problems
}

/// The words of a category per language, as stored (languages without any are
/// absent).
pub async fn texts(db: &crate::db::Db, name: &CategoryName) -> anyhow::Result<Vec<(String, Text)>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT language, title, description FROM category_texts WHERE category = $1 ORDER BY language",
    )
    .bind(name.as_str())
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(language, title, description)| (language, Text { title, description }))
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error("a category named {0} exists already")]
    Exists(String),
    #[error("no category named {0}")]
    Missing(String),
    #[error("{}", .0.iter().map(|(f, p)| format!("{f} {p}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(String, String)>),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SaveError {
    fn from(e: sqlx::Error) -> Self {
        Self::Other(e.into())
    }
}

async fn write_texts(
    conn: &mut AnyConnection,
    name: &CategoryName,
    texts: &[(crate::domain::Locale, Text)],
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM category_texts WHERE category = $1")
        .bind(name.as_str())
        .execute(&mut *conn)
        .await?;
    for (locale, text) in texts.iter().filter(|(_, t)| !t.title.trim().is_empty()) {
        sqlx::query(
            "INSERT INTO category_texts (category, language, title, description) VALUES ($1, $2, $3, $4)",
        )
        .bind(name.as_str())
        .bind(locale.code())
        .bind(text.title.trim())
        .bind(text.description.trim())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn problems_of(definition: &Definition) -> Vec<(String, String)> {
    let mut problems = check(&definition.texts);
    problems.extend(check_keywords(&definition.keywords).map(|p| ("keywords".to_owned(), p)));
    problems
}

fn english(texts: &[(crate::domain::Locale, Text)]) -> String {
    texts
        .iter()
        .find(|(l, _)| *l == crate::domain::Locale::En)
        .map(|(_, t)| t.title.trim().to_owned())
        .unwrap_or_default()
}

/// Adds a category, audited. Its English title is also its title everywhere a
/// language is not chosen (and a keyword after STOP).
pub async fn create(
    db: &crate::db::Db,
    who: &crate::audit::Doer,
    name: &CategoryName,
    definition: &Definition,
) -> Result<(), SaveError> {
    let problems = problems_of(definition);
    if !problems.is_empty() {
        return Err(SaveError::Invalid(problems));
    }
    let mut w = db.write().await?;
    let added = sqlx::query(
        "INSERT INTO categories (name, kind, title, keywords, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name.as_str())
    .bind(definition.kind.as_str())
    .bind(english(&definition.texts))
    .bind(split_keywords(&definition.keywords).join(", "))
    .bind(crate::db::now_ms())
    .execute(&mut *w)
    .await?
    .rows_affected();
    if added == 0 {
        return Err(SaveError::Exists(name.to_string()));
    }
    write_texts(&mut w, name, &definition.texts).await?;
    crate::audit::record(
        &mut w,
        who,
        crate::audit::Entry {
            action: "category.created",
            target: &format!("category:{name}"),
            detail: definition.kind.as_str(),
        },
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Changes a category's kind and words, audited. Its name stays: the ledger,
/// templates and forms name it.
pub async fn update(
    db: &crate::db::Db,
    who: &crate::audit::Doer,
    name: &CategoryName,
    definition: &Definition,
) -> Result<(), SaveError> {
    let problems = problems_of(definition);
    if !problems.is_empty() {
        return Err(SaveError::Invalid(problems));
    }
    let mut w = db.write().await?;
    let Some(before) = find(&mut w, name).await? else {
        return Err(SaveError::Missing(name.to_string()));
    };
    sqlx::query("UPDATE categories SET kind = $1, title = $2, keywords = $3 WHERE name = $4")
        .bind(definition.kind.as_str())
        .bind(english(&definition.texts))
        .bind(split_keywords(&definition.keywords).join(", "))
        .bind(name.as_str())
        .execute(&mut *w)
        .await?;
    write_texts(&mut w, name, &definition.texts).await?;
    let detail = if before.kind == definition.kind {
        "texts".to_owned()
    } else {
        format!(
            "kind {} to {}",
            before.kind.as_str(),
            definition.kind.as_str()
        )
    };
    crate::audit::record(
        &mut w,
        who,
        crate::audit::Entry {
            action: "category.changed",
            target: &format!("category:{name}"),
            detail: &detail,
        },
    )
    .await?;
    w.commit().await?;
    Ok(())
}
