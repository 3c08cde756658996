//! Types that cannot hold invalid values. Raw strings stop at the edge: every
//! handler parses into these before anything else happens.

mod actor;
mod category;
mod category_list;
mod language;
mod message_status;
mod phone;
mod template_name;

pub use actor::Actor;
pub use category::{CategoryKind, CategoryName};
pub use category_list::CategoryList;
pub use language::{Language, Locale};
pub use message_status::MessageStatus;
pub use phone::{PhoneError, PhoneNumber, Recipient, UserId, countries, mask};
pub use template_name::TemplateName;

/// Meta's rule for template names, which Assent keeps for category names too:
/// lowercase letters, digits and `_`, 1 to `max` characters.
fn is_snake_name(raw: &str, max: usize) -> bool {
    (1..=max).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}
