//! The MO-flow, where the person writes first (SPEC §6–7): entry points, the terms
//! in chat with accept and decline buttons, and the opt-out keywords.

mod configured_keywords;
mod decline;
mod default_keywords;
mod entry_points;
mod stop_and_start;
mod terms;
