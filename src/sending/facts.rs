//! What the gate is told, gathered from the database: once for a send being
//! accepted, and again for a queued template just before it leaves. One function
//! for both moments, so they can never judge by different facts.

use super::gate::{self, Blocked, Facts, TemplateFacts};
use super::message::Content;
use crate::categories;
use crate::consent::{self, ConsentState, suppression};
use crate::contacts::{self, Contact};
use crate::db::now_ms;
use crate::domain::{CategoryKind, CategoryName, Recipient};
use crate::message_templates as templates;
use crate::numbers::BusinessNumber;
use sqlx::AnyConnection;

pub(super) enum Moment<'a> {
    /// A send being accepted: the template is looked up by name and language, and
    /// the window and the messaging limit count.
    Accepting {
        number: &'a BusinessNumber,
        recipient: &'a Recipient,
        content: &'a Content,
        /// The consent bot's terms, which a suppressed person may get.
        asks_consent: bool,
    },
    /// A queued template about to leave: its category was fixed when it was
    /// accepted, and so were the window and the messaging limit; consent and
    /// Meta's marketing stop may have changed since.
    Dispatching {
        template_name: &'a str,
        category: &'a str,
    },
}

pub(super) async fn gather(
    conn: &mut AnyConnection,
    secret: &[u8],
    contact: Option<&Contact>,
    moment: Moment<'_>,
) -> anyhow::Result<Facts> {
    let now = now_ms();
    let (suppressed, template) = match moment {
        Moment::Accepting {
            number,
            recipient,
            content,
            asks_consent,
        } => {
            let key = suppression::key(secret, recipient);
            let suppressed =
                !asks_consent && suppression::is_suppressed(conn, &number.id, &key).await?;
            let template = match content {
                Content::FreeForm { .. } => TemplateFacts::NotATemplate,
                Content::Template { name, language } => {
                    match templates::find(conn, &number.id, name.as_str(), language).await? {
                        None => TemplateFacts::Unknown,
                        Some(t) => match (t.consent_category.clone(), t.consent_kind()) {
                            (Some(category), Some(kind)) => {
                                let asked = Asked::Accepting(name.as_str());
                                mapped(conn, contact, category, kind, asked).await?
                            }
                            _ => TemplateFacts::Unmapped,
                        },
                    }
                }
            };
            (suppressed, template)
        }
        Moment::Dispatching {
            template_name,
            category,
        } => {
            let kind = match CategoryName::parse(category) {
                Ok(name) => categories::find(conn, &name).await?.map(|c| c.kind),
                Err(_) => None,
            };
            let template = match kind {
                Some(kind) => {
                    let asked = Asked::Dispatching(template_name);
                    mapped(conn, contact, category.to_owned(), kind, asked).await?
                }
                None => TemplateFacts::Unmapped,
            };
            (false, template)
        }
    };
    Ok(Facts {
        now_ms: now,
        suppressed,
        last_inbound_at: contact.and_then(|c| c.last_inbound_at),
        marketing_stopped: contact.is_some_and(|c| c.marketing_stopped_at.is_some()),
        template,
    })
}

/// The gate asked again just before a queued template leaves; a person erased
/// meanwhile is suppressed.
pub(super) async fn still_allowed(
    conn: &mut AnyConnection,
    secret: &[u8],
    contact_id: &str,
    template_name: &str,
    category: &str,
) -> anyhow::Result<Result<(), Blocked>> {
    let Some(contact) = contacts::find_by_id(conn, contact_id).await? else {
        return Ok(Err(Blocked::Suppressed));
    };
    let moment = Moment::Dispatching {
        template_name,
        category,
    };
    let facts = gather(conn, secret, Some(&contact), moment).await?;
    Ok(gate::decide(&facts).map(|_| ()))
}

enum Asked<'a> {
    Accepting(&'a str),
    /// This message is the one confirmation a pending opt-in allows.
    Dispatching(&'a str),
}

async fn mapped(
    conn: &mut AnyConnection,
    contact: Option<&Contact>,
    category: String,
    kind: CategoryKind,
    asked: Asked<'_>,
) -> anyhow::Result<TemplateFacts> {
    let status = match contact {
        Some(c) => consent::states::of_category(conn, &c.id, &category).await?,
        None => None,
    };
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
                Asked::Accepting(_) => confirmation_sent(conn, &c.id, &template, st.since).await?,
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
    contact: Option<&Contact>,
    template_name: &str,
    asked: &Asked<'_>,
) -> anyhow::Result<bool> {
    let Some(contact) = contact else {
        return Ok(false);
    };
    let signup = consent::latest(
        conn,
        &contact.id,
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
            !confirmation_sent(conn, &contact.id, template_name, signup.created_at).await?
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
