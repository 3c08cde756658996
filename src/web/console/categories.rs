//! `/admin/categories`: an admin lists the consent categories, adds one (name,
//! kind, title and description per language), and edits one (its name stays);
//! `/admin/categories/keywords/{number}`: the words a number adds to each
//! (language, action), by `keywords::set`'s rules (the built-in words stay).
//! Each change is in the audit log.

use super::Staff;
use crate::categories::{self, Definition, SaveError, Text};
use crate::domain::{CategoryKind, CategoryName, Language, Locale};
use crate::keywords::{self, Action, KeywordError};
use crate::numbers::{self, BusinessNumber};
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

const KINDS: [&str; 3] = ["marketing", "utility", "authentication"];

pub struct CategoryRow {
    name: String,
    kind: &'static str,
    title: String,
    stops: String,
}

pub struct NumberLink {
    id: String,
    label: String,
}

/// The words of one language in the form.
pub struct LanguageFields {
    code: &'static str,
    name: &'static str,
    title_field: &'static str,
    description_field: &'static str,
    title: String,
    description: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CategoryForm {
    name: String,
    kind: String,
    title_en: String,
    description_en: String,
    title_es: String,
    description_es: String,
    title_pt: String,
    description_pt: String,
    /// Words for "STOP <word>", comma-separated.
    keywords: String,
}

impl CategoryForm {
    fn text(&self, locale: Locale) -> Text {
        let (title, description) = match locale {
            Locale::En => (&self.title_en, &self.description_en),
            Locale::Es => (&self.title_es, &self.description_es),
            Locale::Pt => (&self.title_pt, &self.description_pt),
        };
        Text {
            title: title.clone(),
            description: description.clone(),
        }
    }

    fn fields(&self, page: &Page) -> Vec<LanguageFields> {
        Locale::ALL
            .into_iter()
            .map(|l| {
                let text = self.text(l);
                LanguageFields {
                    code: l.code(),
                    name: (page.console.categories.language)(l.code()),
                    title_field: field_name(&format!("title_{}", l.code())),
                    description_field: field_name(&format!("description_{}", l.code())),
                    title: text.title,
                    description: text.description,
                }
            })
            .collect()
    }

    /// The definition, or the messages beside each field.
    fn parse(&self, page: &Page, errors: &mut FieldErrors) -> Option<Definition> {
        let t = &page.console.categories;
        let kind = CategoryKind::parse(&self.kind).ok();
        if kind.is_none() {
            errors.add("kind", t.choose_kind);
        }
        let texts: Vec<(Locale, Text)> =
            Locale::ALL.into_iter().map(|l| (l, self.text(l))).collect();
        for (field, problem) in categories::check(&texts) {
            let (what, code) = field.split_once('_').unwrap_or((&field, "en"));
            let what = if what == "title" {
                "title"
            } else {
                "description"
            };
            let named = format!("{} {what}", (t.language)(code));
            errors.add(field_name(&field), (t.problem)(&named, &problem));
        }
        if let Some(problem) = categories::check_keywords(&self.keywords) {
            errors.add("keywords", (t.problem)(t.own_keywords, &problem));
        }
        Some(Definition {
            kind: kind?,
            texts,
            keywords: self.keywords.clone(),
        })
        .filter(|_| errors.is_empty())
    }
}

/// The form's field names, as `FieldErrors` keeps them (static).
fn field_name(field: &str) -> &'static str {
    [
        "title_en",
        "description_en",
        "title_es",
        "description_es",
        "title_pt",
        "description_pt",
    ]
    .into_iter()
    .find(|f| *f == field)
    .unwrap_or("")
}

#[derive(Template)]
#[template(path = "console/categories.html")]
pub struct ListPage {
    page: Page,
    categories: Vec<CategoryRow>,
    numbers: Vec<NumberLink>,
    kinds: [&'static str; 3],
    name: String,
    kind: String,
    languages: Vec<LanguageFields>,
    keywords: String,
    errors: FieldErrors,
}

async fn list_view(
    page: Page,
    services: &Services,
    typed: CategoryForm,
    errors: FieldErrors,
) -> Result<ListPage, PageError> {
    let categories = categories::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|c| CategoryRow {
            stops: std::iter::once(c.name.to_string())
                .chain(c.keywords.iter().cloned())
                .map(|w| format!("STOP {w}"))
                .collect::<Vec<_>>()
                .join(", "),
            name: c.name.to_string(),
            kind: c.kind.as_str(),
            title: c.title,
        })
        .collect();
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?
        .into_iter()
        .map(|n| NumberLink {
            label: label(&n),
            id: n.id,
        })
        .collect();
    let languages = typed.fields(&page);
    Ok(ListPage {
        page,
        categories,
        numbers,
        kinds: KINDS,
        name: typed.name,
        kind: typed.kind,
        languages,
        keywords: typed.keywords,
        errors,
    })
}

