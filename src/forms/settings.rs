//! What a business may ask of a form, checked field by field, and the writes that
//! create and change one. Errors name the field, so the API and the console each
//! phrase them their way.

use super::{Form, find_where, write_texts};
use crate::categories;
use crate::db::{Db, new_id, now_ms};
use crate::domain::{CategoryList, CategoryName, Language, Locale, TemplateName};
use crate::message_templates;
use crate::numbers::BusinessNumber;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

/// The template sent to a person who submits the form. Its body takes the
/// preference-center link as its one parameter; for a double opt-in its first
/// button is a quick reply, whose payload Assent sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Welcome {
    pub name: TemplateName,
    pub language: Language,
}

/// A form's title and notice in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Texts {
    pub title: String,
    pub notice: String,
}

pub struct NewForm {
    pub slug: String,
    pub language: Option<String>,
    pub title: String,
    pub notice: String,
    pub translations: BTreeMap<String, (String, String)>,
    pub categories: Vec<String>,
    pub double_opt_in: Option<bool>,
    pub welcome_template: (String, String),
    pub frame_ancestors: Vec<String>,
}

/// What a change sets; `None` keeps the current value.
#[derive(Default)]
pub struct FormChange {
    pub title: Option<String>,
    pub notice: Option<String>,
    pub translations: Option<BTreeMap<String, (String, String)>>,
    pub categories: Option<Vec<String>>,
    pub double_opt_in: Option<bool>,
    pub welcome_template: Option<(String, String)>,
    pub frame_ancestors: Option<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error("a form with slug \"{0}\" already exists")]
    Exists(String),
    #[error("no form with slug \"{0}\" for this number")]
    NotFound(String),
    #[error("form \"{0}\" was changed by another request meanwhile; read it again and retry")]
    Changed(String),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for FormError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

fn invalid(field: impl Into<String>, problem: impl Into<String>) -> FormError {
    FormError::Invalid {
        field: field.into(),
        problem: problem.into(),
    }
}

fn text(field: &str, raw: &str, max: usize) -> Result<String, FormError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(invalid(field, format!("must be at most {max} characters")));
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        return Err(invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.replace("\r\n", "\n"))
}

fn slug(raw: &str) -> Result<String, FormError> {
    let ok = (3..=64).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(invalid(
            "slug",
            "must be 3 to 64 lowercase letters, digits or '-' (it is the form's address, /f/SLUG)",
        ))
    }
}

async fn categories(conn: &mut AnyConnection, raw: &[String]) -> Result<CategoryList, FormError> {
    if raw.is_empty() {
        return Err(invalid("categories", "name at least one category"));
    }
    let mut names = Vec::new();
    for (n, r) in raw.iter().enumerate() {
        let name = CategoryName::parse(r).map_err(|e| invalid(format!("categories[{n}]"), e))?;
        if categories::find(conn, &name).await?.is_none() {
            return Err(invalid(
                format!("categories[{n}]"),
                format!("unknown category \"{r}\""),
            ));
        }
        names.push(name);
    }
    Ok(CategoryList::new(names))
}

/// The welcome template must be registered for the number and mapped to a
/// consent category, as every template Assent sends.
async fn welcome(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    (name, language): &(String, String),
) -> Result<Welcome, FormError> {
    let name = TemplateName::parse(name).map_err(|e| invalid("welcome_template.name", e))?;
    let language =
        Language::parse(language).map_err(|e| invalid("welcome_template.language", e))?;
    let registered =
        message_templates::find(conn, &number.id, name.as_str(), language.as_str()).await?;
    match registered {
        Some(t) if t.consent_category.is_some() => Ok(Welcome { name, language }),
        Some(_) => Err(invalid(
            "welcome_template",
            format!("template \"{name}\" has no consent category; map it first"),
        )),
        None => Err(invalid(
            "welcome_template",
            format!(
                "no template \"{name}\" in language {language} is registered for this number (POST /api/v1/templates)"
            ),
        )),
    }
}

/// `https://shop.example` or `http://localhost:3000`: the origins that may frame
/// the form, for its `frame-ancestors`.
fn origins(raw: &[String]) -> Result<Vec<String>, FormError> {
    if raw.len() > 10 {
        return Err(invalid("frame_ancestors", "at most 10 origins"));
    }
    raw.iter()
        .enumerate()
        .map(|(n, o)| {
            let field = format!("frame_ancestors[{n}]");
            let url = url::Url::parse(o)
                .map_err(|_| invalid(&field, "is not an origin such as https://shop.example"))?;
            let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
            if !matches!(url.scheme(), "https" | "http") || url.host().is_none() || !bare {
                return Err(invalid(
                    field,
                    "must be an origin (scheme and host, no path), such as https://shop.example",
                ));
            }
            Ok(url.origin().ascii_serialization())
        })
        .collect()
}

