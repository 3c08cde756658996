//! What the gate is told, gathered from the database: once for a send being
//! accepted, and again for a queued template just before it leaves. Both
//! moments judge a template by one function (`mapped`), so they can never
//! judge by different facts.

use super::gate::{self, Blocked, Facts, TemplateFacts};
use super::message::Content;
use crate::consent::{self, CategoryStatus, ConsentState, suppression};
use crate::contacts::Contact;
use crate::db::now_ms;
use crate::domain::CategoryKind;
use crate::message_templates as templates;
use sqlx::AnyConnection;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A send being accepted, as the gate is asked about it: the template is looked
/// up by name and language, and the window and the messaging limit count.
pub(super) struct Accepting<'a> {
    pub recipient_key: &'a str,
    pub content: &'a Content,
    /// The consent bot's terms, which a suppressed person may get.
    pub asks_consent: bool,
    pub contact: Option<&'a Contact>,
}

/// The facts of sends being accepted for one number, in their order, from a
/// fixed few reads however many they are (the suppression list, the templates,
/// the people's consent), and the reads a pending opt-in or a form's welcome
/// needs. No person may come up twice (`db::lanes::rounds`): each send is
/// judged by what was written before the group.
pub(super) async fn accepting(
    conn: &mut AnyConnection,
    business_number_id: &str,
    sends: &[Accepting<'_>],
) -> anyhow::Result<Vec<Facts>> {
    let now = now_ms();
    let keys: Vec<&str> = sends
        .iter()
        .filter(|s| !s.asks_consent)
        .map(|s| s.recipient_key)
        .collect();
    let suppressed = if keys.is_empty() {
        HashSet::new()
    } else {
        suppression::on_the_list(conn, business_number_id, &keys).await?
    };
    let mut names: Vec<&str> = sends
        .iter()
        .filter_map(|s| match s.content {
            Content::Template { name, .. } => Some(name.as_str()),
            Content::FreeForm { .. } => None,
        })
        .collect();
    names.sort_unstable();
    names.dedup();
    let templates: HashMap<(String, String), templates::Template> = if names.is_empty() {
        HashMap::new()
    } else {
        templates::named(conn, business_number_id, &names)
            .await?
            .into_iter()
            .map(|t| ((t.name.clone(), t.language.clone()), t))
            .collect()
    };
    let people: Vec<&str> = sends
        .iter()
        .filter(|s| matches!(s.content, Content::Template { .. }))
        .filter_map(|s| s.contact.map(|c| c.id.as_str()))
        .collect();
    let states = if people.is_empty() {
        BTreeMap::new()
    } else {
        consent::states::of_subjects(conn, &people).await?
    };
    let mut facts = Vec::with_capacity(sends.len());
    for send in sends {
        let template = match send.content {
            Content::FreeForm { .. } => TemplateFacts::NotATemplate,
            Content::Template { name, language } => {
                match templates.get(&(name.as_str().to_owned(), language.clone())) {
                    None => TemplateFacts::Unknown,
                    Some(t) => match (t.consent_category.clone(), t.consent_kind()) {
                        (Some(category), Some(kind)) => {
                            let status = send.contact.and_then(|c| {
                                states.get(&(c.id.clone(), category.clone())).cloned()
                            });
                            let asked = Asked::Accepting(name.as_str());
                            let contact = send.contact.map(|c| c.id.as_str());
                            mapped(conn, contact, status, category, kind, asked).await?
                        }
                        _ => TemplateFacts::Unmapped,
                    },
                }
            }
        };
        facts.push(Facts {
            now_ms: now,
            suppressed: !send.asks_consent && suppressed.contains(send.recipient_key),
            last_inbound_at: send.contact.and_then(|c| c.last_inbound_at),
            marketing_stopped: send
                .contact
                .is_some_and(|c| c.marketing_stopped_at.is_some()),
            template,
        });
    }
    Ok(facts)
}

/// The gate asked again just before a queued template leaves: its category was
/// fixed when it was accepted, and so were the window and the messaging limit;
/// consent and Meta's marketing stop may have changed since, and a person erased
/// meanwhile is suppressed. One read in the usual case (every queued template
/// pays for it): the person, the category's kind and the person's state in it.
pub(super) async fn still_allowed(
    conn: &mut AnyConnection,
    contact_id: &str,
    template_name: &str,
    category: &str,
) -> anyhow::Result<Result<(), Blocked>> {
    let found: Option<AtDispatch> = sqlx::query_as(
        "SELECT c.last_inbound_at, c.marketing_stopped_at, k.kind, \
         s.state, s.since, s.pending_template, s.source, s.source_ref \
         FROM contacts c \
         LEFT JOIN categories k ON k.name = $2 \
         LEFT JOIN consent_states s ON s.subject_id = c.id AND s.category = $2 \
         WHERE c.id = $1",
    )
    .bind(contact_id)
    .bind(category)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(found) = found else {
        return Ok(Err(Blocked::Suppressed));
    };
    let status = match (found.state, found.since) {
        (Some(state), Some(since)) => consent::states::stored_status(
            &state,
            since,
            found.pending_template,
            found.source,
            found.source_ref,
        ),
        _ => None,
    };
    let template = match found
        .kind
        .as_deref()
        .and_then(|k| CategoryKind::parse(k).ok())
    {
        Some(kind) => {
            let asked = Asked::Dispatching(template_name);
            mapped(
                conn,
                Some(contact_id),
                status,
                category.to_owned(),
                kind,
                asked,
            )
            .await?
        }
        None => TemplateFacts::Unmapped,
    };
    let facts = Facts {
        now_ms: now_ms(),
        suppressed: false,
        last_inbound_at: found.last_inbound_at,
        marketing_stopped: found.marketing_stopped_at.is_some(),
        template,
    };
    Ok(gate::decide(&facts).map(|_| ()))
}

#[derive(sqlx::FromRow)]
struct AtDispatch {
    last_inbound_at: Option<i64>,
    marketing_stopped_at: Option<i64>,
    kind: Option<String>,
    state: Option<String>,
    since: Option<i64>,
    pending_template: Option<String>,
    source: Option<String>,
    source_ref: Option<String>,
}

enum Asked<'a> {
    Accepting(&'a str),
    /// This message is the one confirmation a pending opt-in allows.
    Dispatching(&'a str),
}

/// What the gate is told about a template mapped to a category, from the
/// person's state in it.
async fn mapped(
    conn: &mut AnyConnection,
    contact: Option<&str>,
    status: Option<CategoryStatus>,
    category: String,
    kind: CategoryKind,
    asked: Asked<'_>,
) -> anyhow::Result<TemplateFacts> {
    let consent = status.as_ref().map_or(ConsentState::None, |s| s.state);
    let template_name = match asked {
        Asked::Accepting(t) | Asked::Dispatching(t) => t.to_owned(),
    };
    // Granted consent lets the welcome through anyway: no need to look further.
    let welcome_due = consent != ConsentState::Granted
        && welcome_due(conn, contact, &template_name, &asked).await?;
    let pending_confirmation = match (status, contact) {
        (Some(st), Some(c)) if st.state == ConsentState::Pending => {
            let template = st.pending_template.unwrap_or_default();
            let sent = match asked {
                Asked::Accepting(_) => confirmation_sent(conn, c, &template, st.since).await?,
                Asked::Dispatching(_) => false,
            };
            Some((template, sent))
        }
        _ => None,
    };
    Ok(TemplateFacts::Mapped {
        category,
        kind,
        consent,
        pending_confirmation,
        welcome_due,
        template_name,
    })
}

/// How long after signing up through a form its welcome may still go out.
const WELCOME_WITHIN_MS: i64 = 24 * 60 * 60 * 1000;

/// Whether `template_name` is the welcome of the form the person last signed up
/// through, within a day, and (when accepting) not sent since.
async fn welcome_due(
    conn: &mut AnyConnection,
    contact: Option<&str>,
    template_name: &str,
    asked: &Asked<'_>,
) -> anyhow::Result<bool> {
    let Some(contact) = contact else {
        return Ok(false);
    };
    let signup = consent::latest(
        conn,
        contact,
        consent::Source::WebForm,
        consent::ConsentAction::Granted,
    )
    .await?;
    let Some(signup) = signup else {
        return Ok(false);
    };
    if now_ms() - signup.created_at > WELCOME_WITHIN_MS {
        return Ok(false);
    }
    let Some(source_ref) = &signup.source_ref else {
        return Ok(false);
    };
    let Some(welcome) = crate::forms::welcome_of(conn, source_ref).await? else {
        return Ok(false);
    };
    if welcome.name.as_str() != template_name {
        return Ok(false);
    }
    Ok(match asked {
        Asked::Accepting(_) => {
            !confirmation_sent(conn, contact, template_name, signup.created_at).await?
        }
        Asked::Dispatching(_) => true,
    })
}

async fn confirmation_sent(
    conn: &mut AnyConnection,
    contact_id: &str,
    template: &str,
    since: i64,
) -> anyhow::Result<bool> {
    let found: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM messages WHERE contact_id = $1 AND template_name = $2 AND created_at >= $3 LIMIT 1",
    )
    .bind(contact_id)
    .bind(template)
    .bind(since)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}
