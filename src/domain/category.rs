use std::fmt;

/// A consent category's name: lowercase letters, digits and `_`, 1 to 64 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct CategoryName(String);

impl CategoryName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if super::is_snake_name(raw, 64) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 64 lowercase letters, digits or _")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What kind of messages a category covers; Meta's marketing-only signals
/// (user_preferences stop, error 131050) apply to the `Marketing` kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoryKind {
    Marketing,
    Utility,
    Authentication,
}

impl CategoryKind {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        match raw.to_ascii_lowercase().as_str() {
            "marketing" => Ok(Self::Marketing),
            "utility" => Ok(Self::Utility),
            "authentication" => Ok(Self::Authentication),
            _ => Err("must be one of marketing, utility, authentication"),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Marketing => "marketing",
            Self::Utility => "utility",
            Self::Authentication => "authentication",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(CategoryName::parse("order_updates").is_ok());
        assert!(CategoryName::parse("Offers").is_err());
        assert!(CategoryName::parse("").is_err());
        assert!(CategoryName::parse("a'; DROP TABLE x").is_err());
    }

    #[test]
    fn kinds() {
        assert_eq!(
            CategoryKind::parse("MARKETING"),
            Ok(CategoryKind::Marketing)
        );
        assert!(CategoryKind::parse("service").is_err());
    }
}
