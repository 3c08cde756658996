//! `send`: the one way out. Validates a Meta-format message, asks the gate (under
//! the number's lock, with the facts `facts::gather` finds), checks the contact
//! with the provider where it has a check, and queues the message durably before
//! the caller hears it was accepted.

use super::facts::{self, Moment};
use super::gate::{self, Blocked, TemplateFacts};
use super::message::{self, Content, FieldError, OutboundMessage};
use super::outbox::{self, NewMessage};
use super::{blocked, contact_check, idempotency, mark_read, messaging_limit};
use crate::contacts::{self, Contact};
use crate::db::now_ms;
use crate::digest::sha256_hex;
use crate::domain::{Actor, Recipient};
use crate::numbers::BusinessNumber;
use crate::providers::{ContactStatus, ProviderError};
use crate::services::Services;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sqlx::AnyConnection;

pub struct SendRequest {
    pub number: BusinessNumber,
    pub body: Value,
    pub idempotency_key: Option<String>,
    pub actor: Actor,
    /// The consent bot asking a person who just wrote to accept the terms: the
    /// one message a suppressed (erased) person may get, inside their window,
    /// since writing again is how they come back (SPEC §6.5).
    pub asks_consent: bool,
}

/// What became of a request to the send endpoint.
pub enum Submitted {
    /// A message, accepted and queued.
    Queued(Queued),
    /// A read receipt, passed on to the provider.
    MarkedRead,
}

