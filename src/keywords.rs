//! Keywords in chat (SPEC §7): STOP, STOP <category>, START, HELP, the "Stop
//! promotions" button, YES to confirm a double opt-in, and PREFERENCES for a
//! preference-center link, in English, Spanish and Portuguese. A number may add
//! words to any (language, action) but never remove the defaults: the words
//! Assent's own texts name always work.

use crate::db::Db;

use crate::domain::{Language, Locale};
use serde::Serialize;
use sqlx::AnyConnection;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Stop,
    Start,
    Help,
    StopPromotions,
    Confirm,
    Preferences,
}

impl Action {
    pub const ALL: [Action; 6] = [
        Self::Stop,
        Self::Start,
        Self::Help,
        Self::StopPromotions,
        Self::Confirm,
        Self::Preferences,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "stop",
            Self::Start => "start",
            Self::Help => "help",
            Self::StopPromotions => "stop_promotions",
            Self::Confirm => "confirm",
            Self::Preferences => "preferences",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
    }
}

fn defaults(language: &str, action: Action) -> &'static [&'static str] {
    match (language, action) {
        ("en", Action::Stop) => &["STOP", "UNSUBSCRIBE", "STOP ALL", "CANCEL", "END", "QUIT"],
        ("en", Action::Start) => &["START", "SUBSCRIBE", "UNSTOP"],
        ("en", Action::Help) => &["HELP", "INFO"],
        ("en", Action::StopPromotions) => &["STOP PROMOTIONS", "STOP_PROMOTIONS"],
        ("es", Action::Stop) => &["PARAR", "BAJA", "CANCELAR", "DETENER"],
        ("es", Action::Start) => &["ALTA", "COMENZAR", "REANUDAR"],
        ("es", Action::Help) => &["AYUDA"],
        ("es", Action::StopPromotions) => &["DETENER PROMOCIONES", "PARAR PROMOCIONES"],
        ("pt", Action::Stop) => &["SAIR", "PARE", "PARAR", "CANCELAR"],
        ("pt", Action::Start) => &["VOLTAR", "INICIAR", "RETOMAR"],
        ("pt", Action::Help) => &["AJUDA"],
        ("pt", Action::StopPromotions) => &["PARAR PROMOCOES", "PARAR PROMOÇÕES"],
        ("en", Action::Confirm) => &["YES", "CONFIRM"],
        ("es", Action::Confirm) => &["SÍ", "SI", "CONFIRMAR"],
        ("pt", Action::Confirm) => &["SIM", "CONFIRMAR"],
        ("en", Action::Preferences) => &["PREFERENCES", "SETTINGS"],
        ("es", Action::Preferences) => &["PREFERENCIAS"],
        ("pt", Action::Preferences) => &["PREFERÊNCIAS", "PREFERENCIAS"],
        _ => &[],
    }
}

/// Upper case, accents removed, inner whitespace collapsed, the ends trimmed of
/// spaces and of the punctuation people add ("Stop!").
pub fn normalise(text: &str) -> String {
    let folded: String = text
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .collect::<String>()
        .to_uppercase();
    folded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .trim_matches(|c: char| matches!(c, '.' | '!' | '¡' | '?' | '¿'))
        .trim()
        .to_owned()
}

#[derive(Debug, Clone, Serialize)]
pub struct Word {
    pub language: String,
    pub action: Action,
    pub word: String,
}

/// The action a built-in word (normalised) means, in any language.
fn built_in_action(word: &str) -> Option<Action> {
    Locale::ALL.iter().find_map(|l| {
        Action::ALL
            .into_iter()
            .find(|a| defaults(l.code(), *a).iter().any(|w| normalise(w) == word))
    })
}

/// The words in effect for a number: the defaults, and the words it added.
pub async fn effective(
    conn: &mut AnyConnection,
    business_number_id: &str,
) -> anyhow::Result<Vec<Word>> {
    let own: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT language, action, word FROM keywords WHERE business_number_id = $1 ORDER BY language, action, word",
    )
    .bind(business_number_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut words = Vec::new();
    let mut languages: Vec<String> = Locale::ALL.iter().map(|l| l.code().to_owned()).collect();
    for (language, _, _) in &own {
        if !languages.contains(language) {
            languages.push(language.clone());
        }
    }
    for language in &languages {
        for action in Action::ALL {
            let added = own
                .iter()
                .filter(|(l, a, _)| l == language && a == action.as_str())
                .map(|(_, _, w)| w.clone())
                // Rows written before words of other actions were refused: a built-in
                // word keeps its meaning, as Assent's texts name it.
                .filter(|w| built_in_action(w).is_none_or(|a| a == action));
            for word in defaults(language, action)
                .iter()
                .map(|w| normalise(w))
                .chain(added)
            {
                let known = words.iter().any(|w: &Word| {
                    w.language == *language && w.action == action && w.word == word
                });
                if !known {
                    words.push(Word {
                        language: language.clone(),
                        action,
                        word,
                    });
                }
            }
        }
    }
    Ok(words)
}

