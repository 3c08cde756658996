//! The MO-flow, where the person writes first (SPEC §6–7): entry points, the terms
//! in chat with accept and decline buttons, the opt-out keywords (every one Assent's
//! texts name works), and the business's contact card after an opt-in.

mod configured_keywords;
mod contact_card;
mod decline;
mod default_keywords;
mod entry_points;
mod named_keywords;
mod stop_and_start;
mod terms;
