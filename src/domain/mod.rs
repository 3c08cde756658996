//! Types that cannot hold invalid values. Raw strings stop at the edge: every
//! handler parses into these before anything else happens.

mod category;
mod phone;
mod template_name;

pub use category::{CategoryKind, CategoryName};
pub use phone::{PhoneError, PhoneNumber, Recipient, UserId, mask};
pub use template_name::TemplateName;
