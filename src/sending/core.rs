//! `send`: the one way out. Validates a Meta-format message, checks the contact
//! with the provider where it has a check, and has it decided by the gate and
//! queued durably (`accept`, under the number's lock, with whatever other sends
//! wait for the number) before the caller hears it was accepted.

use super::accept::{self, Answer, Send};
use super::blocked::{self, NewRefusal};
use super::gate::Blocked;
use super::message::{self, FieldError};
use super::{contact_check, idempotency, mark_read};
use crate::consent::suppression;
use crate::digest::sha256_hex;
use crate::domain::{Actor, Recipient};
use crate::numbers::BusinessNumber;
use crate::providers::{ContactStatus, ProviderError};
use crate::services::Services;
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    let send = Send {
        recipient_key: suppression::key(&s.secret, &message.recipient),
        number: req.number,
        message,
        idempotency: req.idempotency_key.map(|key| (key, request_sha)),
        actor: req.actor,
        asks_consent: req.asks_consent,
    };
    let told = Told {
        to: send.message.recipient.masked(),
        what: blocked::what(&send.message),
        actor: send.actor.to_string(),
    };
    if verify_contact && s.providers.has_contact_check(&send.number) {
        // Ask the gate first, so the provider hears of nobody the gate refuses; the
        // network call then runs outside any transaction, and the gate decides again
        // with the send below.
        let mut w = s.db.write().await?;
        let found = accept::find(&mut w, &send.number.id, &[&send]).await?;
        let asked = accept::decide(&mut w, &send.number.id, &[&send], found).await?;
        w.commit().await?;
        if let Some(Err(refused)) = asked.into_iter().next() {
            told.blocked(s, refused.reason());
            return Err(SendError::Blocked(refused));
        }
        if !contact_is_valid(s, &send.number, &send.message.recipient).await? {
            let (reason, code) = ("contact_invalid", CONTACT_INVALID_CODE);
            let refusal = NewRefusal {
                actor: &send.actor,
                message: &send.message,
                recipient_key: &send.recipient_key,
                reason,
                code,
            };
            let mut w = s.db.write().await?;
            blocked::record(&mut w, &send.number.id, &[refusal]).await?;
            w.commit().await?;
            told.blocked(s, reason);
            return Err(SendError::ContactInvalid);
        }
    }
    let kind = send.message.content.kind().to_owned();
    // Decided and queued with whatever else waits for the number, in one
    // transaction under its lock, so no withdrawal, erasure or concurrent send
    // can slip in between the decision and the queue.
    match s.sends.accept(&s.db, send).await? {
        Answer::Queued(queued) => {
            s.metrics.sends_accepted.inc();
            s.dispatch_wake.notify_one();
            tracing::info!(message_id = %queued.message_id, to = %told.to, kind, actor = %told.actor, "send accepted");
            Ok(queued)
        }
        Answer::Replayed(earlier) => Ok(earlier),
        Answer::Blocked(refused) => {
            told.blocked(s, refused.reason());
            Err(SendError::Blocked(refused))
        }
        Answer::KeyReused => Err(SendError::IdempotencyMismatch),
    }
}

/// What the log says of a send (the recipient masked).
struct Told {
    to: String,
    what: String,
    actor: String,
}

impl Told {
    fn blocked(&self, s: &Services, reason: &str) {
        s.metrics.blocked(reason);
        tracing::info!(to = %self.to, what = %self.what, reason, actor = %self.actor, "send blocked");
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
