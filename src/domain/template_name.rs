use std::fmt;

/// A WhatsApp template name as Meta accepts it: 1 to 512 lowercase letters, digits, `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct TemplateName(String);

impl TemplateName {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        if super::is_snake_name(raw, 512) {
            Ok(Self(raw.to_owned()))
        } else {
            Err("must be 1 to 512 lowercase letters, digits or _")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TemplateName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_names() {
        assert!(TemplateName::parse("order_shipped_2").is_ok());
        assert!(TemplateName::parse("Order-Shipped").is_err());
        assert!(TemplateName::parse(&"a".repeat(513)).is_err());
    }
}