/// The texts per language: the form's own, and its translations.
fn texts(
    language: Locale,
    title: &str,
    notice: &str,
    translations: &BTreeMap<String, (String, String)>,
) -> Result<BTreeMap<Locale, Texts>, FormError> {
    let mut all = BTreeMap::new();
    all.insert(
        language,
        Texts {
            title: text("title", title, 120)?,
            notice: text("notice", notice, 5000)?,
        },
    );
    for (code, (title, notice)) in translations {
        let field = format!("translations.{code}");
        let locale = Locale::parse(code).map_err(|e| invalid(&field, e))?;
        if locale == language {
            return Err(invalid(
                field,
                "is the form's own language; set title and notice instead",
            ));
        }
        all.insert(
            locale,
            Texts {
                title: text(&format!("{field}.title"), title, 120)?,
                notice: text(&format!("{field}.notice"), notice, 5000)?,
            },
        );
    }
    Ok(all)
}

pub async fn create(db: &Db, number: &BusinessNumber, new: NewForm) -> Result<Form, FormError> {
    let slug = slug(&new.slug)?;
    let language = match new.language.as_deref() {
        None => Locale::En,
        Some(raw) => Locale::parse(raw).map_err(|e| invalid("language", e))?,
    };
    let texts = texts(language, &new.title, &new.notice, &new.translations)?;
    let frame = origins(&new.frame_ancestors)?;
    let mut w = db.write().await?;
    let categories = categories(&mut w, &new.categories).await?;
    let welcome = welcome(&mut w, number, &new.welcome_template).await?;
    if !find_where(&mut w, "slug = $1", &[&slug]).await?.is_empty() {
        return Err(FormError::Exists(slug));
    }
    let (id, now) = (new_id(), now_ms());
    sqlx::query(
        "INSERT INTO forms (id, business_number_id, slug, language, categories, double_opt_in, welcome_template, \
         welcome_language, frame_ancestors, notice_version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10)",
    )
    .bind(&id)
    .bind(&number.id)
    .bind(&slug)
    .bind(language.code())
    .bind(categories.to_stored())
    .bind(i64::from(new.double_opt_in.unwrap_or(true)))
    .bind(welcome.name.as_str())
    .bind(welcome.language.as_str())
    .bind(frame.join(" "))
    .bind(now)
    .execute(&mut *w)
    .await?;
    write_texts(&mut w, &id, &number.id, &slug, 1, &texts).await?;
    let form = reread(&mut w, &id).await?;
    w.commit().await?;
    Ok(form)
}

async fn reread(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Form> {
    let rows = find_where(conn, "id = $1", &[id]).await?;
    rows.into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("form {id} vanished while it was written"))
}

/// Changes a form. New words (title or notice, in any language) make a new notice
/// version; languages not mentioned keep their words in it.
pub async fn update(
    db: &Db,
    number: &BusinessNumber,
    slug: &str,
    change: FormChange,
) -> Result<Form, FormError> {
    let mut w = db.write().await?;
    let Some(form) = find_where(
        &mut w,
        "business_number_id = $1 AND slug = $2",
        &[&number.id, slug],
    )
    .await?
    .pop() else {
        return Err(FormError::NotFound(slug.to_owned()));
    };
    let own = &form.texts[&form.language];
    let mut current: BTreeMap<String, (String, String)> = form
        .texts
        .iter()
        .filter(|(l, _)| **l != form.language)
        .map(|(l, t)| (l.code().to_owned(), (t.title.clone(), t.notice.clone())))
        .collect();
    if let Some(translations) = &change.translations {
        current.extend(translations.clone());
    }
    let texts = texts(
        form.language,
        change.title.as_deref().unwrap_or(&own.title),
        change.notice.as_deref().unwrap_or(&own.notice),
        &current,
    )?;
    let unchanged = texts.iter().all(|(l, t)| {
        form.texts
            .get(l)
            .is_some_and(|old| old.title == t.title && old.notice == t.notice)
    }) && texts.len() == form.texts.len();
    let categories = match &change.categories {
        Some(raw) => categories(&mut w, raw).await?,
        None => form.categories.clone(),
    };
    let welcome = match &change.welcome_template {
        Some(raw) => welcome(&mut w, number, raw).await?,
        None => form.welcome_template.clone(),
    };
    let frame = match &change.frame_ancestors {
        Some(raw) => origins(raw)?,
        None => form.frame_ancestors.clone(),
    };
    let version = if unchanged {
        form.notice_version
    } else {
        form.notice_version + 1
    };
    let written = sqlx::query(
        "UPDATE forms SET categories = $1, double_opt_in = $2, welcome_template = $3, welcome_language = $4, \
         frame_ancestors = $5, notice_version = $6, updated_at = $7 WHERE id = $8 AND notice_version = $9",
    )
    .bind(categories.to_stored())
    .bind(i64::from(change.double_opt_in.unwrap_or(form.double_opt_in)))
    .bind(welcome.name.as_str())
    .bind(welcome.language.as_str())
    .bind(frame.join(" "))
    .bind(version)
    .bind(now_ms())
    .bind(&form.id)
    // Another change committed first (several instances): its words must not be lost.
    .bind(form.notice_version)
    .execute(&mut *w)
    .await?;
    if written.rows_affected() == 0 {
        return Err(FormError::Changed(form.slug));
    }
    if !unchanged {
        write_texts(&mut w, &form.id, &number.id, &form.slug, version, &texts).await?;
    }
    let form = reread(&mut w, &form.id).await?;
    w.commit().await?;
    Ok(form)
}
