//! What a business may ask of a form, checked field by field, and the writes that
//! create and change one. Every problem is collected (not only the first) and
//! names its field as the API names it, so the API and the console each phrase
//! them their way. Each write is in the audit log, in its own transaction.

use super::{Form, find_where, write_texts};
use crate::audit::{self, Doer, Entry};
use crate::categories;
use crate::db::{Db, new_id, now_ms};
use crate::domain::{CategoryList, CategoryName, Language, Locale, TemplateName};
use crate::message_templates;
use crate::numbers::BusinessNumber;
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;
use std::fmt;

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
    /// Added to the form's translations, or replacing them language by language.
    pub translations: Option<BTreeMap<String, (String, String)>>,
    /// Languages whose translation the next notice version leaves out (people
    /// reading them then see the form's own language).
    pub drop_translations: Vec<String>,
    pub categories: Option<Vec<String>>,
    pub double_opt_in: Option<bool>,
    pub welcome_template: Option<(String, String)>,
    pub frame_ancestors: Option<Vec<String>>,
}

/// One thing wrong with what was asked: the field as the API names it
/// (`title`, `translations.es.notice`, `categories[1]`, `frame_ancestors[0]`),
/// and what is wrong, as a phrase (`must not be empty`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub problem: String,
}

/// Everything wrong with what was asked, in the order of the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: impl Into<String>, problem: impl Into<String>) {
        self.0.push(Problem {
            field: field.into(),
            problem: problem.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    pub fn first(&self) -> Option<&Problem> {
        self.0.first()
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let all: Vec<String> = self
            .0
            .iter()
            .map(|p| format!("{}: {}", p.field, p.problem))
            .collect();
        f.write_str(&all.join("; "))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("{0}")]
    Invalid(Problems),
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

/// A changed form, and what changed (empty: nothing did, and nothing was written).
pub struct Updated {
    pub form: Form,
    pub changed: Vec<&'static str>,
}

fn text(field: &str, raw: &str, max: usize, problems: &mut Problems) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        problems.add(field, "must not be empty");
        return None;
    }
    if trimmed.chars().count() > max {
        problems.add(field, format!("must be at most {max} characters"));
        return None;
    }
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r')
    {
        problems.add(field, "must not contain control characters");
        return None;
    }
    Some(trimmed.replace("\r\n", "\n"))
}

fn slug(raw: &str, problems: &mut Problems) -> Option<String> {
    let ok = (3..=64).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !raw.starts_with('-')
        && !raw.ends_with('-');
    if !ok {
        problems.add(
            "slug",
            "must be 3 to 64 lowercase letters, digits or '-' (it is the form's address, /f/SLUG)",
        );
    }
    ok.then(|| raw.to_owned())
}

async fn categories(
    conn: &mut AnyConnection,
    raw: &[String],
    problems: &mut Problems,
) -> anyhow::Result<Option<CategoryList>> {
    if raw.is_empty() {
        problems.add("categories", "name at least one category");
        return Ok(None);
    }
    let mut names = Vec::new();
    let mut ok = true;
    for (n, r) in raw.iter().enumerate() {
        let field = format!("categories[{n}]");
        match CategoryName::parse(r) {
            Err(e) => {
                problems.add(field, e);
                ok = false;
            }
            Ok(name) if categories::find(conn, &name).await?.is_none() => {
                problems.add(field, format!("unknown category \"{r}\""));
                ok = false;
            }
            Ok(name) => names.push(name),
        }
    }
    Ok(ok.then(|| CategoryList::new(names)))
}

/// The welcome template must be registered for the number and mapped to a
/// consent category, as every template Assent sends.
async fn welcome(
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    (name, language): &(String, String),
    problems: &mut Problems,
) -> anyhow::Result<Option<Welcome>> {
    let name = TemplateName::parse(name).map_err(|e| problems.add("welcome_template.name", e));
    let language =
        Language::parse(language).map_err(|e| problems.add("welcome_template.language", e));
    let (Ok(name), Ok(language)) = (name, language) else {
        return Ok(None);
    };
    let registered =
        message_templates::find(conn, &number.id, name.as_str(), language.as_str()).await?;
    match registered {
        Some(t) if t.consent_category.is_some() => return Ok(Some(Welcome { name, language })),
        Some(_) => problems.add(
            "welcome_template",
            format!("template \"{name}\" has no consent category; map it first"),
        ),
        None => problems.add(
            "welcome_template",
            format!(
                "no template \"{name}\" in language {language} is registered for this number (POST /api/v1/templates)"
            ),
        ),
    }
    Ok(None)
}

