//! `POST|GET /api/v1/consents`: record a consent decision from the business's own
//! systems (with evidence), and read a person's consent back.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::consent::{
    self, ConsentAction, Evidence, Notice, Provenance, RecordedEvent, Source, export::rfc3339,
};
use crate::domain::{CategoryName, Language, PhoneNumber, Recipient, TemplateName, UserId};
use crate::recording::{Decision, RecordError};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentRequest {
    phone: Option<String>,
    user_id: Option<String>,
    category: String,
    action: String,
    #[serde(default)]
    evidence: EvidenceIn,
    confirmation_template: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct EvidenceIn {
    source: Option<String>,
    source_ref: Option<String>,
    notice_version: Option<String>,
    notice_sha256: Option<String>,
    notice_text: Option<String>,
    language: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    inbound_message_id: Option<String>,
}

/// The person a request names: exactly one of a phone number and a user id.
pub(super) fn recipient(phone: Option<&str>, user_id: Option<&str>) -> Result<Recipient, ApiError> {
    match (phone, user_id) {
        (Some(p), None) => PhoneNumber::parse(p)
            .map(Recipient::Phone)
            .map_err(|e| ApiError::field("phone", e)),
        (None, Some(u)) => UserId::parse(u)
            .map(Recipient::User)
            .map_err(|e| ApiError::field("user_id", e)),
        (Some(_), Some(_)) => Err(ApiError::field(
            "phone",
            "give either phone or user_id, not both",
        )),
        (None, None) => Err(ApiError::missing("phone")),
    }
}

/// Free text that goes into the chained record: bounded, not blank, printable.
fn bounded<'a>(
    value: &'a Option<String>,
    field: &str,
    max: usize,
) -> Result<Option<&'a str>, ApiError> {
    match value.as_deref() {
        Some(v) if v.chars().count() > max => Err(ApiError::field(
            field,
            format!("must be at most {max} characters"),
        )),
        Some(v) if v.trim().is_empty() => Err(ApiError::field(field, "must not be empty")),
        Some(v) if v.chars().any(char::is_control) => Err(ApiError::field(
            field,
            "must not contain control characters",
        )),
        other => Ok(other),
    }
}

/// The request's fields, parsed into a decision; the consent rules that need the
/// ledger are checked when it is recorded.
fn decision(req: &ConsentRequest, key: &ApiKey) -> Result<Decision, ApiError> {
    let who = recipient(req.phone.as_deref(), req.user_id.as_deref())?;
    let category =
        CategoryName::parse(&req.category).map_err(|e| ApiError::field("category", e))?;
    let action = match req.action.as_str() {
        "grant" => ConsentAction::Granted,
        "withdraw" => ConsentAction::Withdrawn,
        "confirm" => ConsentAction::Confirmed,
        _ => {
            return Err(ApiError::field(
                "action",
                "must be grant, withdraw or confirm",
            ));
        }
    };
    let confirmation_template = req
        .confirmation_template
        .as_deref()
        .map(TemplateName::parse)
        .transpose()
        .map_err(|e| ApiError::field("confirmation_template", e))?;
    let e = &req.evidence;
    let source = match e.source.as_deref() {
        None | Some("api") => Source::Api,
        Some("import") => Source::Import,
        Some(_) => return Err(ApiError::field("evidence.source", "must be api or import")),
    };
    if let Some(ip) = &e.ip {
        ip.parse::<std::net::IpAddr>()
            .map_err(|_| ApiError::field("evidence.ip", "must be an IPv4 or IPv6 address"))?;
    }
    let notice = Notice::from_parts(
        bounded(&e.notice_version, "evidence.notice_version", 64)?,
        e.notice_sha256.as_deref(),
        e.notice_text.as_deref(),
    )
    .map_err(|r| {
        let field = format!("evidence.{}", r.field);
        if r.missing {
            ApiError::missing(&field)
        } else {
            ApiError::field(&field, r.problem)
        }
    })?;
    let language = e
        .language
        .as_deref()
        .map(Language::parse)
        .transpose()
        .map_err(|problem| ApiError::field("evidence.language", problem))?;
    Ok(Decision {
        who,
        category,
        action,
        confirmation_template,
        how: Provenance {
            source,
            source_ref: bounded(&e.source_ref, "evidence.source_ref", 256)?.map(str::to_owned),
            notice,
            language,
            actor: key.actor(),
            evidence: Evidence {
                ip: e.ip.clone(),
                user_agent: bounded(&e.user_agent, "evidence.user_agent", 512)?.map(str::to_owned),
                inbound_message_id: bounded(
                    &e.inbound_message_id,
                    "evidence.inbound_message_id",
                    256,
                )?
                .map(str::to_owned),
                ..Evidence::default()
            },
        },
    })
}