fn label(n: &BusinessNumber) -> String {
    format!("{} ({})", n.display_number, n.phone_number_id)
}

pub async fn list(
    page: Page,
    _staff: Staff,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = list_view(
        page,
        &services,
        CategoryForm::default(),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn create(
    page: Page,
    staff: Staff,
    form: web::Form<CategoryForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let typed = form.into_inner();
    let t = &page.console.categories;
    let mut errors = FieldErrors::default();
    let name = CategoryName::parse(typed.name.trim());
    if let Err(rule) = &name {
        errors.add("name", (t.bad_name)(rule));
    }
    let definition = typed.parse(&page, &mut errors);
    if let (Ok(name), Some(definition)) = (name, definition) {
        match categories::create(&services.db, &staff.doer(), &name, &definition).await {
            Ok(()) => {
                page.session().set_flash(&(t.created)(name.as_str()));
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, "/admin/categories"))
                    .finish());
            }
            Err(SaveError::Exists(_)) => errors.add("name", t.exists),
            Err(SaveError::Invalid(_) | SaveError::Missing(_)) => errors.add("", t.exists),
            Err(SaveError::Other(e)) => return Err(page.internal(e)),
        }
    }
    let view = list_view(page, &services, typed, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

#[derive(Template)]
#[template(path = "console/category.html")]
pub struct EditPage {
    page: Page,
    name: String,
    kinds: [&'static str; 3],
    kind: String,
    languages: Vec<LanguageFields>,
    keywords: String,
    errors: FieldErrors,
}

async fn category(
    page: &Page,
    services: &Services,
    raw: &str,
) -> Result<categories::Category, PageError> {
    let name = CategoryName::parse(raw).map_err(|_| page.error(Problem::NotFound))?;
    categories::find(
        &mut *services
            .db
            .pool
            .acquire()
            .await
            .map_err(|e| page.internal(e))?,
        &name,
    )
    .await
    .map_err(|e| page.internal(e))?
    .ok_or_else(|| page.error(Problem::NotFound))
}

pub async fn show(
    page: Page,
    _staff: Staff,
    name: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let c = category(&page, &services, &name).await?;
    let mut typed = CategoryForm {
        name: c.name.to_string(),
        kind: c.kind.as_str().to_owned(),
        keywords: c.keywords.join(", "),
        ..CategoryForm::default()
    };
    for (language, text) in categories::texts(&services.db, &c.name)
        .await
        .map_err(|e| page.internal(e))?
    {
        let (title, description) = match language.as_str() {
            "en" => (&mut typed.title_en, &mut typed.description_en),
            "es" => (&mut typed.title_es, &mut typed.description_es),
            "pt" => (&mut typed.title_pt, &mut typed.description_pt),
            _ => continue,
        };
        *title = text.title;
        *description = text.description;
    }
    if typed.title_en.is_empty() {
        typed.title_en = c.title;
    }
    let languages = typed.fields(&page);
    Ok(render(
        StatusCode::OK,
        &EditPage {
            page,
            name: typed.name,
            kinds: KINDS,
            kind: typed.kind,
            languages,
            keywords: typed.keywords,
            errors: FieldErrors::default(),
        },
    ))
}

pub async fn save(
    page: Page,
    staff: Staff,
    name: web::Path<String>,
    form: web::Form<CategoryForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let c = category(&page, &services, &name).await?;
    let typed = form.into_inner();
    let t = &page.console.categories;
    let mut errors = FieldErrors::default();
    if let Some(definition) = typed.parse(&page, &mut errors) {
        match categories::update(&services.db, &staff.doer(), &c.name, &definition).await {
            Ok(()) => {
                page.session().set_flash(&(t.saved)(c.name.as_str()));
                return Ok(HttpResponse::SeeOther()
                    .insert_header((LOCATION, format!("/admin/categories/{}", c.name)))
                    .finish());
            }
            Err(SaveError::Missing(_)) => return Err(page.error(Problem::NotFound)),
            Err(SaveError::Exists(_) | SaveError::Invalid(_)) => {}
            Err(SaveError::Other(e)) => return Err(page.internal(e)),
        }
    }
    let languages = typed.fields(&page);
    Ok(render(
        StatusCode::UNPROCESSABLE_ENTITY,
        &EditPage {
            page,
            name: c.name.to_string(),
            kinds: KINDS,
            kind: typed.kind,
            languages,
            keywords: typed.keywords,
            errors,
        },
    ))
}

/// One (language, action) on the keywords page.
pub struct WordSet {
    language: &'static str,
    language_name: &'static str,
    action: &'static str,
    /// The set's name for a screen reader: language and action.
    what: String,
    built_in: String,
    added: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "console/keywords.html")]
pub struct KeywordsPage {
    page: Page,
    id: String,
    label: String,
    sets: Vec<WordSet>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WordsForm {
    language: String,
    action: String,
    words: String,
}

/// The page, with what was typed and the problem for the set that failed.
async fn keywords_view(
    page: Page,
    services: &Services,
    n: &BusinessNumber,
    failed: Option<(&WordsForm, String)>,
) -> Result<KeywordsPage, PageError> {
    let added = keywords::added(&services.db, &n.id)
        .await
        .map_err(|e| page.internal(e))?;
    let mut sets = Vec::new();
    for locale in Locale::ALL {
        for action in Action::ALL {
            let language = locale.code();
            let mine = failed
                .as_ref()
                .filter(|(f, _)| f.language == language && f.action == action.as_str());
            sets.push(WordSet {
                language,
                language_name: (page.console.categories.language)(language),
                action: action.as_str(),
                what: format!(
                    "{} {}",
                    (page.console.categories.language)(language),
                    action.as_str()
                ),
                built_in: keywords::built_in(language, action).join(", "),
                added: match mine {
                    Some((f, _)) => f.words.clone(),
                    None => added
                        .iter()
                        .filter(|w| w.language == language && w.action == action)
                        .map(|w| w.word.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                },
                error: mine.map(|(_, e)| e.clone()),
            });
        }
    }
    Ok(KeywordsPage {
        id: n.id.clone(),
        label: label(n),
        sets,
        page,
    })
}

pub async fn keywords(
    page: Page,
    _staff: Staff,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let n = super::number(&page, &services, &id).await?;
    let view = keywords_view(page, &services, &n, None).await?;
    Ok(render(StatusCode::OK, &view))
}

pub async fn save_keywords(
    page: Page,
    staff: Staff,
    id: web::Path<String>,
    form: web::Form<WordsForm>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let n = super::number(&page, &services, &id).await?;
    let typed = form.into_inner();
    let t = &page.console.categories;
    let (Some(locale), Some(action)) = (
        Locale::ALL.into_iter().find(|l| l.code() == typed.language),
        Action::parse(&typed.action),
    ) else {
        return Err(page.error(Problem::BadRequest));
    };
    let language = Language::parse(locale.code()).map_err(|_| page.error(Problem::BadRequest))?;
    let words: Vec<String> = typed
        .words
        .split([',', '\n'])
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let problem = match keywords::set_by(
        &services.db,
        Some(&staff.doer()),
        &n.id,
        &language,
        action,
        &words,
    )
    .await
    {
        Ok(()) => {
            page.session().set_flash(&(t.words_saved)(
                (t.language)(locale.code()),
                action.as_str(),
            ));
            return Ok(HttpResponse::SeeOther()
                .insert_header((
                    LOCATION,
                    format!(
                        "/admin/categories/keywords/{}#{}-{}",
                        n.id,
                        locale.code(),
                        action.as_str()
                    ),
                ))
                .finish());
        }
        Err(KeywordError::Invalid { problem, .. }) => (t.words_problem)(&problem),
        Err(KeywordError::Db(e)) => return Err(page.internal(e)),
    };
    let view = keywords_view(page, &services, &n, Some((&typed, problem))).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}