/// `https://shop.example` or `http://localhost:3000`: the origins that may frame
/// the form, for its `frame-ancestors`.
fn origins(raw: &[String], problems: &mut Problems) -> Option<Vec<String>> {
    if raw.len() > 10 {
        problems.add("frame_ancestors", "at most 10 origins");
        return None;
    }
    let mut all = Vec::new();
    let mut ok = true;
    for (n, o) in raw.iter().enumerate() {
        let field = format!("frame_ancestors[{n}]");
        let Ok(url) = url::Url::parse(o) else {
            problems.add(field, "is not an origin such as https://shop.example");
            ok = false;
            continue;
        };
        let bare = url.path() == "/" && url.query().is_none() && url.fragment().is_none();
        if !matches!(url.scheme(), "https" | "http") || url.host().is_none() || !bare {
            problems.add(
                field,
                "must be an origin (scheme and host, no path), such as https://shop.example",
            );
            ok = false;
            continue;
        }
        all.push(url.origin().ascii_serialization());
    }
    ok.then_some(all)
}

/// The texts per language: the form's own, and its translations.
fn texts(
    language: Locale,
    title: &str,
    notice: &str,
    translations: &BTreeMap<String, (String, String)>,
    problems: &mut Problems,
) -> Option<BTreeMap<Locale, Texts>> {
    let before = problems.0.len();
    let mut all = BTreeMap::new();
    let title = text("title", title, 120, problems);
    let notice = text("notice", notice, 5000, problems);
    if let (Some(title), Some(notice)) = (title, notice) {
        all.insert(language, Texts { title, notice });
    }
    for (code, (title, notice)) in translations {
        let field = format!("translations.{code}");
        let locale = match Locale::parse(code) {
            Ok(l) if l == language => {
                problems.add(
                    field,
                    "is the form's own language; set title and notice instead",
                );
                continue;
            }
            Ok(l) => l,
            Err(e) => {
                problems.add(field, e);
                continue;
            }
        };
        let title = text(&format!("{field}.title"), title, 120, problems);
        let notice = text(&format!("{field}.notice"), notice, 5000, problems);
        if let (Some(title), Some(notice)) = (title, notice) {
            all.insert(locale, Texts { title, notice });
        }
    }
    (problems.0.len() == before).then_some(all)
}

/// What the audit log says of a form's settings.
fn described(form: &Form) -> String {
    let languages: Vec<&str> = form.texts.keys().map(|l| l.code()).collect();
    format!(
        "notice {}; {}; categories {}; languages {}; welcome {} ({}); embedding origins: {}",
        form.version_label(),
        if form.double_opt_in {
            "double opt-in"
        } else {
            "single opt-in"
        },
        form.categories,
        languages.join(", "),
        form.welcome_template.name,
        form.welcome_template.language,
        if form.frame_ancestors.is_empty() {
            "none".to_owned()
        } else {
            form.frame_ancestors.join(" ")
        },
    )
}

pub async fn create(
    db: &Db,
    who: &Doer,
    number: &BusinessNumber,
    new: NewForm,
) -> Result<Form, FormError> {
    let mut problems = Problems::default();
    let slug = slug(&new.slug, &mut problems);
    let language = match new.language.as_deref() {
        None => Some(Locale::En),
        Some(raw) => Locale::parse(raw)
            .map_err(|e| problems.add("language", e))
            .ok(),
    };
    let texts = texts(
        language.unwrap_or_default(),
        &new.title,
        &new.notice,
        &new.translations,
        &mut problems,
    );
    let frame = origins(&new.frame_ancestors, &mut problems);
    let mut w = db.write().await?;
    let categories = categories(&mut w, &new.categories, &mut problems).await?;
    let welcome = welcome(&mut w, number, &new.welcome_template, &mut problems).await?;
    let (Some(slug), Some(language), Some(texts), Some(frame), Some(categories), Some(welcome)) =
        (slug, language, texts, frame, categories, welcome)
    else {
        return Err(FormError::Invalid(problems));
    };
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
    audit::record(
        &mut w,
        who,
        Entry {
            action: "form.created",
            target: &form.source_ref(),
            detail: &described(&form),
        },
    )
    .await?;
    w.commit().await?;
    Ok(form)
}

async fn reread(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Form> {
    let rows = find_where(conn, "id = $1", &[id]).await?;
    rows.into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("form {id} vanished while it was written"))
}

