//! `/admin/forms`: a marketer lists the opt-in forms with their figures, creates
//! one, and on `/admin/forms/{slug}` changes it, copies its link and embed code,
//! and reads its notice versions with how often each was shown. The checks and
//! the writes (audited) are `forms::create` and `forms::update`, the same the
//! JSON API calls; this page only turns what was typed into their input and
//! their problems into messages beside the fields. `/admin/forms/{slug}/preview`
//! is the public page as people see it, counting no view and sending nothing.

use super::Staff;
use super::dates;
use crate::db::Db;
use crate::domain::Locale;
use crate::forms::{self, Figures, Form, FormChange, FormError, NewForm, Problems, Version};
use crate::message_templates;
use crate::numbers::{self, BusinessNumber};
use crate::opt_in;
use crate::services::Services;
use crate::web::form::FieldErrors;
use crate::web::page::{Page, PageError, Problem, render};
use crate::web::public::opt_in as public_form;
use crate::{categories, web::console::text::Forms as Words};
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use std::collections::BTreeMap;

/// What was typed into the form's fields (or what the form holds), as text.
#[derive(Debug, Clone, Default)]
pub struct Typed {
    number: String,
    slug: String,
    main: String,
    /// Title and notice per language.
    texts: BTreeMap<Locale, (String, String)>,
    categories: Vec<String>,
    double_opt_in: bool,
    /// `name/language`
    welcome: String,
    /// One origin per line.
    origins: String,
}

impl Typed {
    fn blank(numbers: &[BusinessNumber]) -> Self {
        Self {
            number: numbers.first().map(|n| n.id.clone()).unwrap_or_default(),
            main: Locale::En.code().to_owned(),
            double_opt_in: true,
            ..Self::default()
        }
    }

    fn of(form: &Form) -> Self {
        Self {
            number: form.business_number_id.clone(),
            slug: form.slug.clone(),
            main: form.language.code().to_owned(),
            texts: form
                .texts
                .iter()
                .map(|(l, t)| (*l, (t.title.clone(), t.notice.clone())))
                .collect(),
            categories: form.categories.to_strings(),
            double_opt_in: form.double_opt_in,
            welcome: welcome_value(
                form.welcome_template.name.as_str(),
                form.welcome_template.language.as_str(),
            ),
            origins: form.frame_ancestors.join("\n"),
        }
    }

    fn from_fields(fields: &[(String, String)]) -> Self {
        let one = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let texts = Locale::ALL
            .into_iter()
            .map(|l| {
                let (title, notice) = keys(l);
                (l, (one(title), one(notice)))
            })
            .collect();
        Self {
            number: one("number"),
            slug: one("slug").trim().to_owned(),
            main: one("language"),
            texts,
            categories: fields
                .iter()
                .filter(|(k, _)| k == "category")
                .map(|(_, v)| v.clone())
                .collect(),
            // The choice is always made (double is checked first); only a
            // hand-made request leaves it out, and then the safer one holds.
            double_opt_in: one("opt_in") != "single",
            welcome: one("welcome"),
            origins: one("origins"),
        }
    }

    fn text(&self, l: Locale) -> (String, String) {
        self.texts.get(&l).cloned().unwrap_or_default()
    }

    /// The translations typed (a language with both fields empty has none).
    fn translations(&self, main: Locale) -> BTreeMap<String, (String, String)> {
        self.texts
            .iter()
            .filter(|(l, (t, n))| **l != main && !(t.trim().is_empty() && n.trim().is_empty()))
            .map(|(l, t)| (l.code().to_owned(), t.clone()))
            .collect()
    }

    fn welcome_template(&self) -> (String, String) {
        let (name, language) = self.welcome.split_once('/').unwrap_or(("", ""));
        (name.to_owned(), language.to_owned())
    }

    fn origin_list(&self) -> Vec<String> {
        self.origins.split_whitespace().map(str::to_owned).collect()
    }
}

fn welcome_value(name: &str, language: &str) -> String {
    format!("{name}/{language}")
}

