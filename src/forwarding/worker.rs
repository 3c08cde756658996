//! Delivers queued forwards: POST with the configured headers and Meta's signature
//! header; a 2xx answer ends the row, anything else retries with exponential
//! backoff until `give_up_after` (7 days by default, as Meta does). The delay
//! doubles up to `retry_max` without jitter, so an endpoint down for hours is
//! tried about hourly and catches up within the hour it returns. Each attempt and
//! the endpoint's answer is noted (`note_attempt`) for the console, which cannot
//! read a delivered forward: its row is gone.

use super::{config, target};
use crate::db::now_ms;
use crate::jobs::{self, Queue};
use crate::services::Services;
use crate::signature;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, sqlx::FromRow)]
struct Claimed {
    id: String,
    business_number_id: String,
    kind: String,
    body: String,
    attempts: i64,
    created_at: i64,
    claim_id: String,
}

pub async fn run(services: Services, stop: watch::Receiver<bool>) {
    let poll = services.forward.poll;
    jobs::work("forwarding", stop, &services.forward_wake, poll, || {
        deliver_one(&services)
    })
    .await;
}

const QUEUE: Queue = Queue {
    table: "forwards",
    due: "(state = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2))",
    claim_sets: "",
    order_by: "next_attempt_at, id",
    returning: "id, business_number_id, kind, body, attempts, created_at, claim_id",
};

/// Delivers one due forward, if any; true when one was handled.
pub async fn deliver_one(services: &Services) -> anyhow::Result<bool> {
    let db = &services.db;
    let lease = services.forward.timeout + Duration::from_secs(30);
    let Some(job): Option<Claimed> = jobs::claim(db, &QUEUE, lease).await? else {
        return Ok(false);
    };
    let config = config::of_number(db, &job.business_number_id).await?;
    let outcome = match &config {
        None => Err("the number has no webhook configured any more".to_owned()),
        Some(config) => post(services, config, &job.body).await,
    };
    match outcome {
        Ok(status) => {
            let mut w = db.write().await?;
            sqlx::query("DELETE FROM forwards WHERE id = $1 AND claim_id = $2")
                .bind(&job.id)
                .bind(&job.claim_id)
                .execute(&mut *w)
                .await?;
            let outcome = format!("answered HTTP {status}");
            super::note_attempt(
                &mut w,
                &job.business_number_id,
                &job.id,
                &job.kind,
                true,
                &outcome,
            )
            .await?;
            w.commit().await?;
        }
        Err(why) => {
            let now = now_ms();
            let give_up = now - job.created_at >= services.forward.give_up_after.as_millis() as i64;
            let delay = jobs::backoff(
                services.forward.retry_base,
                services.forward.retry_max,
                job.attempts,
            );
            let mut w = db.write().await?;
            tracing::warn!(forward = %job.id, attempt = job.attempts, error = %why, gave_up = give_up, "business webhook did not take a forward");
            // The endpoint is down for all of this number's forwards, not just this
            // one: they all wait as long, so they neither queue ahead of other
            // numbers' nor overtake each other (claims go by time, then id).
            sqlx::query(
                "UPDATE forwards SET next_attempt_at = $1 WHERE business_number_id = $2 AND state = 'pending' \
                 AND next_attempt_at < $1 AND id <> $3",
            )
            .bind(now + delay.as_millis() as i64)
            .bind(&job.business_number_id)
            .bind(&job.id)
            .execute(&mut *w)
            .await?;
            if give_up {
                // A forward tied to no contact is an erasure notice, the last row that
                // names an erased person: it is not kept once undeliverable.
                sqlx::query(
                    "DELETE FROM forwards WHERE id = $1 AND claim_id = $2 AND contact_id IS NULL AND kind = 'consent'",
                )
                .bind(&job.id)
                .bind(&job.claim_id)
                .execute(&mut *w)
                .await?;
            }
            sqlx::query(
                "UPDATE forwards SET state = $1, next_attempt_at = $2, lease_until = NULL, last_error = $3 \
                 WHERE id = $4 AND claim_id = $5",
            )
            .bind(if give_up { "failed" } else { "pending" })
            .bind(now + delay.as_millis() as i64)
            .bind(&why)
            .bind(&job.id)
            .bind(&job.claim_id)
            .execute(&mut *w)
            .await?;
            super::note_attempt(
                &mut w,
                &job.business_number_id,
                &job.id,
                &job.kind,
                false,
                &why,
            )
            .await?;
            w.commit().await?;
        }
    }
    Ok(true)
}

async fn post(
    services: &Services,
    config: &config::WebhookConfig,
    body: &str,
) -> Result<u16, String> {
    // A URL saved while internal targets were allowed is refused once they are not.
    if !services.forward.to_internal {
        let url = url::Url::parse(&config.url).map_err(|e| format!("not a URL ({e})"))?;
        target::check_literal(&url).map_err(|e| format!("{e}; {}", target::OPERATOR_HINT))?;
    }
    let mut request = services
        .http
        .post(&config.url)
        .header("content-type", "application/json")
        .header(
            signature::HEADER,
            signature::sign(&config.secret, body.as_bytes()),
        );
    for (name, value) in &config.headers {
        request = request.header(name, value);
    }
    let sent = request.body(body.to_owned()).send().await;
    if let Err(e) = &sent
        && let Some(refused) = target::InternalTarget::in_chain(e)
    {
        return Err(refused.to_string());
    }
    match sent {
        Ok(r) if r.status().is_success() => Ok(r.status().as_u16()),
        Ok(r) => Err(format!("answered HTTP {}", r.status().as_u16())),
        Err(e) if e.is_timeout() => Err("timed out".into()),
        Err(e) if e.is_connect() => Err("could not connect".into()),
        Err(_) => Err("request failed".into()),
    }
}
