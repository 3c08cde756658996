//! WHERE clauses assembled from optional filters: each value gets the next
//! numbered placeholder and is bound in that order, so a search with any mix of
//! filters is still one parameterised statement.

use sqlx::any::{Any, AnyArguments};
use sqlx::error::BoxDynError;
use sqlx::{Arguments, Encode, Type};

#[derive(Default)]
pub struct Conditions {
    clauses: Vec<String>,
    arguments: AnyArguments,
    error: Option<BoxDynError>,
}

impl Conditions {
    /// Binds `value` and returns its placeholder (`$3`), for a clause to name.
    pub fn bind<'t, T: Encode<'t, Any> + Type<Any>>(&mut self, value: T) -> String {
        if let Err(e) = self.arguments.add(value) {
            self.error.get_or_insert(e);
        }
        format!("${}", self.arguments.len())
    }

    /// Binds each value, for `column IN (…)`.
    pub fn bind_all(&mut self, values: &[String]) -> String {
        values
            .iter()
            .map(|v| self.bind(v.clone()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// A condition every row must meet, naming its placeholders from `bind`.
    pub fn push(&mut self, clause: String) {
        self.clauses.push(clause);
    }

    /// `WHERE a AND b`, or nothing without conditions.
    pub fn where_clause(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.clauses.join(" AND "))
        }
    }

    /// The bound values, for `sqlx::query_with` and `query_as_with`.
    pub fn arguments(self) -> anyhow::Result<AnyArguments> {
        match self.error {
            Some(e) => Err(anyhow::anyhow!("a filter value could not be bound: {e}")),
            None => Ok(self.arguments),
        }
    }
}
