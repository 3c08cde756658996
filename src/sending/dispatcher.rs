//! Dispatcher workers: claim due messages from the outbox, wait for the number's
//! rate limit, hand them to the provider, and retry transient failures with
//! exponential backoff and jitter.

use super::{facts, outbox, rate_limit, statuses};
use crate::db::now_ms;
use crate::jobs;
use crate::numbers;
use crate::services::Services;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Runs `workers` loops (none for an API-only instance) until `stop` turns true.
pub async fn run(services: Services, mut stop: watch::Receiver<bool>) {
    let mut handles = Vec::new();
    for _ in 0..services.dispatch.workers {
        let services = services.clone();
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            let (wake, poll) = (services.dispatch_wake.clone(), services.dispatch.poll);
            jobs::work("dispatch", stop, &wake, poll, || dispatch_one(&services)).await;
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
    let db = &services.db;
    let lease = services.dispatch.lease;
    let Some(message) = outbox::claim(db, lease).await? else {
        return Ok(false);
    };
    // Claimed again and again without an outcome (say, a worker dying on it each
    // time): give up instead of looping forever.
    if message.attempts > services.dispatch.max_attempts {
        fail(
            services,
            &message,
            0,
            format!(
                "gave up after {} claims without an answer",
                message.attempts - 1
            ),
        )
        .await?;
        return Ok(true);
    }
    let number =
        numbers::by_id(&mut *db.pool.acquire().await?, &message.business_number_id).await?;
    let Some(number) = number else {
        fail(
            services,
            &message,
            0,
            "the business number was removed".into(),
        )
        .await?;
        return Ok(true);
    };
    let payload: serde_json::Value = serde_json::from_str(&message.payload)?;
    if let (Some(template), Some(category)) = (&message.template_name, &message.category)
        && let Err(blocked) = facts::still_allowed(
            &mut *db.pool.acquire().await?,
            &services.secret,
            &message.contact_id,
            template,
            category,
        )
        .await?
    {
        services.metrics.blocked(blocked.reason());
        fail(
            services,
            &message,
            blocked.code(),
            format!("blocked before dispatch: {}", blocked.reason()),
        )
        .await?;
        return Ok(true);
    }

    rate_limit::acquire(db, &number).await?;
    // The wait for a token may be long; take a fresh lease, or stop if the message
    // was claimed by someone else meanwhile.
    if !outbox::renew(db, &message, lease).await? {
        return Ok(true);
    }
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
            // counts as dispatched, so whoever waits for dispatch also sees them. They
            // are not worth a second send: a failure to record one is only logged.
            for report in accepted.statuses {
                if let Err(e) = statuses::record(db, &message.id, report.status, report.error).await
                {
                    tracing::warn!(message_id = %message.id, error = %format!("{e:#}"), "status not recorded");
                }
            }
            // The provider has the message: recording that must not fail lightly, or
            // the lease runs out and it is sent again.
            let mut tries = 0;
            while let Err(e) = outbox::dispatched(db, &message, &accepted.provider_message_id).await
            {
                tries += 1;
                anyhow::ensure!(
                    tries < 5,
                    "message {} sent but not recorded: {e:#}",
                    message.id
                );
                tokio::time::sleep(Duration::from_millis(200 * tries)).await;
            }
            services.metrics.outcome("accepted");
        }
        Err(e) if e.retryable && message.attempts < services.dispatch.max_attempts => {
            let delay = jobs::jittered(jobs::backoff(
                services.dispatch.retry_base,
                services.dispatch.retry_max,
                message.attempts,
            ));
            tracing::warn!(message_id = %message.id, attempt = message.attempts, error = %e, retry_in_ms = delay.as_millis() as u64, "provider refused for now; will retry");
            let at = now_ms() + delay.as_millis() as i64;
            outbox::retry_at(db, &message, at, e.code, &e.title).await?;
            services.metrics.outcome("retry");
        }
        Err(e) => {
            tracing::warn!(message_id = %message.id, attempt = message.attempts, error = %e, "message failed");
            let code = e.code.unwrap_or(i64::from(e.http_status.unwrap_or(0)));
            fail(services, &message, code, e.title).await?;
        }
    }
    Ok(true)
}

/// Ends a message as `failed` with this error, if this worker still holds it.
async fn fail(
    services: &Services,
    message: &outbox::Claimed,
    code: i64,
    title: String,
) -> anyhow::Result<()> {
    if statuses::give_up(&services.db, message, (code, title)).await? {
        services.metrics.outcome("failed");
    }
    Ok(())
}
