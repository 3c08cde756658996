use super::contact_check;
use super::gate::{self, Blocked, Facts, TemplateFacts};
use super::message::{self, Content, FieldError, OutboundMessage};
use super::outbox::{self, NewMessage};
use crate::categories;
use crate::consent::{self, ConsentState, suppression};
use crate::contacts::{self, Contact};
use crate::db::{new_id, now_ms};
use crate::domain::{CategoryName, Recipient};
use crate::numbers::BusinessNumber;
use crate::providers::ContactStatus;
use crate::services::Services;
use crate::templates;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

pub struct SendRequest {
    pub number: BusinessNumber,
    pub body: Value,
    pub idempotency_key: Option<String>,
    /// Who asks: `api_key:<id>`, `staff:<id>`, `system:<flow>`.
    pub actor: String,
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
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for SendError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

pub async fn send(s: &Services, mut req: SendRequest) -> Result<Queued, SendError> {
    let verify_contact = take_verify_contact(&mut req.body)?;
    let request_sha = hex::encode(Sha256::digest(req.body.to_string().as_bytes()));
    if let Some(key) = &req.idempotency_key
        && let Some(earlier) = replay(
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
        let mut conn = s.db.pool.acquire().await?;
        check_gate(s, &mut conn, &req.number, &req.actor, &message).await?;
        drop(conn);
        if !contact_is_valid(s, &req.number, &message.recipient).await? {
            let mut conn = s.db.pool.acquire().await?;
            let reason = ("contact_invalid", CONTACT_INVALID_CODE);
            record_blocked(s, &mut conn, &req.number.id, &req.actor, &message, reason).await?;
            return Err(SendError::ContactInvalid);
        }
    }

    // Decide and queue in one transaction under the number's lock, so no withdrawal,
    // erasure or concurrent send can slip in between the decision and the queue.
    let mut tx = s.db.begin().await?;
    s.db.lock_number(&mut tx, &req.number.id).await?;
    // Asked again under the lock: a concurrent retry with the same key may have
    // been queued meanwhile, and its answer counts, not a fresh gate decision.
    if let Some(key) = &req.idempotency_key
        && let Some(earlier) = replay(&mut tx, &req.number.id, key, &request_sha).await?
    {
        return Ok(earlier);
    }
    let Decision {
        contact,
        facts,
        allowed,
    } = match check_gate(s, &mut tx, &req.number, &req.actor, &message).await {
        Ok(decision) => decision,
        Err(blocked @ SendError::Blocked(_)) => {
            tx.commit().await?;
            return Err(blocked);
        }
        Err(e) => return Err(e),
    };

    let message_id = format!("wamid.{}", uuid::Uuid::now_v7().simple());
    let queued = Queued {
        message_id: message_id.clone(),
        input: message.input.clone(),
        wa_id: match &message.recipient {
            Recipient::Phone(p) => Some(p.wa_id().to_owned()),
            Recipient::User(_) => contact.as_ref().and_then(|c| c.wa_id.clone()),
        },
        user_id: match &message.recipient {
            Recipient::User(u) => Some(u.as_str().to_owned()),
            Recipient::Phone(_) => None,
        },
    };
    let (template_name, category) = match (&message.content, &facts.template) {
        (Content::Template { name, .. }, TemplateFacts::Mapped { category, .. }) => {
            (Some(name.as_str()), Some(category.as_str()))
        }
        _ => (None, None),
    };

    let contact = match contact {
        Some(c) => c,
        None => contacts::get_or_create(&mut tx, &req.number.id, &message.recipient).await?,
    };
    outbox::insert(
        &mut tx,
        NewMessage {
            id: &message_id,
            business_number_id: &req.number.id,
            contact_id: &contact.id,
            kind: message.content.kind(),
            template_name,
            category,
            business_initiated: allowed.business_initiated,
            payload: &message.payload,
            actor: &req.actor,
        },
    )
    .await?;
    if let Some(key) = &req.idempotency_key {
        let stored = sqlx::query(
            "INSERT INTO idempotency_keys (business_number_id, key, request_sha256, message_id, response, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (business_number_id, key) DO NOTHING",
        )
        .bind(&req.number.id)
        .bind(key)
        .bind(&request_sha)
        .bind(&message_id)
        .bind(serde_json::to_string(&queued).map_err(anyhow::Error::from)?)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if stored == 0 {
            // A concurrent request with the same key won the race; answer as it did.
            tx.rollback().await?;
            let mut conn = s.db.pool.acquire().await?;
            return replay(&mut conn, &req.number.id, key, &request_sha)
                .await?
                .ok_or_else(|| SendError::Internal(anyhow::anyhow!("idempotency row vanished")));
        }
    }
    tx.commit().await?;
    s.metrics.sends_accepted.inc();
    s.wake.notify_one();
    tracing::info!(message_id = %message_id, to = %message.recipient.masked(), kind = message.content.kind(), actor = %req.actor, "send accepted");
    Ok(queued)
}

pub const CONTACT_INVALID_CODE: i64 = 470108;

/// The gate asked again just before a queued template leaves: consent may have been
/// withdrawn, or Meta's marketing stop may have arrived, while it waited. The window
/// and the messaging limit were settled when it was accepted.
pub(super) async fn still_allowed(
    s: &Services,
    contact_id: &str,
    template_name: &str,
    category: &str,
) -> anyhow::Result<Result<(), Blocked>> {
    let mut conn = s.db.pool.acquire().await?;
    let Some(contact) = contacts::find_by_id(&mut conn, contact_id).await? else {
        return Ok(Err(Blocked::Suppressed));
    };
    let kind = match CategoryName::parse(category) {
        Ok(name) => categories::find(&mut conn, &name).await?.map(|c| c.kind),
        Err(_) => None,
    };
    let Some(kind) = kind else {
        return Ok(Err(Blocked::UnmappedTemplate));
    };
    let status = consent::derive_states(&consent::events_for_subject(&mut conn, contact_id).await?)
        .remove(category);
    let facts = Facts {
        now_ms: now_ms(),
        suppressed: false,
        last_inbound_at: contact.last_inbound_at,
        marketing_stopped: contact.marketing_stopped_at.is_some(),
        template: TemplateFacts::Mapped {
            category: category.to_owned(),
            kind,
            consent: status.as_ref().map_or(ConsentState::None, |s| s.state),
            // This message is the one confirmation the pending opt-in allows.
            pending_confirmation: status.and_then(|s| s.pending_template).map(|t| (t, false)),
            template_name: template_name.to_owned(),
        },
        messaging_limit: None,
        recipients_last_24h: 0,
        already_counted: true,
    };
    Ok(gate::decide(&facts).map(|_| ()))
}

struct Decision {
    contact: Option<Contact>,
    facts: Facts,
    allowed: gate::Allowed,
}

/// Gathers the facts and asks the gate; a refusal is recorded on `conn` and returned
/// as `SendError::Blocked`.
async fn check_gate(
    s: &Services,
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    actor: &str,
    message: &OutboundMessage,
) -> Result<Decision, SendError> {
    let contact = contacts::find(conn, &number.id, &message.recipient).await?;
    let facts = gather_facts(s, conn, number, message, contact.as_ref()).await?;
    match gate::decide(&facts) {
        Ok(allowed) => Ok(Decision {
            contact,
            facts,
            allowed,
        }),
        Err(blocked) => {
            record_blocked(
                s,
                conn,
                &number.id,
                actor,
                message,
                (blocked.reason(), blocked.code()),
            )
            .await?;
            Err(SendError::Blocked(blocked))
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

async fn replay(
    conn: &mut AnyConnection,
    number_id: &str,
    key: &str,
    request_sha: &str,
) -> Result<Option<Queued>, SendError> {
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT request_sha256, response FROM idempotency_keys WHERE business_number_id = $1 AND key = $2")
            .bind(number_id)
            .bind(key)
            .fetch_optional(&mut *conn)
            .await?;
    match found {
        None => Ok(None),
        Some((sha, _)) if sha != request_sha => Err(SendError::IdempotencyMismatch),
        Some((_, response)) => Ok(Some(
            serde_json::from_str(&response).map_err(anyhow::Error::from)?,
        )),
    }
}

async fn gather_facts(
    s: &Services,
    conn: &mut AnyConnection,
    number: &BusinessNumber,
    message: &OutboundMessage,
    contact: Option<&Contact>,
) -> anyhow::Result<Facts> {
    let now = now_ms();
    let suppressed = suppression::is_suppressed(
        conn,
        &number.id,
        &suppression::key(&s.secret, &message.recipient),
    )
    .await?;
    let template = match &message.content {
        Content::FreeForm { .. } => TemplateFacts::NotATemplate,
        Content::Template { name, language } => {
            match templates::find(conn, &number.id, name.as_str(), language).await? {
                None => TemplateFacts::Unknown,
                Some(t) => match (t.consent_category.clone(), t.consent_kind()) {
                    (Some(category), Some(kind)) => {
                        let events = match contact {
                            Some(c) => consent::events_for_subject(conn, &c.id).await?,
                            None => vec![],
                        };
                        let status = consent::derive_states(&events).remove(&category);
                        let consent = status.as_ref().map_or(ConsentState::None, |s| s.state);
                        let pending_confirmation = match (status, contact) {
                            (Some(st), Some(c)) if st.state == ConsentState::Pending => {
                                let template = st.pending_template.unwrap_or_default();
                                let sent =
                                    confirmation_sent(conn, &c.id, &template, st.since).await?;
                                Some((template, sent))
                            }
                            _ => None,
                        };
                        TemplateFacts::Mapped {
                            category,
                            kind,
                            consent,
                            pending_confirmation,
                            template_name: name.to_string(),
                        }
                    }
                    _ => TemplateFacts::Unmapped,
                },
            }
        }
    };
    // The messaging limit only concerns template sends to someone not yet reached
    // today; the count is skipped otherwise, as it grows with the day's traffic.
    let since = now - gate::WINDOW_MS;
    let limited =
        number.messaging_limit.is_some() && !matches!(template, TemplateFacts::NotATemplate);
    let already_counted = match contact.filter(|_| limited) {
        None => false,
        Some(c) => {
            let found: Option<(String,)> = sqlx::query_as(
                "SELECT id FROM messages WHERE contact_id = $1 AND business_initiated = 1 AND created_at > $2 LIMIT 1",
            )
            .bind(&c.id)
            .bind(since)
            .fetch_optional(&mut *conn)
            .await?;
            found.is_some()
        }
    };
    let recipients_last_24h = if limited && !already_counted {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(DISTINCT contact_id) FROM messages \
             WHERE business_number_id = $1 AND business_initiated = 1 AND created_at > $2",
        )
        .bind(&number.id)
        .bind(since)
        .fetch_one(&mut *conn)
        .await?;
        n
    } else {
        0
    };
    Ok(Facts {
        now_ms: now,
        suppressed,
        last_inbound_at: contact.and_then(|c| c.last_inbound_at),
        marketing_stopped: contact.is_some_and(|c| c.marketing_stopped_at.is_some()),
        template,
        messaging_limit: number.messaging_limit,
        recipients_last_24h,
        already_counted,
    })
}

async fn confirmation_sent(
    conn: &mut AnyConnection,
    contact_id: &str,
    template: &str,
    since: i64,
) -> anyhow::Result<bool> {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM messages WHERE contact_id = $1 AND template_name = $2 AND created_at >= $3")
            .bind(contact_id)
            .bind(template)
            .bind(since)
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
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

/// The compliance report's record of a refused send: who, what, why; the recipient
/// only as a keyed hash (so erasure can find it) and a masked form.
async fn record_blocked(
    s: &Services,
    conn: &mut AnyConnection,
    number_id: &str,
    actor: &str,
    message: &OutboundMessage,
    (reason, code): (&str, i64),
) -> anyhow::Result<()> {
    let what = match &message.content {
        Content::Template { name, language } => format!("template:{name}:{language}"),
        Content::FreeForm { kind } => kind.clone(),
    };
    sqlx::query(
        "INSERT INTO blocked_sends (id, business_number_id, actor, recipient_hash, recipient_masked, what, reason, code, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(number_id)
    .bind(actor)
    .bind(suppression::key(&s.secret, &message.recipient))
    // For an erased person the keyed hash alone must do: not even a masked number.
    .bind((reason != "suppressed").then(|| message.recipient.masked()))
    .bind(&what)
    .bind(reason)
    .bind(code)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    s.metrics.blocked(reason);
    tracing::info!(to = %message.recipient.masked(), what = %what, reason, actor = %actor, "send blocked");
    Ok(())
}
