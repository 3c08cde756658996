//! WhatsApp message templates (Meta's approved templates, not the web pages'
//! askama templates) and the consent category each one needs.

use crate::audit::{self, Doer, Entry};
use crate::categories::{self, Category};
use crate::db::{Db, new_id, now_ms};
use crate::domain::{CategoryKind, CategoryName, Language, TemplateName};
use crate::providers::MetaTemplate;
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

    /// The kind of consent category Meta's category asks for.
    pub fn kind(self) -> CategoryKind {
        match self {
            Self::Marketing => CategoryKind::Marketing,
            Self::Utility => CategoryKind::Utility,
            Self::Authentication => CategoryKind::Authentication,
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
    #[serde(skip)]
    pub business_number_id: String,
}

impl Template {
    pub fn consent_kind(&self) -> Option<CategoryKind> {
        self.consent_kind
            .as_deref()
            .and_then(|k| CategoryKind::parse(k).ok())
    }
}

const SELECT: &str = "SELECT t.id, t.name, t.language, t.meta_category, t.consent_category, c.kind AS consent_kind, \
     t.business_number_id \
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
    if !fits(Some(meta_category), category.kind) {
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

/// The number's templates named any of `names`, in every language: one read.
pub async fn named(
    conn: &mut AnyConnection,
    business_number_id: &str,
    names: &[&str],
) -> anyhow::Result<Vec<Template>> {
    let mut found = Vec::new();
    for chunk in names.chunks(crate::db::ROWS_PER_STATEMENT) {
        let sql = format!(
            "{SELECT} WHERE t.business_number_id = $1 AND t.name IN ({})",
            crate::db::value_list(2, chunk.len())
        );
        let mut read =
            sqlx::query_as::<_, Template>(sqlx::AssertSqlSafe(sql)).bind(business_number_id);
        for name in chunk {
            read = read.bind(*name);
        }
        found.extend(read.fetch_all(&mut *conn).await?);
    }
    Ok(found)
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

/// Whether a consent category of `kind` may carry a template of Meta's
/// category: a MARKETING template needs a marketing category (Meta's marketing
/// stop withdraws exactly those); other templates may use any kind.
pub fn fits(meta_category: Option<MetaCategory>, kind: CategoryKind) -> bool {
    meta_category != Some(MetaCategory::Marketing) || kind == CategoryKind::Marketing
}

/// The category proposed for a template of Meta's category: the first (by
/// name) of the matching kind; none for a category Meta added that Assent does
/// not know, or when no category of the kind exists.
pub fn propose<'a>(meta_category: &str, categories: &'a [Category]) -> Option<&'a Category> {
    let kind = MetaCategory::parse(meta_category)?.kind();
    categories.iter().find(|c| c.kind == kind)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Template>> {
    let sql = format!("{SELECT} WHERE t.id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

#[derive(Debug, thiserror::Error)]
pub enum MapError {
    #[error("no such template")]
    NotFound,
    #[error("consent_category {0:?} does not exist")]
    UnknownCategory(String),
    #[error("a MARKETING template needs a marketing consent category; {0:?} is {1}")]
    KindMismatch(String, &'static str),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for MapError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Maps a template to a consent category (replacing the one it had), audited.
pub async fn map(
    db: &Db,
    who: &Doer,
    id: &str,
    consent_category: &CategoryName,
) -> Result<Template, MapError> {
    let mut w = db.write().await?;
    let template = by_id(&mut w, id).await?.ok_or(MapError::NotFound)?;
    let category = categories::find(&mut w, consent_category)
        .await?
        .ok_or_else(|| MapError::UnknownCategory(consent_category.to_string()))?;
    if !fits(MetaCategory::parse(&template.meta_category), category.kind) {
        return Err(MapError::KindMismatch(
            consent_category.to_string(),
            category.kind.as_str(),
        ));
    }
    if template.consent_category.as_deref() == Some(consent_category.as_str()) {
        return Ok(template);
    }
    sqlx::query("UPDATE templates SET consent_category = $1 WHERE id = $2")
        .bind(consent_category.as_str())
        .bind(id)
        .execute(&mut *w)
        .await?;
    let was = template.consent_category.as_deref().unwrap_or("none");
    audit::record(
        &mut w,
        who,
        Entry {
            action: "template.mapped",
            target: &format!("template:{id}"),
            detail: &format!(
                "{} ({}): consent category {was} → {consent_category}",
                template.name, template.language
            ),
        },
    )
    .await?;
    let mapped = by_id(&mut w, id).await?.ok_or(MapError::NotFound)?;
    w.commit().await?;
    Ok(mapped)
}

/// Takes a template's consent category away (it can no longer be sent),
/// audited; `None` when there is no such template.
pub async fn unmap(db: &Db, who: &Doer, id: &str) -> anyhow::Result<Option<Template>> {
    let mut w = db.write().await?;
    let Some(template) = by_id(&mut w, id).await? else {
        return Ok(None);
    };
    let Some(was) = &template.consent_category else {
        return Ok(Some(template));
    };
    sqlx::query("UPDATE templates SET consent_category = NULL WHERE id = $1")
        .bind(id)
        .execute(&mut *w)
        .await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "template.unmapped",
            target: &format!("template:{id}"),
            detail: &format!(
                "{} ({}): consent category {was} → none",
                template.name, template.language
            ),
        },
    )
    .await?;
    let unmapped = by_id(&mut w, id).await?;
    w.commit().await?;
    Ok(unmapped)
}

/// What an import from Meta did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Added with the category proposed by Meta's category.
    pub mapped: usize,
    /// Added without a category: Meta's category is one Assent does not know,
    /// or no consent category of its kind exists.
    pub unmapped: usize,
    /// Approved, and registered here already (left as they were).
    pub known: usize,
    /// Not approved (pending, rejected, paused…): not imported.
    pub not_approved: usize,
    /// A name or language Assent cannot use: not imported.
    pub unusable: usize,
}

/// Adds the number's approved templates that are not registered yet, each
/// with the consent category `propose` gives (or none); audited as one entry.
pub async fn import(
    db: &Db,
    who: &Doer,
    business_number_id: &str,
    listed: &[MetaTemplate],
) -> anyhow::Result<Imported> {
    let mut w = db.write().await?;
    let all = categories::all(&mut w).await?;
    let mut done = Imported::default();
    for t in listed {
        if t.status != "APPROVED" {
            done.not_approved += 1;
            continue;
        }
        let (Ok(name), Ok(language)) = (TemplateName::parse(&t.name), Language::parse(&t.language))
        else {
            done.unusable += 1;
            continue;
        };
        let category = propose(&t.category, &all).map(|c| c.name.as_str());
        let inserted = sqlx::query(
            "INSERT INTO templates (id, business_number_id, name, language, meta_category, consent_category, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (business_number_id, name, language) DO NOTHING",
        )
        .bind(new_id())
        .bind(business_number_id)
        .bind(name.as_str())
        .bind(language.as_str())
        .bind(&t.category)
        .bind(category)
        .bind(now_ms())
        .execute(&mut *w)
        .await?;
        match (inserted.rows_affected(), category) {
            (0, _) => done.known += 1,
            (_, Some(_)) => done.mapped += 1,
            (_, None) => done.unmapped += 1,
        }
    }
    audit::record(
        &mut w,
        who,
        Entry {
            action: "templates.imported",
            target: &format!("number:{business_number_id}"),
            detail: &format!(
                "from Meta: {} added with a proposed category, {} added without one, {} already here, \
                 {} not approved, {} unusable",
                done.mapped, done.unmapped, done.known, done.not_approved, done.unusable
            ),
        },
    )
    .await?;
    w.commit().await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(name: &str, kind: CategoryKind) -> Category {
        Category {
            name: CategoryName::parse(name).unwrap(),
            kind,
            title: name.to_owned(),
            keywords: Vec::new(),
        }
    }

    #[test]
    fn meta_categories_propose_a_consent_category_of_their_kind() {
        let all = [
            category("offers", CategoryKind::Marketing),
            category("order_updates", CategoryKind::Utility),
            category("product_news", CategoryKind::Marketing),
        ];
        let proposed = |meta| propose(meta, &all).map(|c| c.name.to_string());
        assert_eq!(proposed("MARKETING").as_deref(), Some("offers"));
        assert_eq!(proposed("UTILITY").as_deref(), Some("order_updates"));
        assert_eq!(proposed("AUTHENTICATION"), None, "no such kind here");
        assert_eq!(proposed("SERVICE"), None, "a category Meta added later");
    }

    #[test]
    fn only_marketing_templates_are_held_to_their_kind() {
        use CategoryKind::*;
        assert!(fits(Some(MetaCategory::Marketing), Marketing));
        assert!(!fits(Some(MetaCategory::Marketing), Utility));
        assert!(fits(Some(MetaCategory::Utility), Marketing));
        assert!(fits(None, Utility));
    }
}