pub async fn record(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let req: ConsentRequest = body::json(payload).await?;
    let decision = decision(&req, &key)?;
    let recorded = services
        .consents
        .record(&services.db, &key.number.id, decision)
        .await
        .map_err(|e| match e {
            RecordError::Refused(r) => ApiError::field(r.field, r.problem),
            RecordError::Internal(e) => e.into(),
        })?;
    let state = recorded
        .state
        .as_ref()
        .map(state_json)
        .unwrap_or(json!({"state": "none", "since": null}));
    Ok(HttpResponse::Created()
        .json(json!({ "event": EventView::from(&recorded.event), "state": state })))
}

/// `?phone=` or `?user_id=`, and a page of events.
#[derive(Deserialize)]
pub struct Who {
    phone: Option<String>,
    user_id: Option<String>,
    /// A page of older events: those before this `seq` (the last answer's
    /// `events_before`).
    events_before: Option<i64>,
    /// How many events at most (1 to 500; 50 by default).
    events_limit: Option<i64>,
}

impl Who {
    fn recipient(&self) -> Result<Recipient, ApiError> {
        recipient(self.phone.as_deref(), self.user_id.as_deref())
    }
}

pub async fn show(
    key: ApiKey,
    who: web::Query<Who>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let recipient = who.recipient()?;
    let limit = who.events_limit.unwrap_or(50);
    if !(1..=500).contains(&limit) {
        return Err(ApiError::field("events_limit", "must be 1 to 500"));
    }
    let record = consent::read(
        &services.db,
        &key.number.id,
        &recipient,
        who.events_before,
        limit,
    )
    .await?;
    let mut categories = serde_json::Map::new();
    for (name, state) in &record.states {
        let state = state
            .as_ref()
            .map(state_json)
            .unwrap_or(json!({"state": "none", "since": null}));
        categories.insert(name.clone(), state);
    }
    let events: Vec<EventView> = record.events.iter().map(EventView::from).collect();
    let mut body = json!({ "categories": categories, "events": events });
    if let Some(seq) = record.older_than {
        body["events_before"] = json!(seq);
    }
    match &recipient {
        Recipient::Phone(p) => body["phone"] = json!(p.as_e164()),
        Recipient::User(u) => body["user_id"] = json!(u.as_str()),
    }
    Ok(HttpResponse::Ok().json(body))
}

fn state_json(s: &consent::CategoryStatus) -> Value {
    json!({ "state": s.state, "since": rfc3339(s.since) })
}

#[derive(Serialize)]
struct EventView<'a> {
    id: &'a str,
    seq: i64,
    created_at: String,
    category: &'a str,
    action: &'static str,
    source: &'static str,
    source_ref: Option<&'a str>,
    notice_version: Option<&'a str>,
    notice_sha256: Option<&'a str>,
    language: Option<&'a str>,
    actor: Option<String>,
    confirmation_template: Option<&'a str>,
    prev_hash: &'a str,
    hash: &'a str,
}

impl<'a> From<&'a RecordedEvent> for EventView<'a> {
    fn from(e: &'a RecordedEvent) -> Self {
        Self {
            id: &e.id,
            seq: e.seq,
            created_at: rfc3339(e.created_at),
            category: &e.category,
            action: e.action.as_str(),
            source: e.source.as_str(),
            source_ref: e.source_ref.as_deref(),
            notice_version: e.notice_version.as_deref(),
            notice_sha256: e.notice_sha256.as_deref(),
            language: e.language.as_deref(),
            actor: e.actor.as_ref().map(ToString::to_string),
            confirmation_template: e.confirmation_template.as_deref(),
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        }
    }
}
