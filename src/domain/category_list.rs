use super::CategoryName;
use std::fmt;

/// Several consent categories, in order and without repeats; stored as one
/// comma-joined column (a category name holds no comma).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CategoryList(Vec<CategoryName>);

impl CategoryList {
    pub fn new(names: impl IntoIterator<Item = CategoryName>) -> Self {
        let mut list = Vec::new();
        for name in names {
            if !list.contains(&name) {
                list.push(name);
            }
        }
        Self(list)
    }

    /// Reads a stored column; names that are not valid are dropped.
    pub fn from_stored(joined: &str) -> Self {
        Self::new(
            joined
                .split(',')
                .filter_map(|n| CategoryName::parse(n.trim()).ok()),
        )
    }

    pub fn to_stored(&self) -> String {
        self.names().collect::<Vec<_>>().join(",")
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(CategoryName::as_str)
    }

    pub fn to_strings(&self) -> Vec<String> {
        self.names().map(str::to_owned).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CategoryName> {
        self.0.iter()
    }
}

impl fmt::Display for CategoryList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_stored())
    }
}

impl serde::Serialize for CategoryList {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.names())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_through_their_column_without_repeats() {
        let list = CategoryList::from_stored("offers,product_news,offers");
        assert_eq!(list.to_stored(), "offers,product_news");
        assert_eq!(CategoryList::from_stored(&list.to_stored()), list);
        assert!(CategoryList::from_stored("").is_empty());
        assert_eq!(
            serde_json::to_string(&list).unwrap(),
            r#"["offers","product_news"]"#
        );
    }
}
