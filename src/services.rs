//! What every part of Assent shares at run time: the database, the secret key, the
//! providers, metrics, and the dispatcher's wake-up bell.

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
            workers: 4,
            max_attempts: 10,
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(15 * 60),
            lease: Duration::from_secs(120),
            poll: Duration::from_millis(500),
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
    pub wake: Arc<Notify>,
    pub dispatch: DispatchSettings,
    pub public_url: String,
}
