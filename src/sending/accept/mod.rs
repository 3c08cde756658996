//! Accepting sends: each is decided by the gate and, when allowed, queued with
//! its idempotency key; many of one number at once, in one write transaction
//! under the number's lock, with a fixed few statements per round however many
//! there are. A round ends where a person or an idempotency key comes up again,
//! so that a second send to someone is judged by what the first did (a
//! confirmation already sent, a person already counted towards the limit).

mod queue;

pub use queue::Sends;

use super::blocked::{self, NewRefusal};
use super::core::Queued;
use super::facts;
use super::gate::{self, Allowed, Blocked, TemplateFacts};
use super::message::{Content, OutboundMessage};
use super::outbox::{self, NewMessage};
use super::{idempotency, messaging_limit};
use crate::contacts::{self, Contact, Person};
use crate::db::lanes::rounds;
use crate::db::now_ms;
use crate::domain::{Actor, Recipient};
use crate::numbers::BusinessNumber;
use sqlx::AnyConnection;

/// A send, parsed, on its way to the gate.
pub struct Send {
    pub number: BusinessNumber,
    pub message: OutboundMessage,
    /// The caller's Idempotency-Key and the digest of the request it came with.
    pub idempotency: Option<(String, String)>,
    pub actor: Actor,
    /// The consent bot's terms, which a suppressed person may get.
    pub asks_consent: bool,
    /// The recipient's keyed hash (`suppression::key`).
    pub recipient_key: String,
}

/// What became of a send.
#[derive(Debug)]
pub enum Answer {
    Queued(Queued),
    /// An earlier send with the same Idempotency-Key was queued: its answer again.
    Replayed(Queued),
    Blocked(Blocked),
    /// The Idempotency-Key came with a different request before.
    KeyReused,
}

/// The gate's yes, with what queuing the send needs.
pub struct Decision {
    pub contact: Option<Contact>,
    pub template: TemplateFacts,
    pub allowed: Allowed,
}

/// Decides and queues `sends` of one number, in order, inside the caller's
/// write transaction (which must hold the number's lock); one answer each.
pub async fn accept_all(
    tx: &mut AnyConnection,
    business_number_id: &str,
    sends: Vec<Send>,
) -> anyhow::Result<Vec<Answer>> {
    let found = find(tx, business_number_id, &sends.iter().collect::<Vec<_>>()).await?;
    let lengths = rounds(sends.iter().zip(&found).map(|(s, contact)| {
        let person = Key::Person(contacts::person(&s.message.recipient, contact.as_ref()));
        let key = s.idempotency.as_ref().map(|(k, _)| Key::Idempotency(k));
        std::iter::once(person).chain(key)
    }));
    let mut answers = Vec::with_capacity(sends.len());
    let mut rest = sends.into_iter().zip(found);
    for (i, length) in lengths.into_iter().enumerate() {
        let (round, found): (Vec<Send>, Vec<Option<Contact>>) = rest.by_ref().take(length).unzip();
        // The first round's people are those just found; later rounds' may
        // have been created by the rounds before.
        let found = if i == 0 { Some(found) } else { None };
        answers.extend(accept_round(tx, business_number_id, round, found).await?);
    }
    Ok(answers)
}

