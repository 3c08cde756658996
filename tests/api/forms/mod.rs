//! Opt-in forms (MT-flow): the forms API, the public form, what a submission
//! records and sends, double opt-in, pre-filled links and throttling.

mod api;
mod double_opt_in;
mod page;
mod prefill;
mod submit;
mod throttling;
