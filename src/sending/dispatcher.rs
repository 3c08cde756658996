//! Dispatcher workers: claim due messages from the outbox, wait for the number's
//! rate limit, hand them to the provider, and retry transient failures with
//! exponential backoff and jitter.

use super::{outbox, rate_limit, statuses};
use crate::db::now_ms;
use crate::numbers;
use crate::services::Services;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Runs `workers` loops (none for an API-only instance) until `stop` turns true. A
/// worker finishes the message in its hands before it stops, so a graceful restart
/// never leaves one half-sent.
pub async fn run(services: Services, mut stop: watch::Receiver<bool>) {
    let mut handles = Vec::new();
    for _ in 0..services.dispatch.workers {
        let services = services.clone();
        let mut stop = stop.clone();
        handles.push(tokio::spawn(async move {
            while !*stop.borrow() {
                match dispatch_one(&services).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %format!("{e:#}"), "dispatch failed"),
                }
                tokio::select! {
                    _ = services.wake.notified() => {}
                    _ = tokio::time::sleep(services.dispatch.poll) => {}
                    _ = stop.changed() => {}
                }
            }
        }));
    }
    let _ = stop.changed().await;
    for h in handles {
        let _ = h.await;
    }
}

/// Dispatches one due message, if any; true when one was handled. Tests call this to
/// drain the queue step by step.
pub async fn dispatch_one(services: &Services) -> anyhow::Result<bool> {
    let lease_ms = services.dispatch.lease.as_millis() as i64;
    let Some(message) = outbox::claim(&services.db, lease_ms).await? else {
        return Ok(false);
    };
    let mut conn = services.db.pool.acquire().await?;
    let Some(number) = numbers::by_id(&mut conn, &message.business_number_id).await? else {
        anyhow::bail!(
            "message {} belongs to a number that no longer exists",
            message.id
        );
    };
    drop(conn);
    let payload: serde_json::Value = serde_json::from_str(&message.payload)?;

    rate_limit::acquire(&services.db, &number).await?;
    let started = Instant::now();
    let result = services
        .providers
        .send(&number, &payload, message.attempts)
        .await;
    services
        .metrics
        .dispatch_latency
        .observe(started.elapsed().as_secs_f64());

    match result {
        Ok(accepted) => {
            // Statuses known at once (the sandbox's) are recorded before the message
            // counts as dispatched, so whoever waits for dispatch also sees them.
            for report in accepted.statuses {
                statuses::record(&services.db, &message.id, report.status, report.error).await?;
            }
            outbox::dispatched(&services.db, &message.id, &accepted.provider_message_id).await?;
            services.metrics.outcome("accepted");
        }
        Err(e) if e.retryable && message.attempts < services.dispatch.max_attempts => {
            let delay = backoff(&services.dispatch, message.attempts);
            tracing::warn!(message_id = %message.id, attempt = message.attempts, error = %e, retry_in_ms = delay.as_millis() as u64, "provider refused for now; will retry");
            outbox::retry_at(
                &services.db,
                &message.id,
                now_ms() + delay.as_millis() as i64,
                e.code,
                &e.title,
            )
            .await?;
            services.metrics.outcome("retry");
        }
        Err(e) => {
            tracing::warn!(message_id = %message.id, attempt = message.attempts, error = %e, "message failed");
            outbox::give_up(&services.db, &message.id).await?;
            let code = e.code.unwrap_or(i64::from(e.http_status.unwrap_or(0)));
            statuses::record(&services.db, &message.id, "failed", Some((code, e.title))).await?;
            services.metrics.outcome("failed");
        }
    }
    Ok(true)
}

/// Exponential backoff with "equal jitter": half the delay fixed, half random, so
/// many messages that failed together do not retry together.
fn backoff(settings: &crate::services::DispatchSettings, attempt: i64) -> Duration {
    let exp = settings
        .retry_base
        .saturating_mul(1u32 << attempt.clamp(1, 20).saturating_sub(1) as u32);
    let capped = exp.min(settings.retry_max);
    let half = capped / 2;
    half + half.mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::DispatchSettings;

    #[test]
    fn backoff_grows_and_is_capped() {
        let s = DispatchSettings {
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(60),
            ..Default::default()
        };
        for attempt in 1..30 {
            let d = backoff(&s, attempt);
            let full = (Duration::from_secs(2) * 2u32.pow((attempt - 1).min(20) as u32))
                .min(Duration::from_secs(60));
            assert!(
                d >= full / 2 && d <= full,
                "attempt {attempt}: {d:?} not within [{:?}, {full:?}]",
                full / 2
            );
        }
    }
}
