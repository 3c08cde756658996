//! Opt-in forms (SPEC §5): a public page per form, with the categories it offers,
//! its notice, single or double opt-in and the welcome template. A form's notice is
//! versioned: a changed text is a new version (kept with the notices, in every
//! language the form has), and the ledger names the version each person saw.
//! `settings` checks what a business asks for; this module reads and writes it.
//! A form's figures (views, submissions, opt-ins, expiries, and views per notice
//! version) are tallies moved when each thing happens, so reading them costs the
//! same whatever the traffic (`figures`, `versions`).

mod settings;

pub use settings::{
    FormChange, FormError, NewForm, Problem, Problems, Texts, Updated, Welcome, create, update,
};

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

/// A form's tallies. Nobody, no address and no time is kept with them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FormStats {
    /// Times the public page was shown (a staff preview is not a view).
    pub views: i64,
    /// Forms sent that passed the checks (whoever the number belongs to).
    pub submissions: i64,
    /// Submissions whose consent held at once: the form was single opt-in.
    pub granted: i64,
    /// Double opt-ins confirmed in WhatsApp.
    pub confirmations: i64,
    /// Double opt-ins never confirmed, expired.
    pub expiries: i64,
}

impl FormStats {
    /// People whose consent the form brought into force: granted at once, or
    /// confirmed.
    pub fn opt_ins(&self) -> i64 {
        self.granted + self.confirmations
    }

    /// Opt-ins per view, to four decimals; 0 before the first view.
    pub fn conversion(&self) -> f64 {
        if self.views > 0 {
            (self.opt_ins() as f64 / self.views as f64 * 10_000.0).round() / 10_000.0
        } else {
            0.0
        }
    }
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
    granted: i64,
    confirmations: i64,
    expiries: i64,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, business_number_id, slug, language, categories, double_opt_in, welcome_template, \
     welcome_language, frame_ancestors, notice_version, views, submissions, granted, confirmations, expiries, \
     created_at, updated_at";

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
            granted: row.granted,
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
    /// A submission of a single opt-in form recorded consent.
    Granted,
    Confirmations,
    Expiries,
}

/// Counts one more view, submission, confirmation or expiry, anonymously.
pub async fn count(conn: &mut AnyConnection, slug: &str, counter: Counter) -> anyhow::Result<()> {
    let sql = match counter {
        Counter::Views => "UPDATE forms SET views = views + 1 WHERE slug = $1",
        Counter::Submissions => "UPDATE forms SET submissions = submissions + 1 WHERE slug = $1",
        Counter::Granted => "UPDATE forms SET granted = granted + 1 WHERE slug = $1",
        Counter::Confirmations => {
            "UPDATE forms SET confirmations = confirmations + 1 WHERE slug = $1"
        }
        Counter::Expiries => "UPDATE forms SET expiries = expiries + 1 WHERE slug = $1",
    };
    sqlx::query(sql).bind(slug).execute(&mut *conn).await?;
    Ok(())
}

/// Counts a view of the form's public page, and of the notice version (in the
/// language) it showed.
pub async fn viewed(db: &Db, slug: &str, notice_id: &str) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    count(&mut w, slug, Counter::Views).await?;
    sqlx::query(
        "INSERT INTO notice_views (notice_id, views) VALUES ($1, 1) \
         ON CONFLICT (notice_id) DO UPDATE SET views = notice_views.views + 1",
    )
    .bind(notice_id)
    .execute(&mut *w)
    .await?;
    w.commit().await?;
    Ok(())
}

/// One form's figures, with what names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub slug: String,
    /// The title in the form's own language, at the current notice version.
    pub title: String,
    pub business_number_id: String,
    pub double_opt_in: bool,
    pub stats: FormStats,
}

/// Every form's figures (views, submissions, opt-ins, confirmations, expiries),
/// oldest form first: one query, whatever the traffic.
pub async fn figures(db: &Db) -> anyhow::Result<Vec<Figures>> {
    type Row = (String, String, String, i64, i64, i64, i64, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT f.slug, COALESCE(n.title, f.slug), f.business_number_id, f.double_opt_in, \
         f.views, f.submissions, f.granted, f.confirmations, f.expiries \
         FROM forms f LEFT JOIN notices n ON n.form_id = f.id AND n.language = f.language \
         AND n.version = f.slug || '-v' || CAST(f.notice_version AS TEXT) \
         ORDER BY f.created_at, f.slug",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(
                slug,
                title,
                business_number_id,
                double,
                views,
                submissions,
                granted,
                confirmations,
                expiries,
            )| {
                Figures {
                    slug,
                    title,
                    business_number_id,
                    double_opt_in: double != 0,
                    stats: FormStats {
                        views,
                        submissions,
                        granted,
                        confirmations,
                        expiries,
                    },
                }
            },
        )
        .collect())
}

/// A notice version of a form: its words per language, and how often each was shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub number: i64,
    /// The label the ledger records (`{slug}-vN`).
    pub label: String,
    pub created_at: i64,
    /// (language, notice id, SHA-256, views), by language.
    pub languages: Vec<(Locale, String, String, i64)>,
    /// Views of the form while this version was shown, in every language.
    pub views: i64,
}

/// The form's notice versions, newest first.
pub async fn versions(db: &Db, form: &Form) -> anyhow::Result<Vec<Version>> {
    let rows: Vec<(String, String, String, String, i64, i64)> = sqlx::query_as(
        "SELECT n.version, n.language, n.id, n.sha256, n.created_at, COALESCE(v.views, 0) \
         FROM notices n LEFT JOIN notice_views v ON v.notice_id = n.id WHERE n.form_id = $1",
    )
    .bind(&form.id)
    .fetch_all(&db.pool)
    .await?;
    let prefix = format!("{}-v", form.slug);
    let mut versions: BTreeMap<i64, Version> = BTreeMap::new();
    for (label, language, id, sha256, created_at, views) in rows {
        let (Some(number), Ok(locale)) = (
            label
                .strip_prefix(&prefix)
                .and_then(|n| n.parse::<i64>().ok()),
            Locale::parse(&language),
        ) else {
            continue;
        };
        let v = versions.entry(number).or_insert_with(|| Version {
            number,
            label: label.clone(),
            created_at,
            languages: Vec::new(),
            views: 0,
        });
        v.created_at = v.created_at.min(created_at);
        v.views += views;
        v.languages.push((locale, id, sha256, views));
    }
    let mut all: Vec<Version> = versions.into_values().rev().collect();
    for v in &mut all {
        v.languages.sort();
    }
    Ok(all)
}
