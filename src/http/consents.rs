//! `POST|GET /api/v1/consents`: record a consent decision from the business's own
//! systems (with evidence), and read a person's consent back.

use super::auth::ApiKey;
use super::body;
use super::error::ApiError;
use crate::categories;
use crate::consent::{
    self, ConsentAction, ConsentState, Evidence, NewEvent, Notice, RecordedEvent, Source,
    export::rfc3339,
};
use crate::domain::{CategoryName, PhoneNumber, Recipient, TemplateName, UserId};
use crate::services::Services;
use crate::templates;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsentRequest {
    phone: Option<String>,
    user_id: Option<String>,
    category: String,
    action: String,
    #[serde(default)]
    evidence: EvidenceIn,
    /// Double opt-in: consent stays `pending` until confirmed; only this template
    /// may be sent meanwhile, once.
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

fn recipient(phone: Option<&str>, user_id: Option<&str>) -> Result<Recipient, ApiError> {
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

fn notice(e: &EvidenceIn) -> Result<Option<Notice>, ApiError> {
    let version = bounded(&e.notice_version, "evidence.notice_version", 64)?;
    let computed = e
        .notice_text
        .as_deref()
        .map(|t| hex::encode(Sha256::digest(t.as_bytes())));
    let given = match e.notice_sha256.as_deref() {
        Some(h) if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) => {
            return Err(ApiError::field(
                "evidence.notice_sha256",
                "must be 64 hexadecimal characters",
            ));
        }
        h => h.map(str::to_ascii_lowercase),
    };
    let sha256 = match (given, computed) {
        (Some(g), Some(c)) if g != c => {
            return Err(ApiError::field(
                "evidence.notice_sha256",
                "does not match the SHA-256 of evidence.notice_text",
            ));
        }
        (g, c) => g.or(c),
    };
    match (version, sha256) {
        (Some(v), Some(h)) => Ok(Some(Notice {
            version: v.to_owned(),
            sha256: h,
        })),
        (None, None) => Ok(None),
        (None, Some(_)) => Err(ApiError::missing("evidence.notice_version")),
        (Some(_), None) => Err(ApiError::field(
            "evidence.notice_version",
            "needs evidence.notice_sha256 or evidence.notice_text",
        )),
    }
}

pub async fn record(
    key: ApiKey,
    payload: web::Payload,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let req: ConsentRequest = body::json(payload).await?;
    let who = recipient(req.phone.as_deref(), req.user_id.as_deref())?;
    let category_name =
        CategoryName::parse(&req.category).map_err(|e| ApiError::field("category", e))?;
    let mut conn = services.db.pool.acquire().await?;
    if categories::find(&mut conn, &category_name).await?.is_none() {
        let known: Vec<String> = categories::all(&mut conn)
            .await?
            .into_iter()
            .map(|c| c.name.to_string())
            .collect();
        return Err(ApiError::field(
            "category",
            format!(
                "unknown category {:?}; known: {}",
                req.category,
                known.join(", ")
            ),
        ));
    }
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
    let confirmation_template = match &req.confirmation_template {
        None => None,
        Some(_) if action != ConsentAction::Granted => {
            return Err(ApiError::field(
                "confirmation_template",
                "only goes with action grant",
            ));
        }
        Some(t) => {
            let name =
                TemplateName::parse(t).map_err(|e| ApiError::field("confirmation_template", e))?;
            let registered = templates::list(&mut conn, &key.number.id).await?;
            if !registered.iter().any(|r| {
                r.name == name.as_str()
                    && r.consent_category.as_deref() == Some(category_name.as_str())
            }) {
                return Err(ApiError::field(
                    "confirmation_template",
                    format!(
                        "no template {name:?} mapped to category {category_name:?} is registered for this number"
                    ),
                ));
            }
            Some(name.to_string())
        }
    };
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
    let notice = notice(e)?;
    let language = bounded(&e.language, "evidence.language", 35)?.map(str::to_owned);
    let evidence = Evidence {
        ip: e.ip.clone(),
        user_agent: bounded(&e.user_agent, "evidence.user_agent", 512)?.map(str::to_owned),
        inbound_message_id: bounded(&e.inbound_message_id, "evidence.inbound_message_id", 256)?
            .map(str::to_owned),
        detail: None,
    };
    let source_ref = bounded(&e.source_ref, "evidence.source_ref", 256)?.map(str::to_owned);

    drop(conn);
    if action == ConsentAction::Confirmed {
        let current = consent::read(&services.db, &key.number.id, &who).await?;
        if current
            .states
            .get(category_name.as_str())
            .is_none_or(|s| s.state != ConsentState::Pending)
        {
            return Err(ApiError::field(
                "action",
                format!("there is no pending opt-in for {category_name:?} to confirm"),
            ));
        }
    }

    let event = NewEvent {
        business_number_id: key.number.id.clone(),
        subject_id: String::new(),
        category: category_name.to_string(),
        action,
        source,
        source_ref,
        notice,
        language,
        actor: Some(key.actor()),
        confirmation_template,
        evidence,
    };
    let (_, recorded) = consent::record(&services.db, &key.number.id, &who, event).await?;
    let now = consent::read(&services.db, &key.number.id, &who).await?;
    let state = now
        .states
        .get(category_name.as_str())
        .map(state_json)
        .unwrap_or(json!({"state": "none", "since": null}));
    Ok(
        HttpResponse::Created()
            .json(json!({ "event": EventView::from(&recorded), "state": state })),
    )
}

#[derive(Deserialize)]
pub struct Who {
    phone: Option<String>,
    user_id: Option<String>,
}

pub async fn show(
    key: ApiKey,
    who: web::Query<Who>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let recipient = recipient(who.phone.as_deref(), who.user_id.as_deref())?;
    let record = consent::read(&services.db, &key.number.id, &recipient).await?;
    let mut conn = services.db.pool.acquire().await?;
    let mut categories = serde_json::Map::new();
    for c in categories::all(&mut conn).await? {
        let state = record
            .states
            .get(c.name.as_str())
            .map(state_json)
            .unwrap_or(json!({"state": "none", "since": null}));
        categories.insert(c.name.to_string(), state);
    }
    let events: Vec<EventView> = record.events.iter().map(EventView::from).collect();
    let mut body = json!({ "categories": categories, "events": events });
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
    action: &'a str,
    source: &'a str,
    source_ref: Option<&'a str>,
    notice_version: Option<&'a str>,
    notice_sha256: Option<&'a str>,
    language: Option<&'a str>,
    actor: Option<&'a str>,
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
            action: &e.action,
            source: &e.source,
            source_ref: e.source_ref.as_deref(),
            notice_version: e.notice_version.as_deref(),
            notice_sha256: e.notice_sha256.as_deref(),
            language: e.language.as_deref(),
            actor: e.actor.as_deref(),
            confirmation_template: e.confirmation_template.as_deref(),
            prev_hash: &e.prev_hash,
            hash: &e.hash,
        }
    }
}
