//! The rules a consent change asked for from outside chat must pass before it is
//! appended: today from the business's systems (the API); next from forms, the
//! preference center and staff, which reuse them.

use super::event::{ConsentAction, Notice};
use super::state::{CategoryStatus, ConsentState};
use crate::categories::Category;
use crate::digest::{is_sha256_hex, sha256_hex};
use crate::domain::{CategoryName, TemplateName};
use crate::message_templates::Template;

/// A request that breaks a rule, named by the field to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct Refused {
    pub field: &'static str,
    pub problem: String,
    /// The field is missing rather than wrong.
    pub missing: bool,
}

fn refused(field: &'static str, problem: impl Into<String>) -> Refused {
    Refused {
        field,
        problem: problem.into(),
        missing: false,
    }
}

impl Notice {
    /// The notice a person was shown, from its version and its text or the text's
    /// SHA-256 (either will do; given both, they must agree).
    pub fn from_parts(
        version: Option<&str>,
        sha256: Option<&str>,
        text: Option<&str>,
    ) -> Result<Option<Notice>, Refused> {
        let given = match sha256 {
            Some(h) if !is_sha256_hex(h) => {
                return Err(refused(
                    "notice_sha256",
                    "must be 64 hexadecimal characters",
                ));
            }
            h => h.map(str::to_ascii_lowercase),
        };
        let computed = text.map(|t| sha256_hex(t.as_bytes()));
        let sha256 = match (given, computed) {
            (Some(g), Some(c)) if g != c => {
                return Err(refused(
                    "notice_sha256",
                    "does not match the SHA-256 of notice_text",
                ));
            }
            (g, c) => g.or(c),
        };
        match (version, sha256) {
            (Some(v), Some(h)) => Ok(Some(Notice {
                version: v.to_owned(),
                sha256: Some(h),
            })),
            (None, None) => Ok(None),
            (None, Some(_)) => Err(Refused {
                missing: true,
                ..refused("notice_version", "is required")
            }),
            (Some(_), None) => Err(refused(
                "notice_version",
                "needs notice_sha256 or notice_text",
            )),
        }
    }
}

/// The category must exist; the message lists those that do.
pub fn known_category(known: &[Category], name: &CategoryName) -> Result<(), Refused> {
    if known.iter().any(|c| c.name == *name) {
        return Ok(());
    }
    let names: Vec<&str> = known.iter().map(|c| c.name.as_str()).collect();
    Err(refused(
        "category",
        format!("unknown category \"{name}\"; known: {}", names.join(", ")),
    ))
}

/// A double opt-in names the one template that may confirm it: only on a grant,
/// and a template of the number (`templates`) mapped to that category.
pub fn confirmation_template(
    templates: &[Template],
    action: ConsentAction,
    category: &CategoryName,
    template: &TemplateName,
) -> Result<(), Refused> {
    if action != ConsentAction::Granted {
        return Err(refused(
            "confirmation_template",
            "only goes with action grant",
        ));
    }
    let mapped = templates.iter().any(|t| {
        t.name == template.as_str() && t.consent_category.as_deref() == Some(category.as_str())
    });
    if mapped {
        Ok(())
    } else {
        Err(refused(
            "confirmation_template",
            format!(
                "no template \"{template}\" mapped to category \"{category}\" is registered for this number"
            ),
        ))
    }
}

/// A confirmation completes a pending double opt-in, and nothing else: `current`
/// is the category's state for the person (`None`: nothing, or nobody yet).
pub fn confirmable(
    current: Option<&CategoryStatus>,
    category: &CategoryName,
) -> Result<(), Refused> {
    if current.is_some_and(|s| s.state == ConsentState::Pending) {
        Ok(())
    } else {
        Err(refused(
            "action",
            format!("there is no pending opt-in for \"{category}\" to confirm"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_is_its_version_and_the_hash_of_its_text() {
        let text = "You agree to receive offers from Acme.";
        let hash = sha256_hex(text.as_bytes());
        let from_text = Notice::from_parts(Some("v1"), None, Some(text))
            .unwrap()
            .unwrap();
        assert_eq!(from_text.sha256.as_deref(), Some(hash.as_str()));
        let from_hash = Notice::from_parts(Some("v1"), Some(&hash.to_uppercase()), None).unwrap();
        assert_eq!(from_hash, Some(from_text));
        assert_eq!(Notice::from_parts(None, None, None), Ok(None));
        let wrong = Notice::from_parts(Some("v1"), Some(&sha256_hex(b"other")), Some(text));
        assert_eq!(wrong.unwrap_err().field, "notice_sha256");
        assert_eq!(
            Notice::from_parts(Some("v1"), None, None)
                .unwrap_err()
                .field,
            "notice_version"
        );
        assert_eq!(
            Notice::from_parts(None, Some(&hash), None)
                .unwrap_err()
                .field,
            "notice_version"
        );
        assert_eq!(
            Notice::from_parts(Some("v1"), Some("xyz"), None)
                .unwrap_err()
                .field,
            "notice_sha256"
        );
    }
}