/// The names of a language's title and notice fields.
fn keys(l: Locale) -> (&'static str, &'static str) {
    match l {
        Locale::En => ("title_en", "notice_en"),
        Locale::Es => ("title_es", "notice_es"),
        Locale::Pt => ("title_pt", "notice_pt"),
    }
}

/// The field of this page that a problem of `forms` (named as the API names
/// fields) stands beside, and the message it shows there.
fn beside(t: &Words, typed: &Typed, main: Locale, p: &forms::Problem) -> (&'static str, String) {
    let said = (t.problem)(&p.problem);
    let field = p.field.as_str();
    match field {
        "slug" => ("slug", said),
        "language" => ("language", said),
        "title" => (keys(main).0, said),
        "notice" => (keys(main).1, said),
        "categories" => ("categories", said),
        _ if field.starts_with("translations.") => {
            let rest = &field["translations.".len()..];
            let (code, part) = rest.split_once('.').unwrap_or((rest, "title"));
            match Locale::parse(code) {
                Ok(l) if part == "notice" => (keys(l).1, said),
                Ok(l) => (keys(l).0, said),
                Err(_) => ("", said),
            }
        }
        _ if field.starts_with("categories[") => ("categories", said),
        _ if field.starts_with("welcome_template") => ("welcome", t.choose_welcome.to_owned()),
        _ if field.starts_with("frame_ancestors[") => {
            let typed_origin = field["frame_ancestors[".len()..]
                .trim_end_matches(']')
                .parse::<usize>()
                .ok()
                .and_then(|n| typed.origin_list().into_iter().nth(n));
            match typed_origin {
                Some(o) => ("origins", (t.origin_problem)(&o, &p.problem)),
                None => ("origins", said),
            }
        }
        _ if field.starts_with("frame_ancestors") => ("origins", said),
        _ => ("", said),
    }
}

fn errors_of(t: &Words, typed: &Typed, main: Locale, problems: &Problems) -> FieldErrors {
    let mut errors = FieldErrors::default();
    for p in problems.iter() {
        let (field, message) = beside(t, typed, main, p);
        errors.add(field, message);
    }
    errors
}

// --- what the templates show ---------------------------------------------------------

pub struct Choice {
    value: String,
    label: String,
    selected: bool,
}

pub struct ChoiceGroup {
    label: String,
    choices: Vec<Choice>,
}

pub struct LanguageFields {
    code: &'static str,
    legend: String,
    hint: Option<String>,
    title_key: &'static str,
    notice_key: &'static str,
    title: String,
    notice: String,
}

pub struct CategoryChoice {
    name: String,
    title: String,
    checked: bool,
}

/// The fields of a form's settings, for creating one or changing it.
pub struct Fields {
    /// Creating: the number, address and main language can be chosen.
    create: bool,
    action: String,
    numbers: Vec<Choice>,
    /// The number's name, when there is no choice to make.
    number_name: String,
    number: String,
    slug: String,
    main_languages: Vec<Choice>,
    languages: Vec<LanguageFields>,
    categories: Vec<CategoryChoice>,
    double_opt_in: bool,
    welcome: Vec<ChoiceGroup>,
    origins: String,
}

