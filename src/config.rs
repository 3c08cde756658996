//! Run-time settings of the server, from flags or `ASSENT_*` environment variables.

use crate::services::{DispatchSettings, ForwardSettings, OptInSettings};
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub bind: String,
    /// Base of links and QR codes; defaults to `http://{bind}`.
    pub public_url: Option<String>,
    pub secret_key: Option<String>,
    pub dispatch: DispatchSettings,
    pub forward: ForwardSettings,
    pub opt_in: OptInSettings,
    pub provider_timeout: Duration,
    /// The jurisdiction consent receipts name (e.g. `ES`, `EU`); none by default.
    pub jurisdiction: Option<String>,
    /// Whether this process runs the background workers (dispatch, webhook
    /// processing, forwarding). Tests turn them off and step the work inline
    /// with `startup::step`.
    pub background: bool,
}

impl Settings {
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.bind))
            .trim_end_matches('/')
            .to_owned()
    }
}