/// Changes a form. New words (title or notice, in any language, or a language
/// dropped) make a new notice version; languages not mentioned keep their words
/// in it. A change that changes nothing writes nothing.
pub async fn update(
    db: &Db,
    who: &Doer,
    number: &BusinessNumber,
    slug: &str,
    change: FormChange,
) -> Result<Updated, FormError> {
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
    let mut problems = Problems::default();
    let own = &form.texts[&form.language];
    let mut current: BTreeMap<String, (String, String)> = form
        .texts
        .iter()
        .filter(|(l, _)| **l != form.language)
        .map(|(l, t)| (l.code().to_owned(), (t.title.clone(), t.notice.clone())))
        .collect();
    for code in &change.drop_translations {
        match Locale::parse(code) {
            Ok(l) if l == form.language => problems.add(
                format!("translations.{code}"),
                "is the form's own language, which cannot be left out",
            ),
            Ok(_) => {
                current.remove(code);
            }
            Err(e) => problems.add(format!("translations.{code}"), e),
        }
    }
    if let Some(translations) = &change.translations {
        current.extend(translations.clone());
    }
    let texts = texts(
        form.language,
        change.title.as_deref().unwrap_or(&own.title),
        change.notice.as_deref().unwrap_or(&own.notice),
        &current,
        &mut problems,
    );
    let categories = match &change.categories {
        Some(raw) => categories(&mut w, raw, &mut problems).await?,
        None => Some(form.categories.clone()),
    };
    let welcome = match &change.welcome_template {
        Some(raw) => welcome(&mut w, number, raw, &mut problems).await?,
        None => Some(form.welcome_template.clone()),
    };
    let frame = match &change.frame_ancestors {
        Some(raw) => origins(raw, &mut problems),
        None => Some(form.frame_ancestors.clone()),
    };
    let (Some(texts), Some(categories), Some(welcome), Some(frame)) =
        (texts, categories, welcome, frame)
    else {
        return Err(FormError::Invalid(problems));
    };
    let double_opt_in = change.double_opt_in.unwrap_or(form.double_opt_in);
    let unchanged_words = texts.iter().all(|(l, t)| {
        form.texts
            .get(l)
            .is_some_and(|old| old.title == t.title && old.notice == t.notice)
    }) && texts.len() == form.texts.len();
    let mut changed = Vec::new();
    if !unchanged_words {
        changed.push("words");
    }
    if categories != form.categories {
        changed.push("categories");
    }
    if double_opt_in != form.double_opt_in {
        changed.push("opt-in");
    }
    if welcome != form.welcome_template {
        changed.push("welcome template");
    }
    if frame != form.frame_ancestors {
        changed.push("embedding origins");
    }
    if changed.is_empty() {
        return Ok(Updated { form, changed });
    }
    let version = if unchanged_words {
        form.notice_version
    } else {
        form.notice_version + 1
    };
    let written = sqlx::query(
        "UPDATE forms SET categories = $1, double_opt_in = $2, welcome_template = $3, welcome_language = $4, \
         frame_ancestors = $5, notice_version = $6, updated_at = $7 WHERE id = $8 AND notice_version = $9",
    )
    .bind(categories.to_stored())
    .bind(i64::from(double_opt_in))
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
    if !unchanged_words {
        write_texts(&mut w, &form.id, &number.id, &form.slug, version, &texts).await?;
    }
    let form = reread(&mut w, &form.id).await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "form.changed",
            target: &form.source_ref(),
            detail: &format!("changed {}; now {}", changed.join(", "), described(&form)),
        },
    )
    .await?;
    w.commit().await?;
    Ok(Updated { form, changed })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_of_the_texts_is_named_not_only_the_first() {
        let mut problems = Problems::default();
        let translations = BTreeMap::from([
            ("es".to_owned(), (String::new(), "Aviso".to_owned())),
            ("xx".to_owned(), ("T".to_owned(), "N".to_owned())),
            ("en".to_owned(), ("T".to_owned(), "N".to_owned())),
        ]);
        let long = "x".repeat(121);
        assert_eq!(
            texts(Locale::En, &long, " ", &translations, &mut problems),
            None
        );
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "notice",
                "translations.en",
                "translations.es.title",
                "translations.xx"
            ]
        );
    }

    #[test]
    fn texts_are_trimmed_and_take_one_kind_of_line_break() {
        let mut problems = Problems::default();
        let got = texts(
            Locale::Es,
            " Hola ",
            "una\r\ndos",
            &BTreeMap::new(),
            &mut problems,
        )
        .unwrap();
        assert!(problems.is_empty());
        assert_eq!(got[&Locale::Es].title, "Hola");
        assert_eq!(got[&Locale::Es].notice, "una\ndos");
    }

    #[test]
    fn origins_are_bare_scheme_and_host_and_each_bad_one_is_named() {
        let mut problems = Problems::default();
        let raw = [
            "https://shop.example/".to_owned(),
            "http://localhost:3000".to_owned(),
        ];
        assert_eq!(
            origins(&raw, &mut problems),
            Some(vec![
                "https://shop.example".to_owned(),
                "http://localhost:3000".to_owned()
            ])
        );
        let raw = [
            "shop.example".to_owned(),
            "https://ok.example".to_owned(),
            "https://shop.example/page".to_owned(),
            "ftp://shop.example".to_owned(),
        ];
        assert_eq!(origins(&raw, &mut problems), None);
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "frame_ancestors[0]",
                "frame_ancestors[2]",
                "frame_ancestors[3]"
            ]
        );
    }
}