async fn fields(
    t: &Words,
    db: &Db,
    numbers: &[BusinessNumber],
    typed: &Typed,
    editing: Option<&Form>,
) -> anyhow::Result<Fields> {
    let main = Locale::parse(&typed.main).unwrap_or_default();
    let languages = Locale::ALL
        .into_iter()
        .map(|l| {
            let name = (t.language)(l.code());
            let (title, notice) = typed.text(l);
            let (title_key, notice_key) = keys(l);
            LanguageFields {
                code: l.code(),
                legend: match editing {
                    Some(_) => (t.texts_legend)(name, l == main),
                    None => name.to_owned(),
                },
                hint: (editing.is_some() && l != main).then(|| (t.translation_hint)(name)),
                title_key,
                notice_key,
                title,
                notice,
            }
        })
        .collect();
    let categories = categories::list(db)
        .await?
        .into_iter()
        .map(|c| CategoryChoice {
            checked: typed.categories.iter().any(|n| n == c.name.as_str()),
            name: c.name.to_string(),
            title: c.title,
        })
        .collect();
    // Only the form's number when changing one; every number's when creating.
    let offered: Vec<&BusinessNumber> = match editing {
        Some(form) => numbers
            .iter()
            .filter(|n| n.id == form.business_number_id)
            .collect(),
        None => numbers.iter().collect(),
    };
    let mut welcome = Vec::new();
    for n in &offered {
        let mut choices: Vec<Choice> = message_templates::of_number(db, &n.id)
            .await?
            .into_iter()
            .filter_map(|tpl| {
                let category = tpl.consent_category?;
                let value = welcome_value(&tpl.name, &tpl.language);
                Some(Choice {
                    label: (t.welcome_choice)(&tpl.name, &tpl.language, &category),
                    selected: value == typed.welcome,
                    value,
                })
            })
            .collect();
        // The form's template stays a choice even if it lost its category, so
        // that saving other settings does not silently change it.
        if editing.is_some() && !choices.iter().any(|c| c.selected) && !typed.welcome.is_empty() {
            choices.insert(
                0,
                Choice {
                    label: typed.welcome.replace('/', " "),
                    value: typed.welcome.clone(),
                    selected: true,
                },
            );
        }
        if !choices.is_empty() {
            welcome.push(ChoiceGroup {
                label: n.name().to_owned(),
                choices,
            });
        }
    }
    let number_name = offered
        .iter()
        .find(|n| n.id == typed.number)
        .or(offered.first())
        .map(|n| n.name().to_owned())
        .unwrap_or_default();
    Ok(Fields {
        create: editing.is_none(),
        action: match editing {
            Some(form) => format!("/admin/forms/{}", form.slug),
            None => "/admin/forms".to_owned(),
        },
        numbers: numbers
            .iter()
            .map(|n| Choice {
                value: n.id.clone(),
                label: format!("{} ({})", n.name(), n.display_number),
                selected: n.id == typed.number,
            })
            .collect(),
        number_name,
        number: typed.number.clone(),
        slug: typed.slug.clone(),
        main_languages: Locale::ALL
            .into_iter()
            .map(|l| Choice {
                value: l.code().to_owned(),
                label: (t.language)(l.code()).to_owned(),
                selected: l == main,
            })
            .collect(),
        languages,
        categories,
        double_opt_in: typed.double_opt_in,
        welcome,
        origins: typed.origins.clone(),
    })
}

pub struct Row {
    slug: String,
    title: String,
    url: String,
    double_opt_in: bool,
    views: i64,
    submissions: i64,
    opt_ins: i64,
    confirmations: i64,
    expiries: i64,
    conversion: String,
}

#[derive(Template)]
#[template(path = "console/forms.html")]
pub struct ListPage {
    page: Page,
    rows: Vec<Row>,
    fields: Fields,
    errors: FieldErrors,
}

fn row(t: &Words, public_url: &str, f: Figures) -> Row {
    Row {
        url: format!("{public_url}/f/{}", f.slug),
        title: f.title,
        double_opt_in: f.double_opt_in,
        views: f.stats.views,
        submissions: f.stats.submissions,
        opt_ins: f.stats.opt_ins(),
        confirmations: f.stats.confirmations,
        expiries: f.stats.expiries,
        conversion: (t.percent)(f.stats.conversion()),
        slug: f.slug,
    }
}

async fn list_page(
    page: Page,
    services: &Services,
    typed: Option<&Typed>,
    errors: FieldErrors,
) -> Result<ListPage, PageError> {
    let t = &page.console.forms;
    let load = async {
        let numbers = numbers::list(&services.db).await?;
        let typed = typed.cloned().unwrap_or_else(|| Typed::blank(&numbers));
        let rows = forms::figures(&services.db)
            .await?
            .into_iter()
            .map(|f| row(t, &services.public_url, f))
            .collect();
        let fields = fields(t, &services.db, &numbers, &typed, None).await?;
        anyhow::Ok((rows, fields))
    };
    let (rows, fields) = load.await.map_err(|e| page.internal(e))?;
    Ok(ListPage {
        page,
        rows,
        fields,
        errors,
    })
}

