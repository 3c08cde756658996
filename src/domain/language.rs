use std::fmt;

/// A language code as people, browsers and Meta write them: `en`, `es`, `pt_BR`,
/// `en-US`, `fil`. The one rule for every language field (templates, keywords,
/// evidence, entry points): a primary subtag of 2 or 3 lowercase letters, then
/// subtags of 1 to 8 letters or digits joined by `_` or `-`, 35 characters at most.
/// The form is kept as written, since a template is registered under Meta's.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Language(String);

impl Language {
    pub const RULE: &'static str = "must be a language code such as en, es or pt_BR";

    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let mut subtags = raw.split(['_', '-']);
        let primary = subtags.next().unwrap_or_default();
        let ok = raw.len() <= 35
            && (2..=3).contains(&primary.len())
            && primary.chars().all(|c| c.is_ascii_lowercase())
            && subtags.all(|s| {
                (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric())
            });
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(Self::RULE)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The language of Assent's own texts closest to this one.
    pub fn locale(&self) -> Locale {
        Locale::closest(&self.0).unwrap_or_default()
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The languages Assent itself speaks (chat replies, notices, public pages);
/// English is the fallback.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Locale {
    #[default]
    En,
    Es,
    Pt,
}

impl Locale {
    pub const ALL: [Locale; 3] = [Self::En, Self::Es, Self::Pt];

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
            Self::Pt => "pt",
        }
    }

    /// Exactly `en`, `es` or `pt`.
    pub fn parse(raw: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|l| l.code() == raw)
            .ok_or_else(|| {
                let codes: Vec<&str> = Self::ALL.iter().map(|l| l.code()).collect();
                format!("must be one of {}", codes.join(", "))
            })
    }

    /// The locale whose code is this tag's primary subtag (`pt-BR`, `es_AR`, `ES`).
    pub fn closest(tag: &str) -> Option<Self> {
        let primary = tag.split(['_', '-']).next()?.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first language of an `Accept-Language` header that Assent speaks, in
    /// the order of the person's preference (`q` weights).
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut ranked: Vec<(f32, usize, Self)> = accept_language
            .split(',')
            .enumerate()
            .filter_map(|(n, item)| {
                let mut parts = item.split(';');
                let locale = Self::closest(parts.next()?)?;
                let q = parts
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())?;
                (q > 0.0).then_some((q, n, locale))
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranked.first().map(|r| r.2)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_codes_as_meta_and_browsers_write_them() {
        for ok in ["en", "es", "pt_BR", "en-US", "fil", "zh_Hant_TW", "es-419"] {
            assert!(Language::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "e",
            "english",
            "EN",
            "<script>",
            "=1+1",
            "en_",
            "en__US",
            "en US",
            "pt_BR\0",
            &"en-abcdefgh".repeat(4),
        ] {
            assert_eq!(Language::parse(bad), Err(Language::RULE), "{bad:?}");
        }
    }

    #[test]
    fn locales_come_from_tags_and_headers() {
        assert_eq!(Language::parse("pt_BR").unwrap().locale(), Locale::Pt);
        assert_eq!(Language::parse("fr").unwrap().locale(), Locale::En);
        assert_eq!(Locale::parse("es"), Ok(Locale::Es));
        assert!(Locale::parse("de").unwrap_err().contains("en, es, pt"));
        assert_eq!(
            Locale::negotiate("pt-BR,pt;q=0.9,en;q=0.8"),
            Some(Locale::Pt)
        );
        assert_eq!(
            Locale::negotiate("de-DE, es;q=0.5, en;q=0.7"),
            Some(Locale::En)
        );
        assert_eq!(Locale::negotiate("en;q=0, es"), Some(Locale::Es));
        assert_eq!(Locale::negotiate("de, fr"), None);
        assert_eq!(Locale::negotiate("*"), None);
    }
}
