//! Records a queued submission and sends its welcome. A suppressed (erased)
//! number gets nothing at all and leaves nothing behind. Otherwise each ticked
//! category the person has not already granted or asked for gets a `granted`
//! event (pending its confirmation for a double opt-in) with the form, its notice
//! version and hash, the language, IP and user agent as evidence, and the welcome
//! template goes out through the sending core; a submission that asks for nothing
//! new sends nothing. The two steps are marked on the row, so a crash between them
//! sends the welcome later, once (its idempotency key is the submission's).

use super::CONFIRM_PAYLOAD;
use crate::consent::{
    self, ConsentAction, ConsentState, Evidence, NewEvent, Notice, Provenance, Source, suppression,
};
use crate::contacts;
use crate::db::now_ms;
use crate::domain::{Actor, CategoryList, Language, PhoneNumber, Recipient};
use crate::forms::{self, Form};
use crate::jobs::{self, Queue};
use crate::sending::{self, SendError, SendRequest};
use crate::services::Services;
use crate::{forwarding, notices, numbers, preferences};
use serde_json::{Value, json};
use std::time::Duration;

const QUEUE: Queue = Queue {
    table: "form_submissions",
    due: "(state IN ('pending', 'recorded') AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2))",
    claim_sets: "",
    order_by: "next_attempt_at, id",
    returning: "id, form_id, phone, categories, language, notice_id, ip, user_agent, state, attempts, claim_id",
};

#[derive(Debug, sqlx::FromRow)]
struct Claimed {
    id: String,
    form_id: String,
    phone: String,
    categories: String,
    language: String,
    notice_id: String,
    ip: Option<String>,
    user_agent: Option<String>,
    state: String,
    attempts: i64,
    claim_id: String,
}

/// Processes one due submission, if any; true when one was handled.
pub async fn process_one(s: &Services) -> anyhow::Result<bool> {
    let Some(job): Option<Claimed> = jobs::claim(&s.db, &QUEUE, Duration::from_secs(120)).await?
    else {
        return Ok(false);
    };
    match handle(s, &job).await {
        Ok(()) => {
            s.db.write_one(
                sqlx::query("DELETE FROM form_submissions WHERE id = $1 AND claim_id = $2")
                    .bind(&job.id)
                    .bind(&job.claim_id),
            )
            .await?;
        }
        Err(e) => {
            let delay = jobs::backoff(
                Duration::from_secs(2),
                Duration::from_secs(600),
                job.attempts,
            );
            tracing::warn!(submission = %job.id, attempt = job.attempts, error = %format!("{e:#}"), "form submission will be processed again");
            s.db.write_one(
                sqlx::query(
                    "UPDATE form_submissions SET next_attempt_at = $1, lease_until = NULL, last_error = $2 \
                     WHERE id = $3 AND claim_id = $4",
                )
                .bind(now_ms() + delay.as_millis() as i64)
                .bind(format!("{e:#}"))
                .bind(&job.id)
                .bind(&job.claim_id),
            )
            .await?;
        }
    }
    Ok(true)
}

