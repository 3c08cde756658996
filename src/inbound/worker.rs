//! Processes stored webhook payloads in the background, so Meta's POST is answered
//! at once; a payload whose processing failed is retried with backoff.

use super::{process, store};
use crate::db::now_ms;
use crate::jobs;
use crate::services::Services;
use std::time::Duration;
use tokio::sync::watch;

/// A status may arrive before the dispatcher has recorded Meta's id for the
/// message; such a payload is looked at again for this long.
const UNMATCHED_PATIENCE_MS: i64 = 2 * 60 * 1000;

pub async fn run(services: Services, stop: watch::Receiver<bool>) {
    let poll = services.dispatch.poll;
    jobs::work(
        "webhook processing",
        stop,
        &services.inbound_wake,
        poll,
        || process_one(&services),
    )
    .await;
}

/// Processes one due payload, if any; true when one was handled.
pub async fn process_one(services: &Services) -> anyhow::Result<bool> {
    let db = &services.db;
    let Some(job) = store::claim(db, Duration::from_secs(5 * 60)).await? else {
        return Ok(false);
    };
    match process::payload(services, &job.id, &job.body).await {
        Ok(outcome)
            if outcome.unmatched_statuses && now_ms() - job.received_at < UNMATCHED_PATIENCE_MS =>
        {
            store::retry_at(
                db,
                &job,
                now_ms() + 2_000,
                Some("a status named a message not yet known"),
            )
            .await?;
        }
        Ok(outcome) => store::finish(db, &job, !outcome.personal_unattributed).await?,
        Err(e) => {
            let delay = jobs::backoff(
                Duration::from_secs(2),
                Duration::from_secs(600),
                job.attempts,
            );
            tracing::warn!(payload = %job.id, attempt = job.attempts, error = %format!("{e:#}"), "webhook payload will be processed again");
            let why = format!("{e:#}");
            store::retry_at(db, &job, now_ms() + delay.as_millis() as i64, Some(&why)).await?;
        }
    }
    Ok(true)
}
