use std::fmt;

/// Who caused a send or a consent event: recorded with each, so the compliance
/// report can say who asked. Stored as `api_key:<id>`, `staff:<id>`,
/// `system:<flow>` or `meta`; that text is part of chained ledger events, so its
/// form never changes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Actor {
    /// The business's systems, by the id of the API key they used.
    ApiKey(String),
    /// A staff member of the console, by user id.
    Staff(String),
    /// One of Assent's own flows (`chat`, `keywords`, …).
    System(String),
    /// Meta itself (a marketing stop in WhatsApp, error 131050).
    Meta,
}

impl Actor {
    pub fn system(flow: &str) -> Self {
        Self::System(flow.to_owned())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        if raw == "meta" {
            return Some(Self::Meta);
        }
        let (kind, id) = raw.split_once(':')?;
        let id = id.to_owned();
        match kind {
            "api_key" => Some(Self::ApiKey(id)),
            "staff" => Some(Self::Staff(id)),
            "system" => Some(Self::System(id)),
            _ => None,
        }
    }

    /// Assent's own doing (its replies are not the business's messages).
    pub fn is_system(&self) -> bool {
        matches!(self, Self::System(_))
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey(id) => write!(f, "api_key:{id}"),
            Self::Staff(id) => write!(f, "staff:{id}"),
            Self::System(flow) => write!(f, "system:{flow}"),
            Self::Meta => f.write_str("meta"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actors_read_back_as_written() {
        for actor in [
            Actor::ApiKey("0192-ab".into()),
            Actor::Staff("u1".into()),
            Actor::system("chat"),
            Actor::Meta,
        ] {
            assert_eq!(Actor::parse(&actor.to_string()), Some(actor));
        }
        assert_eq!(Actor::system("keywords").to_string(), "system:keywords");
        assert_eq!(Actor::parse("nobody"), None);
        assert!(Actor::system("chat").is_system() && !Actor::Meta.is_system());
    }
}
