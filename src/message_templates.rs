//! WhatsApp message templates (Meta's approved templates, not the web pages'
//! askama templates) and the consent category each one needs.

use crate::categories;
use crate::db::{Db, new_id, now_ms};
use crate::domain::{CategoryKind, CategoryName, Language, TemplateName};
use serde::Serialize;
use sqlx::AnyConnection;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MetaCategory {
    Marketing,
    Utility,
    Authentication,
}

impl MetaCategory {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "MARKETING" => Some(Self::Marketing),
            "UTILITY" => Some(Self::Utility),
            "AUTHENTICATION" => Some(Self::Authentication),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Marketing => "MARKETING",
            Self::Utility => "UTILITY",
            Self::Authentication => "AUTHENTICATION",
        }
    }
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Template {
    pub id: String,
    pub name: String,
    pub language: String,
    #[serde(rename = "category")]
    pub meta_category: String,
    pub consent_category: Option<String>,
    #[serde(skip)]
    pub consent_kind: Option<String>,
}

impl Template {
    pub fn consent_kind(&self) -> Option<CategoryKind> {
        self.consent_kind
            .as_deref()
            .and_then(|k| CategoryKind::parse(k).ok())
    }
}

const SELECT: &str = "SELECT t.id, t.name, t.language, t.meta_category, t.consent_category, c.kind AS consent_kind \
     FROM templates t LEFT JOIN categories c ON c.name = t.consent_category";

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("consent_category {0:?} does not exist")]
    UnknownCategory(String),
    #[error("a MARKETING template needs a marketing consent category; {0:?} is {1}")]
    KindMismatch(String, &'static str),
    #[error("template {0:?} in language {1:?} is already registered for this number")]
    Exists(String, String),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

pub async fn register(
    db: &Db,
    business_number_id: &str,
    name: &TemplateName,
    language: &Language,
    meta_category: MetaCategory,
    consent_category: &CategoryName,
) -> Result<Template, RegisterError> {
    let mut w = db.write().await.map_err(anyhow::Error::from)?;
    let conn: &mut AnyConnection = &mut w;
    let language = language.as_str();
    let category = categories::find(conn, consent_category)
        .await?
        .ok_or_else(|| RegisterError::UnknownCategory(consent_category.to_string()))?;
    if meta_category == MetaCategory::Marketing && category.kind != CategoryKind::Marketing {
        return Err(RegisterError::KindMismatch(
            consent_category.to_string(),
            category.kind.as_str(),
        ));
    }
    let inserted = sqlx::query(
        "INSERT INTO templates (id, business_number_id, name, language, meta_category, consent_category, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (business_number_id, name, language) DO NOTHING",
    )
    .bind(new_id())
    .bind(business_number_id)
    .bind(name.as_str())
    .bind(language)
    .bind(meta_category.as_str())
    .bind(consent_category.as_str())
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(anyhow::Error::from)?;
    if inserted.rows_affected() == 0 {
        return Err(RegisterError::Exists(name.to_string(), language.to_owned()));
    }
    let registered = find(conn, business_number_id, name.as_str(), language)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the template vanished right after it was registered"))?;
    w.commit().await.map_err(anyhow::Error::from)?;
    Ok(registered)
}

pub async fn find(
    conn: &mut AnyConnection,
    business_number_id: &str,
    name: &str,
    language: &str,
) -> anyhow::Result<Option<Template>> {
    let sql =
        format!("{SELECT} WHERE t.business_number_id = $1 AND t.name = $2 AND t.language = $3");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .bind(name)
        .bind(language)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn list(
    conn: &mut AnyConnection,
    business_number_id: &str,
) -> anyhow::Result<Vec<Template>> {
    let sql = format!("{SELECT} WHERE t.business_number_id = $1 ORDER BY t.name, t.language");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(business_number_id)
        .fetch_all(&mut *conn)
        .await?)
}

/// A number's templates, by name and language.
pub async fn of_number(db: &Db, business_number_id: &str) -> anyhow::Result<Vec<Template>> {
    list(&mut *db.pool.acquire().await?, business_number_id).await
}
