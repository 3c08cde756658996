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
}

#[derive(sqlx::FromRow)]
struct Row {
    name: String,
    kind: String,
    title: String,
}

impl Row {
    fn into_category(self) -> anyhow::Result<Category> {
        Ok(Category {
            name: CategoryName::parse(&self.name)
                .map_err(|e| anyhow::anyhow!("stored category {:?} {e}", self.name))?,
            kind: CategoryKind::parse(&self.kind)
                .map_err(|e| anyhow::anyhow!("stored kind {:?} {e}", self.kind))?,
            title: self.title,
        })
    }
}

pub async fn all(conn: &mut AnyConnection) -> anyhow::Result<Vec<Category>> {
    let rows: Vec<Row> = sqlx::query_as("SELECT name, kind, title FROM categories ORDER BY name")
        .fetch_all(&mut *conn)
        .await?;
    rows.into_iter().map(Row::into_category).collect()
}

pub async fn find(
    conn: &mut AnyConnection,
    name: &CategoryName,
) -> anyhow::Result<Option<Category>> {
    let row: Option<Row> =
        sqlx::query_as("SELECT name, kind, title FROM categories WHERE name = $1")
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