#[derive(Debug, thiserror::Error)]
pub enum KeywordError {
    #[error("{field}: {problem}")]
    Invalid { field: String, problem: String },
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for KeywordError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

/// Sets the words a number adds to one (language, action), replacing those it
/// added before; an empty list removes them, the defaults stay. A word that
/// already means another action (built in, in any language, or added by this
/// number) is refused: Assent's texts name the built-in words, and each must do
/// what the text says.
pub async fn set(
    db: &Db,
    business_number_id: &str,
    language: &Language,
    action: Action,
    words: &[String],
) -> Result<(), KeywordError> {
    set_by(db, None, business_number_id, language, action, words).await
}

/// `set`, recorded in the audit log in the same transaction when `who` is given
/// (a member of staff).
pub async fn set_by(
    db: &Db,
    who: Option<&crate::audit::Doer>,
    business_number_id: &str,
    language: &Language,
    action: Action,
    words: &[String],
) -> Result<(), KeywordError> {
    let invalid = |field: String, problem: String| KeywordError::Invalid { field, problem };
    if words.len() > 50 {
        return Err(invalid("words".into(), "at most 50 words".into()));
    }
    let mut tx = db.write().await?;
    let others: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, word FROM keywords WHERE business_number_id = $1 AND action <> $2",
    )
    .bind(business_number_id)
    .bind(action.as_str())
    .fetch_all(&mut *tx)
    .await?;
    let mut normalised = Vec::with_capacity(words.len());
    for (n, raw) in words.iter().enumerate() {
        let word = normalise(raw);
        if word.is_empty() || word.chars().count() > 40 || word.chars().any(char::is_control) {
            return Err(invalid(
                format!("words[{n}]"),
                "must be 1 to 40 characters, without control characters".into(),
            ));
        }
        let taken = built_in_action(&word)
            .filter(|a| *a != action)
            .map(|a| format!("\"{word}\" is a built-in word for {}", a.as_str()))
            .or_else(|| {
                others
                    .iter()
                    .find(|(_, w)| *w == word)
                    .map(|(a, _)| format!("\"{word}\" is already this number's word for {a}"))
            });
        if let Some(taken) = taken {
            return Err(invalid(
                format!("words[{n}]"),
                format!("{taken}; a word can mean one action only, pick another"),
            ));
        }
        normalised.push(word);
    }
    let language = language.as_str();
    sqlx::query(
        "DELETE FROM keywords WHERE business_number_id = $1 AND language = $2 AND action = $3",
    )
    .bind(business_number_id)
    .bind(language)
    .bind(action.as_str())
    .execute(&mut *tx)
    .await?;
    let added = normalised.clone();
    for word in normalised {
        sqlx::query(
            "INSERT INTO keywords (business_number_id, language, action, word) VALUES ($1, $2, $3, $4) \
             ON CONFLICT DO NOTHING",
        )
        .bind(business_number_id)
        .bind(language)
        .bind(action.as_str())
        .bind(&word)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(who) = who {
        crate::audit::record(
            &mut tx,
            who,
            crate::audit::Entry {
                action: "keywords.changed",
                target: &format!("keywords:{business_number_id}"),
                detail: &format!("{language} {}: {}", action.as_str(), added.join(", ")),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// What a message that is exactly a keyword asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    StopAll,
    /// STOP followed by a category keyword: the category's name.
    StopOne(String),
    Start,
    Help,
    StopPromotions,
    /// YES: confirms the person's pending double opt-ins.
    Confirm,
    /// PREFERENCES: a fresh preference-center link.
    Preferences,
}

/// The category keywords: each category's name, the name with spaces, its title.
pub struct CategoryWords<'a> {
    pub name: &'a str,
    pub title: &'a str,
    /// The category's own keywords (`categories::Category::keywords`).
    pub keywords: &'a [String],
}

/// Reads `text` as a keyword command, with the language it was said in. Where a
/// word belongs to several languages (CANCELAR), `preferred` decides, else the
/// order of `Locale::ALL`.
pub fn parse(
    text: &str,
    words: &[Word],
    categories: &[CategoryWords<'_>],
    preferred: Option<&str>,
) -> Option<(Command, String)> {
    let said = normalise(text);
    if said.is_empty() {
        return None;
    }
    let pick = |action: Action, word: &str| -> Option<String> {
        let mut found: Vec<&str> = words
            .iter()
            .filter(|w| w.action == action && w.word == word)
            .map(|w| w.language.as_str())
            .collect();
        if let Some(p) = preferred.filter(|p| found.contains(p)) {
            found.insert(0, p);
        }
        found.first().map(|l| l.to_string())
    };
    for (action, command) in [
        (Action::StopPromotions, Command::StopPromotions),
        (Action::Stop, Command::StopAll),
        (Action::Start, Command::Start),
        (Action::Help, Command::Help),
        (Action::Confirm, Command::Confirm),
        (Action::Preferences, Command::Preferences),
    ] {
        if let Some(language) = pick(action, &said) {
            return Some((command, language));
        }
    }
    // STOP <category>: a stop word, then a category keyword.
    for w in words.iter().filter(|w| w.action == Action::Stop) {
        let Some(rest) = said
            .strip_prefix(w.word.as_str())
            .and_then(|r| r.strip_prefix(' '))
        else {
            continue;
        };
        for c in categories {
            let names = [
                normalise(c.name),
                normalise(&c.name.replace('_', " ")),
                normalise(c.title),
            ];
            if names.iter().any(|n| n == rest) || c.keywords.iter().any(|k| normalise(k) == rest) {
                let language = pick(Action::Stop, &w.word).unwrap_or_else(|| w.language.clone());
                return Some((Command::StopOne(c.name.to_owned()), language));
            }
        }
    }
    None
}

/// A quick-reply button press: the payload or the button's text may name the
/// "Stop promotions" action.
pub fn is_stop_promotions(
    payload: Option<&str>,
    text: Option<&str>,
    words: &[Word],
) -> Option<String> {
    [payload, text].into_iter().flatten().find_map(|said| {
        let said = normalise(said);
        words
            .iter()
            .find(|w| w.action == Action::StopPromotions && w.word == said)
            .map(|w| w.language.clone())
    })
}

/// The built-in words of a (language, action), as they are matched: these work
/// for every number and cannot be removed.
pub fn built_in(language: &str, action: Action) -> Vec<String> {
    defaults(language, action)
        .iter()
        .map(|w| normalise(w))
        .collect()
}

/// The words a number added to a (language, action).
pub async fn added(db: &Db, business_number_id: &str) -> anyhow::Result<Vec<Word>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT language, action, word FROM keywords WHERE business_number_id = $1 ORDER BY language, action, word",
    )
    .bind(business_number_id)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(language, action, word)| {
            Some(Word {
                language,
                action: Action::parse(&action)?,
                word,
            })
        })
        .collect())
}

