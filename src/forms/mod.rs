//! Opt-in forms (SPEC §5): a public page per form, with the categories it offers,
//! its notice, single or double opt-in and the welcome template. A form's notice is
//! versioned: a changed text is a new version (kept with the notices, in every
//! language the form has), and the ledger names the version each person saw.
//! `settings` checks what a business asks for; this module reads and writes it.

mod figures;
mod settings;

pub use figures::{Figures, figures};
pub use settings::{FormChange, FormError, NewForm, Texts, Welcome, create, update};

use crate::db::Db;
use crate::domain::{CategoryList, Language, Locale, TemplateName};
use crate::notices;
use crate::numbers::BusinessNumber;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Form {
    #[serde(skip)]
    pub id: String,
    #[serde(skip)]
    pub business_number_id: String,
    pub slug: String,
    /// The language the form was written in; its other languages are translations.
    pub language: Locale,
    pub categories: CategoryList,
    pub double_opt_in: bool,
    pub welcome_template: Welcome,
    /// Origins allowed to show the form in a frame (none: nobody may).
    pub frame_ancestors: Vec<String>,
    pub notice_version: i64,
    /// Title and notice per language, the form's own first.
    pub texts: BTreeMap<Locale, FormText>,
    pub stats: FormStats,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A form's words in one language, at the current notice version.
#[derive(Debug, Clone, Serialize)]
pub struct FormText {
    pub title: String,
    pub notice: String,
    #[serde(skip)]
    pub notice_id: String,
    pub notice_sha256: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FormStats {
    pub views: i64,
    pub submissions: i64,
    pub confirmations: i64,
    pub expiries: i64,
}

impl Form {
    /// The words for `locale`, else the form's own language.
    pub fn text_in(&self, locale: Locale) -> (Locale, &FormText) {
        match self.texts.get(&locale) {
            Some(t) => (locale, t),
            None => (self.language, &self.texts[&self.language]),
        }
    }

    /// How the ledger names this form (`source_ref` of its events).
    pub fn source_ref(&self) -> String {
        source_ref(&self.slug)
    }

    /// The notice version label the ledger records.
    pub fn version_label(&self) -> String {
        version_label(&self.slug, self.notice_version)
    }
}

pub fn source_ref(slug: &str) -> String {
    format!("form:{slug}")
}

/// The slug named by a `form:{slug}` source reference.
pub fn slug_of(source_ref: &str) -> Option<&str> {
    source_ref.strip_prefix("form:")
}

/// `{slug}-vN`: never a chat notice's `chat-N`, and the slug and number read back
/// from it unambiguously.
fn version_label(slug: &str, version: i64) -> String {
    format!("{slug}-v{version}")
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    business_number_id: String,
    slug: String,
    language: String,
    categories: String,
    double_opt_in: i64,
    welcome_template: String,
    welcome_language: String,
    frame_ancestors: String,
    notice_version: i64,
    views: i64,
    submissions: i64,
    confirmations: i64,
    expiries: i64,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, business_number_id, slug, language, categories, double_opt_in, welcome_template, \
     welcome_language, frame_ancestors, notice_version, views, submissions, confirmations, expiries, created_at, updated_at";

async fn complete(conn: &mut AnyConnection, row: Row) -> anyhow::Result<Form> {
    let label = version_label(&row.slug, row.notice_version);
    let texts: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT language, COALESCE(title, ''), body, id, sha256 FROM notices WHERE form_id = $1 AND version = $2",
    )
    .bind(&row.id)
    .bind(&label)
    .fetch_all(&mut *conn)
    .await?;
    let texts = texts
        .into_iter()
        .filter_map(|(language, title, notice, notice_id, notice_sha256)| {
            let text = FormText {
                title,
                notice,
                notice_id,
                notice_sha256,
            };
            Locale::parse(&language).ok().map(|l| (l, text))
        })
        .collect::<BTreeMap<_, _>>();
    let language = Locale::parse(&row.language).unwrap_or_default();
    anyhow::ensure!(
        texts.contains_key(&language),
        "form {} has no text in its own language at version {label}",
        row.slug
    );
    Ok(Form {
        id: row.id,
        business_number_id: row.business_number_id,
        language,
        categories: CategoryList::from_stored(&row.categories),
        double_opt_in: row.double_opt_in != 0,
        welcome_template: Welcome {
            name: TemplateName::parse(&row.welcome_template)
                .map_err(|e| anyhow::anyhow!("stored welcome template {e}"))?,
            language: Language::parse(&row.welcome_language)
                .map_err(|e| anyhow::anyhow!("stored welcome language {e}"))?,
        },
        frame_ancestors: row
            .frame_ancestors
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        notice_version: row.notice_version,
        texts,
        stats: FormStats {
            views: row.views,
            submissions: row.submissions,
            confirmations: row.confirmations,
            expiries: row.expiries,
        },
        created_at: row.created_at,
        updated_at: row.updated_at,
        slug: row.slug,
    })
}

async fn find_where(
    conn: &mut AnyConnection,
    condition: &str,
    values: &[&str],
) -> anyhow::Result<Vec<Form>> {
    let sql = format!("SELECT {COLUMNS} FROM forms WHERE {condition} ORDER BY created_at, slug");
    let mut query = sqlx::query_as::<_, Row>(sqlx::AssertSqlSafe(sql));
    for v in values {
        query = query.bind(v.to_string());
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut forms = Vec::with_capacity(rows.len());
    for row in rows {
        forms.push(complete(conn, row).await?);
    }
    Ok(forms)
}

/// The form at `/f/{slug}`, whichever number it belongs to.
pub async fn by_slug(db: &Db, slug: &str) -> anyhow::Result<Option<Form>> {
    let mut conn = db.pool.acquire().await?;
    Ok(find_where(&mut conn, "slug = $1", &[slug]).await?.pop())
}

/// The number's form with this slug.
pub async fn of_number(
    db: &Db,
    number: &BusinessNumber,
    slug: &str,
) -> anyhow::Result<Option<Form>> {
    let mut conn = db.pool.acquire().await?;
    let values = [number.id.as_str(), slug];
    let found = find_where(&mut conn, "business_number_id = $1 AND slug = $2", &values).await?;
    Ok(found.into_iter().next())
}

pub async fn list(db: &Db, number: &BusinessNumber) -> anyhow::Result<Vec<Form>> {
    let mut conn = db.pool.acquire().await?;
    find_where(&mut conn, "business_number_id = $1", &[&number.id]).await
}

/// The welcome template of the form a `form:{slug}` source reference names.
pub async fn welcome_of(
    conn: &mut AnyConnection,
    source_ref: &str,
) -> anyhow::Result<Option<Welcome>> {
    let Some(slug) = slug_of(source_ref) else {
        return Ok(None);
    };
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT welcome_template, welcome_language FROM forms WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.and_then(|(name, language)| {
        Some(Welcome {
            name: TemplateName::parse(&name).ok()?,
            language: Language::parse(&language).ok()?,
        })
    }))
}

/// Writes the texts as notice version `version` of the form.
async fn write_texts(
    conn: &mut AnyConnection,
    form_id: &str,
    business_number_id: &str,
    slug: &str,
    version: i64,
    texts: &BTreeMap<Locale, Texts>,
) -> anyhow::Result<()> {
    let version = version_label(slug, version);
    for (locale, t) in texts {
        notices::insert(
            conn,
            &notices::NewVersion {
                business_number_id,
                locale: *locale,
                version: &version,
                body: &t.notice,
                form: Some((form_id, &t.title)),
            },
        )
        .await?;
    }
    Ok(())
}

/// Which counter a form event moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    Views,
    Submissions,
    Confirmations,
    Expiries,
}

/// Counts one more view, submission, confirmation or expiry, anonymously.
pub async fn count(conn: &mut AnyConnection, slug: &str, counter: Counter) -> anyhow::Result<()> {
    let sql = match counter {
        Counter::Views => "UPDATE forms SET views = views + 1 WHERE slug = $1",
        Counter::Submissions => "UPDATE forms SET submissions = submissions + 1 WHERE slug = $1",
        Counter::Confirmations => {
            "UPDATE forms SET confirmations = confirmations + 1 WHERE slug = $1"
        }
        Counter::Expiries => "UPDATE forms SET expiries = expiries + 1 WHERE slug = $1",
    };
    sqlx::query(sql).bind(slug).execute(&mut *conn).await?;
    Ok(())
}

/// Counts a view of the form's page.
pub async fn viewed(db: &Db, slug: &str) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    count(&mut w, slug, Counter::Views).await?;
    w.commit().await?;
    Ok(())
}
