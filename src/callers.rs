//! Who did something (a refused send, a consent event), in words: an API key by
//! its name, a staff member by their email, one of Assent's flows, or Meta.
//! Names are looked up by primary key in the same query (`joins`), so each row
//! costs one lookup whatever the tables hold.

use crate::domain::Actor;

/// LEFT JOINs that find the API key (`k.name`) or the staff member (`u.email`)
/// an actor column names (`api_key:<id>`, `staff:<id>`).
pub fn joins(actor: &str) -> String {
    format!(
        "LEFT JOIN api_keys k ON {actor} LIKE 'api_key:%' AND k.id = SUBSTR({actor}, 9) \
         LEFT JOIN users u ON {actor} LIKE 'staff:%' AND u.id = SUBSTR({actor}, 7)"
    )
}

/// Who did something, by the name a reader knows them by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// The business's systems, by their API key (its name, unless deleted).
    ApiKey {
        id: String,
        name: Option<String>,
    },
    /// A staff member of the console (their email, unless deleted).
    Staff {
        id: String,
        email: Option<String>,
    },
    /// One of Assent's own flows (`chat`, `keywords`, `opt_in`, …).
    Flow(String),
    Meta,
}

impl Caller {
    /// The actor as stored, with the key's name and the staff member's email that
    /// `joins` found.
    pub fn new(actor: &str, key_name: Option<String>, email: Option<String>) -> Self {
        match Actor::parse(actor) {
            Some(Actor::ApiKey(id)) => Self::ApiKey { id, name: key_name },
            Some(Actor::Staff(id)) => Self::Staff { id, email },
            Some(Actor::System(flow)) => Self::Flow(flow),
            Some(Actor::Meta) => Self::Meta,
            None => Self::Flow(actor.to_owned()),
        }
    }

    /// `api_key`, `staff`, `flow` or `meta`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ApiKey { .. } => "api_key",
            Self::Staff { .. } => "staff",
            Self::Flow(_) => "flow",
            Self::Meta => "meta",
        }
    }

    /// The caller's name: the key's, the staff member's email, the flow's.
    pub fn name(&self) -> String {
        match self {
            Self::ApiKey { id, name } => {
                name.clone().unwrap_or_else(|| format!("deleted key {id}"))
            }
            Self::Staff { id, email } => email
                .clone()
                .unwrap_or_else(|| format!("deleted user {id}")),
            Self::Flow(flow) => flow.clone(),
            Self::Meta => "Meta".into(),
        }
    }

    /// In words: `API key "crm"`, `staff eve@acme.example`, `Assent's chat flow`.
    pub fn describe(&self) -> String {
        match self {
            Self::ApiKey { .. } => format!("API key \"{}\"", self.name()),
            Self::Staff { .. } => format!("staff {}", self.name()),
            Self::Flow(flow) => format!("Assent's {flow} flow"),
            Self::Meta => "Meta".into(),
        }
    }
}