async fn handle(s: &Services, job: &Claimed) -> anyhow::Result<()> {
    let mut conn = s.db.pool.acquire().await?;
    let found: Option<(String,)> = sqlx::query_as("SELECT slug FROM forms WHERE id = $1")
        .bind(&job.form_id)
        .fetch_optional(&mut *conn)
        .await?;
    drop(conn);
    let Some((slug,)) = found else {
        return Ok(());
    };
    let Some(form) = forms::by_slug(&s.db, &slug).await? else {
        return Ok(());
    };
    let mut conn = s.db.pool.acquire().await?;
    let Some(number) = numbers::by_id(&mut conn, &form.business_number_id).await? else {
        return Ok(());
    };
    drop(conn);
    let phone = PhoneNumber::parse(&job.phone)?;
    let who = Recipient::Phone(phone.clone());
    if job.state == "pending" {
        let mut tx = s.db.write_for(&number.id).await?;
        let key = suppression::key(&s.secret, &who);
        if suppression::is_suppressed(&mut tx, &number.id, &key).await? {
            // Nothing is recorded or sent; the person was told the same as anyone.
            tracing::info!(form = %form.slug, "a suppressed number was submitted; nothing sent");
            return Ok(());
        }
        let contact = contacts::get_or_create(&mut tx, &number.id, &who).await?;
        let notice = notices::by_id(&mut tx, &job.notice_id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the notice shown is gone"))?;
        let how = Provenance {
            source: Source::WebForm,
            source_ref: Some(form.source_ref()),
            notice: Some(Notice {
                version: notice.version,
                sha256: Some(notice.sha256),
            }),
            language: Language::parse(&job.language).ok(),
            actor: Actor::system("web_form"),
            evidence: Evidence {
                ip: job.ip.clone(),
                user_agent: job.user_agent.clone(),
                ..Evidence::default()
            },
        };
        let states = consent::states::of_subject(&mut tx, &contact.id).await?;
        let mut events = Vec::new();
        for category in CategoryList::from_stored(&job.categories).names() {
            let asked = states
                .get(category)
                .is_some_and(|s| matches!(s.state, ConsentState::Granted | ConsentState::Pending));
            if asked {
                continue;
            }
            let event = NewEvent {
                business_number_id: number.id.clone(),
                subject_id: contact.id.clone(),
                category: category.to_owned(),
                action: ConsentAction::Granted,
                confirmation_template: form
                    .double_opt_in
                    .then(|| form.welcome_template.name.to_string()),
                how: how.clone(),
            };
            events.push(consent::append(&mut tx, event).await?);
        }
        forwarding::consent_events(&mut tx, &events).await?;
        if events.is_empty() {
            tx.commit().await?;
            return Ok(());
        }
        sqlx::query(
            "UPDATE form_submissions SET state = 'recorded' WHERE id = $1 AND claim_id = $2",
        )
        .bind(&job.id)
        .bind(&job.claim_id)
        .execute(&mut *tx)
        .await?;
        if !form.double_opt_in {
            // Consent holds at once: an opt-in of the form's (a double opt-in's
            // is counted when it is confirmed).
            forms::count(&mut tx, &form.slug, forms::Counter::Granted).await?;
        }
        tx.commit().await?;
        s.forward_wake.notify_one();
    }
    let mut conn = s.db.pool.acquire().await?;
    let Some(contact) = contacts::find(&mut conn, &number.id, &who).await? else {
        return Ok(());
    };
    drop(conn);
    let request = SendRequest {
        number: number.clone(),
        body: welcome(&form, &phone, &preferences::link(s, &contact.id)),
        idempotency_key: Some(format!("welcome:{}", job.id)),
        actor: Actor::system("web_form"),
        asks_consent: false,
    };
    match sending::send(s, request).await {
        Ok(_) => Ok(()),
        Err(SendError::Internal(e)) => Err(e),
        Err(refused) => {
            tracing::warn!(form = %form.slug, error = %refused, "a form's welcome was not sent");
            Ok(())
        }
    }
}

/// The welcome template: the preference link as its body's one parameter, and for
/// a double opt-in the payload of its first (quick-reply) button.
fn welcome(form: &Form, phone: &PhoneNumber, link: &str) -> Value {
    let mut components =
        vec![json!({"type": "body", "parameters": [{"type": "text", "text": link}]})];
    if form.double_opt_in {
        components.push(
            json!({"type": "button", "sub_type": "quick_reply", "index": "0",
            "parameters": [{"type": "payload", "payload": CONFIRM_PAYLOAD}]}),
        );
    }
    json!({"messaging_product": "whatsapp", "to": phone.as_e164(), "type": "template",
        "template": {"name": form.welcome_template.name, "language": {"code": form.welcome_template.language},
                     "components": components}})
}