/// The words in effect for a number (see `effective`).
pub async fn in_effect(db: &Db, business_number_id: &str) -> anyhow::Result<Vec<Word>> {
    effective(&mut *db.pool.acquire().await?, business_number_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_words() -> Vec<Word> {
        let mut words = Vec::new();
        for language in Locale::ALL.map(Locale::code) {
            for action in Action::ALL {
                words.extend(defaults(language, action).iter().map(|w| Word {
                    language: language.into(),
                    action,
                    word: normalise(w),
                }));
            }
        }
        words
    }

    const CATEGORIES: [CategoryWords<'static>; 2] = [
        CategoryWords {
            name: "offers",
            title: "Offers and promotions",
            keywords: &[],
        },
        CategoryWords {
            name: "product_news",
            title: "Product news",
            keywords: &[],
        },
    ];

    #[test]
    fn a_category_is_stopped_by_its_own_keywords_too() {
        let keywords = ["promos".to_owned(), "ofertas".to_owned()];
        let categories = [CategoryWords {
            name: "offers",
            title: "Offers and promotions",
            keywords: &keywords,
        }];
        for said in [
            "STOP promos",
            "stop  Promos",
            "PARAR ofertas",
            "STOP offers",
        ] {
            assert_eq!(
                parse(said, &default_words(), &categories, None).map(|(c, _)| c),
                Some(Command::StopOne("offers".into())),
                "{said}"
            );
        }
        assert_eq!(
            parse("STOP promo", &default_words(), &categories, None),
            None
        );
    }

    fn read(text: &str, preferred: Option<&str>) -> Option<(Command, String)> {
        parse(text, &default_words(), &CATEGORIES, preferred)
    }

    #[test]
    fn every_default_word_is_understood_in_its_language() {
        for language in Locale::ALL.map(Locale::code) {
            for action in [Action::Stop, Action::Start, Action::Help] {
                for word in defaults(language, action) {
                    let (command, said_in) = read(&word.to_lowercase(), Some(language)).unwrap();
                    let expected = match action {
                        Action::Stop => Command::StopAll,
                        Action::Start => Command::Start,
                        _ => Command::Help,
                    };
                    assert_eq!((command, said_in.as_str()), (expected, language), "{word}");
                }
            }
        }
    }

    #[test]
    fn case_accents_spaces_and_punctuation_do_not_matter() {
        assert_eq!(
            read("  stop! ", None),
            Some((Command::StopAll, "en".into()))
        );
        assert_eq!(read("Ajudá", None), Some((Command::Help, "pt".into())));
        assert_eq!(
            read("parar  promoções", None),
            Some((Command::StopPromotions, "pt".into()))
        );
        assert_eq!(
            read("Stop product news", None),
            Some((Command::StopOne("product_news".into()), "en".into()))
        );
        assert_eq!(
            read("BAJA offers", None),
            Some((Command::StopOne("offers".into()), "es".into()))
        );
    }

    #[test]
    fn shared_words_follow_the_persons_language() {
        assert_eq!(read("cancelar", None).unwrap().1, "es");
        assert_eq!(read("cancelar", Some("pt")).unwrap().1, "pt");
    }

    #[test]
    fn more_than_a_keyword_is_not_a_keyword() {
        assert_eq!(read("please stop sending me this", None), None);
        assert_eq!(read("stop everything now", None), None);
        assert_eq!(read("", None), None);
        assert_eq!(read("starting", None), None);
    }
}
