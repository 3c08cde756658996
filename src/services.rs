//! What every part of Assent shares at run time: the database, the secret key, the
//! providers, metrics, and the workers' wake-up bells.

use crate::db::Db;
use crate::metrics::Metrics;
use crate::providers::Providers;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct DispatchSettings {
    pub workers: usize,
    pub max_attempts: i64,
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub lease: Duration,
    pub poll: Duration,
}

impl Default for DispatchSettings {
    fn default() -> Self {
        Self {
            workers: 64,
            max_attempts: 10,
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            lease: Duration::from_secs(120),
            poll: Duration::from_millis(500),
        }
    }
}

/// Delivery to the business's own webhook (SPEC §8): Meta retries for 7 days, and
/// so do we.
#[derive(Debug, Clone)]
pub struct ForwardSettings {
    pub retry_base: Duration,
    pub retry_max: Duration,
    pub give_up_after: Duration,
    pub timeout: Duration,
    pub poll: Duration,
    /// Whether a webhook URL may point into private, loopback or link-local
    /// networks (see `forwarding::target`).
    pub to_internal: bool,
}

impl Default for ForwardSettings {
    fn default() -> Self {
        Self {
            retry_base: Duration::from_secs(5),
            retry_max: Duration::from_secs(60 * 60),
            give_up_after: Duration::from_secs(7 * 24 * 60 * 60),
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            to_internal: false,
        }
    }
}

/// The web-form opt-in and the preference center.
#[derive(Debug, Clone)]
pub struct OptInSettings {
    /// How long a double opt-in waits for its confirmation before it expires.
    pub pending_ttl: Duration,
    /// How long a preference-center link works.
    pub preference_link_ttl: Duration,
    /// How often one IP address, one phone number and one form may submit.
    pub limits: [crate::throttle::Limit; 3],
}

impl Default for OptInSettings {
    fn default() -> Self {
        Self {
            pending_ttl: Duration::from_secs(7 * 24 * 60 * 60),
            preference_link_ttl: Duration::from_secs(30 * 24 * 60 * 60),
            limits: crate::opt_in::LIMITS,
        }
    }
}

#[derive(Clone)]
pub struct Services {
    pub db: Db,
    /// Keys the suppression hashes; see `secret::load`.
    pub secret: Arc<[u8]>,
    pub providers: Providers,
    pub metrics: Arc<Metrics>,
    /// Rung when a message was queued: a dispatcher takes it at once.
    pub dispatch_wake: Arc<Notify>,
    /// Rung when a webhook payload was stored.
    pub inbound_wake: Arc<Notify>,
    /// Rung when a forward was queued.
    pub forward_wake: Arc<Notify>,
    pub dispatch: DispatchSettings,
    pub forward: ForwardSettings,
    pub opt_in: OptInSettings,
    /// Rung when a form submission waits to be recorded.
    pub opt_in_wake: Arc<Notify>,
    pub http: reqwest::Client,
    pub public_url: String,
    /// The jurisdiction consent receipts name, when the operator set one.
    pub jurisdiction: Option<String>,
    /// The API's consent decisions, waiting to be recorded in groups.
    pub consents: crate::recording::Queue,
    /// Meta's verified webhook payloads, waiting to be stored in groups.
    pub webhooks: crate::inbound::store::Incoming,
    /// Sends, waiting to be decided and queued in groups.
    pub sends: crate::sending::Sends,
    /// The business numbers as read lately, for checking Meta's signatures.
    pub numbers: crate::numbers::Recent,
}