#[derive(PartialEq, Eq, Hash)]
enum Key<'a> {
    Person(Person<'a>),
    Idempotency(&'a str),
}

async fn accept_round(
    tx: &mut AnyConnection,
    business_number_id: &str,
    round: Vec<Send>,
    found: Option<Vec<Option<Contact>>>,
) -> anyhow::Result<Vec<Answer>> {
    let keys: Vec<&str> = round
        .iter()
        .filter_map(|s| s.idempotency.as_ref().map(|(k, _)| k.as_str()))
        .collect();
    let kept = if keys.is_empty() {
        Default::default()
    } else {
        idempotency::kept(tx, business_number_id, &keys).await?
    };
    // An earlier answer for the key settles a send before the gate is asked.
    let mut answers: Vec<Option<Answer>> = Vec::with_capacity(round.len());
    for send in &round {
        answers.push(match &send.idempotency {
            None => None,
            Some((key, sha)) => match idempotency::answer(kept.get(key), sha) {
                Ok(None) => None,
                Ok(Some(earlier)) => Some(Answer::Replayed(earlier)),
                Err(super::SendError::IdempotencyMismatch) => Some(Answer::KeyReused),
                Err(e) => anyhow::bail!("{e}"),
            },
        });
    }
    let open: Vec<&Send> = round
        .iter()
        .zip(&answers)
        .filter(|(_, a)| a.is_none())
        .map(|(s, _)| s)
        .collect();
    let found = match found {
        Some(found) => found
            .into_iter()
            .zip(&answers)
            .filter(|(_, a)| a.is_none())
            .map(|(f, _)| f)
            .collect(),
        None => find(tx, business_number_id, &open).await?,
    };
    let decisions = decide(tx, business_number_id, &open, found).await?;

    let mut allowed: Vec<(&Send, Decision)> = Vec::new();
    let mut decided = open.iter().zip(decisions);
    for answer in answers.iter_mut().filter(|a| a.is_none()) {
        let Some((send, decision)) = decided.next() else {
            anyhow::bail!("a send was not decided");
        };
        match decision {
            Err(blocked) => *answer = Some(Answer::Blocked(blocked)),
            Ok(decision) => allowed.push((*send, decision)),
        }
    }
    let queued = queue(tx, business_number_id, allowed).await?;
    let mut queued = queued.into_iter();
    answers
        .into_iter()
        .map(|a| match a {
            Some(answer) => Ok(answer),
            None => queued
                .next()
                .map(Answer::Queued)
                .ok_or_else(|| anyhow::anyhow!("an allowed send was not queued")),
        })
        .collect()
}

/// The people `sends` go to, as far as they are known.
pub async fn find(
    conn: &mut AnyConnection,
    business_number_id: &str,
    sends: &[&Send],
) -> anyhow::Result<Vec<Option<Contact>>> {
    let who: Vec<&Recipient> = sends.iter().map(|s| &s.message.recipient).collect();
    contacts::find_all(conn, business_number_id, &who).await
}

/// The gate's decisions on `sends` of one number, in order, each against what
/// was written before them (no person twice: `rounds`), given their people as
/// `find` found them; refusals are recorded for the compliance report on `conn`.
pub async fn decide(
    conn: &mut AnyConnection,
    business_number_id: &str,
    sends: &[&Send],
    found: Vec<Option<Contact>>,
) -> anyhow::Result<Vec<Result<Decision, Blocked>>> {
    if sends.is_empty() {
        return Ok(Vec::new());
    }
    let asked: Vec<facts::Accepting> = sends
        .iter()
        .zip(&found)
        .map(|(s, contact)| facts::Accepting {
            recipient_key: &s.recipient_key,
            content: &s.message.content,
            asks_consent: s.asks_consent,
            contact: contact.as_ref(),
        })
        .collect();
    let facts = facts::accepting(conn, business_number_id, &asked).await?;
    // The messaging limit, asked only of a send otherwise allowed: people reached
    // before this round, and those this round counts as it goes.
    let mut reached: Option<i64> = None;
    let mut decisions = Vec::with_capacity(sends.len());
    for ((send, facts), contact) in sends.iter().zip(facts).zip(found) {
        let decided = match gate::decide(&facts) {
            Ok(allowed)
                if allowed.business_initiated
                    && !messaging_limit::already_counted(contact.as_ref(), facts.now_ms) =>
            {
                let limited = match send.number.messaging_limit {
                    None => Ok(()),
                    Some(_) => {
                        let before = match reached {
                            Some(n) => n,
                            None => {
                                messaging_limit::recipients(conn, business_number_id, facts.now_ms)
                                    .await?
                            }
                        };
                        let within = gate::within_limit(send.number.messaging_limit, before);
                        reached = Some(before + i64::from(within.is_ok()));
                        within
                    }
                };
                limited.map(|()| allowed)
            }
            other => other,
        };
        decisions.push(decided.map(|allowed| Decision {
            contact,
            template: facts.template,
            allowed,
        }));
    }
    let refusals: Vec<NewRefusal> = sends
        .iter()
        .zip(&decisions)
        .filter_map(|(s, d)| d.as_ref().err().map(|blocked| (s, blocked)))
        .map(|(s, blocked)| NewRefusal {
            actor: &s.actor,
            message: &s.message,
            recipient_key: &s.recipient_key,
            reason: blocked.reason(),
            code: blocked.code(),
        })
        .collect();
    if !refusals.is_empty() {
        blocked::record(conn, business_number_id, &refusals).await?;
    }
    Ok(decisions)
}

/// Queues the allowed sends: their people (created when new), their count
/// towards the messaging limit, the messages and their idempotency keys, one
/// statement each.
async fn queue(
    tx: &mut AnyConnection,
    business_number_id: &str,
    allowed: Vec<(&Send, Decision)>,
) -> anyhow::Result<Vec<Queued>> {
    if allowed.is_empty() {
        return Ok(Vec::new());
    }
    let who: Vec<&Recipient> = allowed.iter().map(|(s, _)| &s.message.recipient).collect();
    let found: Vec<Option<Contact>> = allowed.iter().map(|(_, d)| d.contact.clone()).collect();
    let people = contacts::complete(tx, business_number_id, &who, found).await?;
    let now = now_ms();
    let counted: Vec<&Contact> = allowed
        .iter()
        .zip(&people)
        .filter(|((_, d), _)| d.allowed.business_initiated)
        .map(|(_, c)| c)
        .collect();
    messaging_limit::count(tx, business_number_id, &counted, now).await?;

    let queued: Vec<Queued> = allowed
        .iter()
        .zip(&people)
        .map(|((s, _), person)| Queued {
            message_id: format!("wamid.{}", uuid::Uuid::now_v7().simple()),
            input: s.message.input.clone(),
            wa_id: match &s.message.recipient {
                Recipient::Phone(p) => Some(p.wa_id().to_owned()),
                Recipient::User(_) => person.wa_id.clone(),
            },
            user_id: match &s.message.recipient {
                Recipient::User(u) => Some(u.as_str().to_owned()),
                Recipient::Phone(_) => None,
            },
        })
        .collect();
    let messages: Vec<NewMessage> = allowed
        .iter()
        .zip(&people)
        .zip(&queued)
        .map(|(((s, d), person), q)| {
            let (template_name, category) = match (&s.message.content, &d.template) {
                (Content::Template { name, .. }, TemplateFacts::Mapped { category, .. }) => {
                    (Some(name.as_str()), Some(category.as_str()))
                }
                _ => (None, None),
            };
            NewMessage {
                id: &q.message_id,
                business_number_id,
                contact_id: &person.id,
                kind: s.message.content.kind(),
                template_name,
                category,
                business_initiated: d.allowed.business_initiated,
                payload: &s.message.payload,
                actor: &s.actor,
            }
        })
        .collect();
    outbox::insert(tx, &messages).await?;
    let answers: Vec<(&str, &str, &Queued)> = allowed
        .iter()
        .zip(&queued)
        .filter_map(|((s, _), q)| {
            s.idempotency
                .as_ref()
                .map(|(key, sha)| (key.as_str(), sha.as_str(), q))
        })
        .collect();
    if !answers.is_empty() && !idempotency::keep(tx, business_number_id, &answers).await? {
        anyhow::bail!("an idempotency key was taken while the number's lock was held");
    }
    Ok(queued)
}
