//! One claimed message handed to its provider (`deliver`: the gate asked again
//! for a template, the send, and what it came to), and outcomes written together
//! (`settle`: one transaction for many, so a message costs a share of one commit).

use super::{facts, outbox, statuses};
use crate::db::now_ms;
use crate::jobs;
use crate::numbers::BusinessNumber;
use crate::services::Services;
use std::time::{Duration, Instant};

pub enum Outcome {
    /// The provider has it; statuses it already reported (the sandbox's) go with it.
    Sent {
        message: outbox::Claimed,
        provider_message_id: String,
        statuses: Vec<(String, Option<(i64, String)>)>,
    },
    Retry {
        message: outbox::Claimed,
        at_ms: i64,
        code: Option<i64>,
        title: String,
    },
    Failed {
        message: outbox::Claimed,
        code: i64,
        title: String,
        /// The gate refused it before it left (its reason, for the metrics).
        blocked: Option<&'static str>,
    },
}

impl Outcome {
    pub fn failed(message: outbox::Claimed, code: i64, title: String) -> Self {
        Self::Failed {
            message,
            code,
            title,
            blocked: None,
        }
    }
}

/// Sends one claimed message and says what came of it; nothing is written here.
pub async fn deliver(
    services: &Services,
    number: &BusinessNumber,
    message: outbox::Claimed,
) -> anyhow::Result<Outcome> {
    // Claimed again and again without an outcome (say, a worker dying on it each
    // time): give up instead of looping forever.
    if message.attempts > services.dispatch.max_attempts {
        let title = format!(
            "gave up after {} claims without an answer",
            message.attempts - 1
        );
        return Ok(Outcome::failed(message, 0, title));
    }
    if let (Some(template), Some(category)) = (&message.template_name, &message.category)
        && let Err(blocked) = facts::still_allowed(
            &mut *services.db.pool.acquire().await?,
            &message.contact_id,
            template,
            category,
        )
        .await?
    {
        return Ok(Outcome::Failed {
            code: blocked.code(),
            title: format!("blocked before dispatch: {}", blocked.reason()),
            blocked: Some(blocked.reason()),
            message,
        });
    }
    let payload: serde_json::Value = serde_json::from_str(&message.payload)?;
    let started = Instant::now();
    let result = services
        .providers
        .send(number, &payload, message.attempts)
        .await;
    services
        .metrics
        .dispatch_latency
        .observe(started.elapsed().as_secs_f64());
    Ok(match result {
        Ok(accepted) => Outcome::Sent {
            provider_message_id: accepted.provider_message_id,
            statuses: accepted
                .statuses
                .into_iter()
                .map(|r| (r.status.to_owned(), r.error))
                .collect(),
            message,
        },
        Err(e) if e.retryable && message.attempts < services.dispatch.max_attempts => {
            let delay = jobs::jittered(jobs::backoff(
                services.dispatch.retry_base,
                services.dispatch.retry_max,
                message.attempts,
            ));
            tracing::warn!(message_id = %message.id, attempt = message.attempts, error = %e, retry_in_ms = delay.as_millis() as u64, "provider refused for now; will retry");
            Outcome::Retry {
                at_ms: now_ms() + delay.as_millis() as i64,
                code: e.code,
                title: e.title,
                message,
            }
        }
        Err(e) => {
            tracing::warn!(message_id = %message.id, attempt = message.attempts, error = %e, "message failed");
            let code = e.code.unwrap_or(i64::from(e.http_status.unwrap_or(0)));
            Outcome::failed(message, code, e.title)
        }
    })
}

/// Writes outcomes of one number in one transaction (under the number's lock,
/// as every writer of its messages and statuses). The provider has the sent ones:
/// recording that must not fail lightly, or their leases run out and they are
/// sent again, so a failed write is tried again a few times.
pub async fn settle(services: &Services, outcomes: Vec<Outcome>) -> anyhow::Result<()> {
    let Some(number_id) = outcomes
        .first()
        .map(|o| o.message().business_number_id.clone())
    else {
        return Ok(());
    };
    let mut tries = 0;
    loop {
        match write(services, &number_id, &outcomes).await {
            Ok(()) => break,
            Err(e) if tries < 4 => {
                tries += 1;
                tracing::warn!(error = %format!("{e:#}"), "dispatch outcomes not recorded yet; trying again");
                tokio::time::sleep(Duration::from_millis(200 * tries)).await;
            }
            Err(e) => {
                return Err(e.context(format!("{} dispatch outcomes not recorded", outcomes.len())));
            }
        }
    }
    for outcome in &outcomes {
        match outcome {
            Outcome::Sent { .. } => services.metrics.outcome("accepted"),
            Outcome::Retry { .. } => services.metrics.outcome("retry"),
            Outcome::Failed { blocked, .. } => {
                if let Some(reason) = blocked {
                    services.metrics.blocked(reason);
                }
                services.metrics.outcome("failed");
            }
        }
    }
    Ok(())
}

async fn write(services: &Services, number_id: &str, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let mut tx = services.db.write_for(number_id).await?;
    for outcome in outcomes {
        match outcome {
            Outcome::Sent {
                message,
                provider_message_id,
                statuses: reported,
            } => {
                // Statuses known at once are recorded with the message, so whoever
                // sees it dispatched sees them too.
                if outbox::dispatched_in(&mut tx, message, provider_message_id).await? {
                    for (status, error) in reported {
                        statuses::record_in(&mut tx, &message.id, status, error.clone()).await?;
                    }
                }
            }
            Outcome::Retry {
                message,
                at_ms,
                code,
                title,
            } => {
                outbox::retry_at_in(&mut tx, message, *at_ms, *code, title).await?;
            }
            Outcome::Failed {
                message,
                code,
                title,
                ..
            } => {
                statuses::give_up_in(&mut tx, message, (*code, title.clone())).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

impl Outcome {
    fn message(&self) -> &outbox::Claimed {
        match self {
            Self::Sent { message, .. }
            | Self::Retry { message, .. }
            | Self::Failed { message, .. } => message,
        }
    }
}