/// An accepted send, as the caller is told about it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Queued {
    pub message_id: String,
    pub input: String,
    pub wa_id: Option<String>,
    pub user_id: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("{0}")]
    Invalid(FieldError),
    #[error("blocked: {}", .0.reason())]
    Blocked(Blocked),
    #[error("the recipient is not a valid WhatsApp user (contact check)")]
    ContactInvalid,
    #[error("Idempotency-Key was already used with a different request")]
    IdempotencyMismatch,
    #[error("the provider refused: {0}")]
    Provider(ProviderError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SendError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

pub const CONTACT_INVALID_CODE: i64 = 470108;

/// A message or a read receipt, as Meta's send endpoint takes both.
pub async fn submit(s: &Services, req: SendRequest) -> Result<Submitted, SendError> {
    if mark_read::is_read_receipt(&req.body) {
        mark_read::mark_read(s, &req.number, &req.body).await?;
        return Ok(Submitted::MarkedRead);
    }
    send(s, req).await.map(Submitted::Queued)
}

pub async fn send(s: &Services, mut req: SendRequest) -> Result<Queued, SendError> {
    let verify_contact = take_verify_contact(&mut req.body)?;
    let request_sha = sha256_hex(req.body.to_string().as_bytes());
    if let Some(key) = &req.idempotency_key
        && let Some(earlier) = idempotency::replay(
            &mut *s.db.pool.acquire().await?,
            &req.number.id,
            key,
            &request_sha,
        )
        .await?
    {
        return Ok(earlier);
    }
    let message = message::parse(req.body).map_err(SendError::Invalid)?;
    if verify_contact && s.providers.has_contact_check(&req.number) {
        // Ask the gate first, so the provider hears of nobody the gate refuses; the
        // network call then runs outside any transaction, and the gate decides again
        // under the lock below.
        let mut w = s.db.write().await?;
        let asked = check_gate(
            s,
            &mut w,
            &req.number,
            (&req.actor, req.asks_consent),
            &message,
        )
        .await;
        w.commit().await?;
        asked?;
        if !contact_is_valid(s, &req.number, &message.recipient).await? {
            let mut w = s.db.write().await?;
            let reason = ("contact_invalid", CONTACT_INVALID_CODE);
            blocked::record(s, &mut w, &req.number.id, &req.actor, &message, reason).await?;
            w.commit().await?;
            return Err(SendError::ContactInvalid);
        }
    }

    // Decide and queue in one transaction under the number's lock, so no withdrawal,
    // erasure or concurrent send can slip in between the decision and the queue.
    let mut tx = s.db.write_for(&req.number.id).await?;
    // Asked again under the lock: a concurrent retry with the same key may have
    // been queued meanwhile, and its answer counts, not a fresh gate decision.
    if let Some(key) = &req.idempotency_key
        && let Some(earlier) =
            idempotency::replay(&mut tx, &req.number.id, key, &request_sha).await?
    {
        return Ok(earlier);
    }
    let decision = match check_gate(
        s,
        &mut tx,
        &req.number,
        (&req.actor, req.asks_consent),
        &message,
    )
    .await
    {
        Ok(decision) => decision,
        Err(refused @ SendError::Blocked(_)) => {
            // The refusal is recorded for the compliance report.
            tx.commit().await?;
            return Err(refused);
        }
        Err(e) => return Err(e),
    };

    let message_id = format!("wamid.{}", uuid::Uuid::now_v7().simple());
    let queued = Queued {
        message_id: message_id.clone(),
        input: message.input.clone(),
        wa_id: match &message.recipient {
            Recipient::Phone(p) => Some(p.wa_id().to_owned()),
            Recipient::User(_) => decision.contact.as_ref().and_then(|c| c.wa_id.clone()),
        },
        user_id: match &message.recipient {
            Recipient::User(u) => Some(u.as_str().to_owned()),
            Recipient::Phone(_) => None,
        },
    };
    let (template_name, category) = match (&message.content, &decision.template) {
        (Content::Template { name, .. }, TemplateFacts::Mapped { category, .. }) => {
            (Some(name.as_str()), Some(category.as_str()))
        }
        _ => (None, None),
    };
    let contact = match decision.contact {
        Some(c) => c,
        None => contacts::get_or_create(&mut tx, &req.number.id, &message.recipient).await?,
    };
    if decision.allowed.business_initiated {
        messaging_limit::count(&mut tx, &contact, now_ms()).await?;
    }
    outbox::insert(
        &mut tx,
        NewMessage {
            id: &message_id,
            business_number_id: &req.number.id,
            contact_id: &contact.id,
            kind: message.content.kind(),
            template_name,
            category,
            business_initiated: decision.allowed.business_initiated,
            payload: &message.payload,
            actor: &req.actor,
        },
    )
    .await?;
    if let Some(key) = &req.idempotency_key
        && !idempotency::keep(&mut tx, &req.number.id, key, &request_sha, &queued).await?
    {
        // A concurrent request with the same key won the race; answer as it did.
        tx.rollback().await?;
        let mut conn = s.db.pool.acquire().await?;
        return idempotency::replay(&mut conn, &req.number.id, key, &request_sha)
            .await?
            .ok_or_else(|| SendError::Internal(anyhow::anyhow!("idempotency row vanished")));
    }
    tx.commit().await?;
    s.metrics.sends_accepted.inc();
    s.dispatch_wake.notify_one();
    tracing::info!(message_id = %message_id, to = %message.recipient.masked(), kind = message.content.kind(), actor = %req.actor, "send accepted");
    Ok(queued)
}

struct Decision {
    contact: Option<Contact>,
    template: TemplateFacts,
    allowed: gate::Allowed,
}

/// Gathers the facts and asks the gate; a refusal is recorded on `conn` and returned
/// as `SendError::Blocked`.
async fn check_gate(
    s: &Services,
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    (actor, asks_consent): (&Actor, bool),
    message: &OutboundMessage,
) -> Result<Decision, SendError> {
    let contact = contacts::find(conn, &number.id, &message.recipient).await?;
    let moment = Moment::Accepting {
        number,
        recipient: &message.recipient,
        content: &message.content,
        asks_consent,
    };
    let facts = facts::gather(conn, &s.secret, contact.as_ref(), moment).await?;
    let decided = match gate::decide(&facts) {
        // Only now, for a send otherwise allowed: whether it fits the messaging limit.
        Ok(allowed)
            if allowed.business_initiated
                && number.messaging_limit.is_some()
                && !messaging_limit::already_counted(contact.as_ref(), facts.now_ms) =>
        {
            let reached = messaging_limit::recipients(conn, &number.id, facts.now_ms).await?;
            gate::within_limit(number.messaging_limit, reached).map(|()| allowed)
        }
        other => other,
    };
    match decided {
        Ok(allowed) => Ok(Decision {
            contact,
            template: facts.template,
            allowed,
        }),
        Err(refused) => {
            let reason = (refused.reason(), refused.code());
            blocked::record(s, conn, &number.id, actor, message, reason).await?;
            Err(SendError::Blocked(refused))
        }
    }
}

/// `verify_contact` is Assent's own field (as on-premises APIs have it), not Meta's:
/// it is taken out before the message is validated and forwarded.
fn take_verify_contact(body: &mut Value) -> Result<bool, SendError> {
    match body
        .as_object_mut()
        .and_then(|o| o.remove("verify_contact"))
    {
        None => Ok(true),
        Some(Value::Bool(b)) => Ok(b),
        Some(_) => Err(SendError::Invalid(FieldError {
            field: "verify_contact".into(),
            problem: "must be true or false".into(),
            missing: false,
        })),
    }
}

/// Only a definite `invalid` stops a send; an unanswered check lets it through.
async fn contact_is_valid(
    s: &Services,
    number: &BusinessNumber,
    who: &Recipient,
) -> anyhow::Result<bool> {
    let Recipient::Phone(phone) = who else {
        return Ok(true);
    };
    let check = contact_check::check(s, number, phone, false).await?;
    Ok(check.is_none_or(|c| c.status != ContactStatus::Invalid))
}