/// `GET /admin/forms`
pub async fn list(page: Page, services: web::Data<Services>) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let view = list_page(page, &services, None, FieldErrors::default()).await?;
    Ok(render(StatusCode::OK, &view))
}

fn see_other(to: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, to))
        .finish()
}

/// `POST /admin/forms`: creates a form, then shows it.
pub async fn create(
    page: Page,
    staff: Staff,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let t = &page.console.forms;
    let typed = Typed::from_fields(&fields);
    let numbers = numbers::list(&services.db)
        .await
        .map_err(|e| page.internal(e))?;
    let mut errors = FieldErrors::default();
    let main = Locale::parse(&typed.main).unwrap_or_default();
    match numbers.iter().find(|n| n.id == typed.number) {
        None => errors.add("number", t.choose_number),
        Some(number) => {
            let (title, notice) = typed.text(main);
            let new = NewForm {
                slug: typed.slug.clone(),
                language: Some(typed.main.clone()),
                title,
                notice,
                translations: typed.translations(main),
                categories: typed.categories.clone(),
                double_opt_in: Some(typed.double_opt_in),
                welcome_template: typed.welcome_template(),
                frame_ancestors: typed.origin_list(),
            };
            match forms::create(&services.db, &staff.doer(), number, new).await {
                Ok(form) => {
                    let url = format!("{}/f/{}", services.public_url, form.slug);
                    page.session().set_flash(&(t.created)(&url));
                    return Ok(see_other(&format!("/admin/forms/{}", form.slug)));
                }
                Err(FormError::Invalid(problems)) => {
                    errors = errors_of(t, &typed, main, &problems);
                }
                Err(FormError::Exists(_)) => errors.add("slug", t.slug_taken),
                Err(e @ (FormError::NotFound(_) | FormError::Changed(_) | FormError::Db(_))) => {
                    return Err(page.internal(e));
                }
            }
        }
    }
    let view = list_page(page, &services, Some(&typed), errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

pub struct VersionRow {
    name: String,
    label: String,
    current: bool,
    published: String,
    /// (language name, notice id, views)
    languages: Vec<(&'static str, String, i64)>,
    views: i64,
}

#[derive(Template)]
#[template(path = "console/form.html")]
pub struct EditPage {
    page: Page,
    slug: String,
    title: String,
    summary: String,
    url: String,
    embed: String,
    has_origins: bool,
    figures: Row,
    versions: Vec<VersionRow>,
    fields: Fields,
    errors: FieldErrors,
}

async fn found(page: &Page, services: &Services, slug: &str) -> Result<Form, PageError> {
    forms::by_slug(&services.db, slug)
        .await
        .map_err(|e| page.internal(e))?
        .ok_or_else(|| page.error(Problem::NotFound))
}

async fn edit_page(
    page: Page,
    services: &Services,
    form: &Form,
    typed: &Typed,
    errors: FieldErrors,
) -> Result<EditPage, PageError> {
    let t = &page.console.forms;
    let load = async {
        let numbers = numbers::list(&services.db).await?;
        let versions = forms::versions(&services.db, form).await?;
        let fields = fields(t, &services.db, &numbers, typed, Some(form)).await?;
        let number = numbers
            .iter()
            .find(|n| n.id == form.business_number_id)
            .map(|n| n.name().to_owned())
            .unwrap_or_default();
        anyhow::Ok((versions, fields, number))
    };
    let (versions, fields, number) = load.await.map_err(|e| page.internal(e))?;
    let own = &form.texts[&form.language];
    let url = format!("{}/f/{}", services.public_url, form.slug);
    let figures = row(
        t,
        &services.public_url,
        Figures {
            slug: form.slug.clone(),
            title: own.title.clone(),
            business_number_id: form.business_number_id.clone(),
            double_opt_in: form.double_opt_in,
            stats: form.stats,
        },
    );
    let versions = versions
        .into_iter()
        .map(|v: Version| VersionRow {
            name: (t.version_name)(v.number),
            current: v.number == form.notice_version,
            published: dates::moment(v.created_at),
            languages: v
                .languages
                .into_iter()
                .map(|(l, id, _, views)| ((t.language)(l.code()), id, views))
                .collect(),
            views: v.views,
            label: v.label,
        })
        .collect();
    Ok(EditPage {
        slug: form.slug.clone(),
        title: own.title.clone(),
        summary: (t.summary)(
            &form.slug,
            &number,
            if form.double_opt_in {
                t.double
            } else {
                t.single
            },
        ),
        embed: opt_in::embed_html(&url, &own.title),
        has_origins: !form.frame_ancestors.is_empty(),
        url,
        figures,
        versions,
        fields,
        errors,
        page,
    })
}

/// `GET /admin/forms/{slug}`
pub async fn edit(
    page: Page,
    slug: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let form = found(&page, &services, &slug).await?;
    let view = edit_page(
        page,
        &services,
        &form,
        &Typed::of(&form),
        FieldErrors::default(),
    )
    .await?;
    Ok(render(StatusCode::OK, &view))
}

/// `POST /admin/forms/{slug}`: changes the form's settings.
pub async fn change(
    page: Page,
    staff: Staff,
    slug: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let page = page.for_staff();
    let t = &page.console.forms;
    let form = found(&page, &services, &slug).await?;
    let number = numbers::by_id(
        &mut *services
            .db
            .pool
            .acquire()
            .await
            .map_err(|e| page.internal(e))?,
        &form.business_number_id,
    )
    .await
    .map_err(|e| page.internal(e))?
    .ok_or_else(|| page.error(Problem::NotFound))?;
    // What cannot change is what the form holds, whatever was sent.
    let typed = Typed {
        number: form.business_number_id.clone(),
        slug: form.slug.clone(),
        main: form.language.code().to_owned(),
        ..Typed::from_fields(&fields)
    };
    let main = form.language;
    let (title, notice) = typed.text(main);
    let translations = typed.translations(main);
    let change = FormChange {
        title: Some(title),
        notice: Some(notice),
        drop_translations: form
            .texts
            .keys()
            .filter(|l| **l != main && !translations.contains_key(l.code()))
            .map(|l| l.code().to_owned())
            .collect(),
        translations: Some(translations),
        categories: Some(typed.categories.clone()),
        double_opt_in: Some(typed.double_opt_in),
        welcome_template: Some(typed.welcome_template()),
        frame_ancestors: Some(typed.origin_list()),
    };
    let (form, typed, errors) =
        match forms::update(&services.db, &staff.doer(), &number, &form.slug, change).await {
            Ok(updated) => {
                let said = if updated.changed.is_empty() {
                    t.nothing_changed.to_owned()
                } else if updated.changed.contains(&"words") {
                    (t.saved_new_version)(updated.form.notice_version)
                } else {
                    t.saved.to_owned()
                };
                page.session().set_flash(&said);
                return Ok(see_other(&format!("/admin/forms/{}", updated.form.slug)));
            }
            Err(FormError::Invalid(problems)) => {
                let errors = errors_of(t, &typed, main, &problems);
                (form, typed, errors)
            }
            Err(FormError::Changed(_)) => {
                // Show what is there now, and say why nothing was saved.
                let now = found(&page, &services, &slug).await?;
                let mut errors = FieldErrors::default();
                errors.add("", t.changed_meanwhile);
                let typed = Typed::of(&now);
                (now, typed, errors)
            }
            Err(FormError::NotFound(_)) => return Err(page.error(Problem::NotFound)),
            Err(e @ (FormError::Exists(_) | FormError::Db(_))) => return Err(page.internal(e)),
        };
    let view = edit_page(page, &services, &form, &typed, errors).await?;
    Ok(render(StatusCode::UNPROCESSABLE_ENTITY, &view))
}

/// `GET /admin/forms/{slug}/preview`: the public page, in the language asked
/// for (`?lang=`), without counting a view and with sending turned off.
pub async fn preview(
    page: Page,
    req: HttpRequest,
    slug: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, PageError> {
    let form = found(&page, &services, &slug).await?;
    public_form::preview(page, &req, &services, &form).await
}
