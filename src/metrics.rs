//! Prometheus metrics: sends accepted, sends blocked by reason, dispatch outcomes and
//! latency. Queue depth is read from the database at scrape time, so it is right for
//! the whole deployment, not one instance.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Outcome {
    pub outcome: String,
}

pub struct Metrics {
    registry: Registry,
    pub sends_accepted: Counter,
    pub sends_blocked: Family<Reason, Counter>,
    pub dispatched: Family<Outcome, Counter>,
    pub dispatch_latency: Histogram,
    pub queue_depth: Gauge,
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("assent");
        let sends_accepted = Counter::default();
        let sends_blocked = Family::<Reason, Counter>::default();
        let dispatched = Family::<Outcome, Counter>::default();
        let dispatch_latency = Histogram::new([
            0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
        ]);
        let queue_depth = Gauge::default();
        registry.register(
            "sends_accepted",
            "Sends accepted into the queue",
            sends_accepted.clone(),
        );
        registry.register(
            "sends_blocked",
            "Sends refused, by reason",
            sends_blocked.clone(),
        );
        registry.register("dispatch", "Provider calls, by outcome", dispatched.clone());
        registry.register(
            "dispatch_latency_seconds",
            "Time of one provider call",
            dispatch_latency.clone(),
        );
        registry.register(
            "queue_depth",
            "Messages accepted and not yet handed to a provider",
            queue_depth.clone(),
        );
        Self {
            registry,
            sends_accepted,
            sends_blocked,
            dispatched,
            dispatch_latency,
            queue_depth,
        }
    }

    pub fn blocked(&self, reason: &str) {
        self.sends_blocked
            .get_or_create(&Reason {
                reason: reason.to_owned(),
            })
            .inc();
    }

    pub fn outcome(&self, outcome: &str) {
        self.dispatched
            .get_or_create(&Outcome {
                outcome: outcome.to_owned(),
            })
            .inc();
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String cannot fail");
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
