//! `GET /api/v1/blocked-sends`: the key's number's refused sends, newest first,
//! a page at a time with Graph-style cursors (`paging.cursors.after`, and
//! `paging.next` while there is more).

use super::auth::ApiKey;
use super::error::ApiError;
use crate::consent::export::rfc3339;
use crate::domain::PhoneNumber;
use crate::sending::blocked::report::{self, Attempted, BlockedFilter, BlockedSend};
use crate::services::Services;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_LIMIT: i64 = 50;
const MAX_LIMIT: i64 = 200;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    limit: Option<String>,
    after: Option<String>,
    reason: Option<String>,
    phone: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

fn time(field: &str, raw: Option<&str>) -> Result<Option<i64>, ApiError> {
    raw.map(|raw| {
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
            .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
            .map_err(|_| {
                ApiError::field(
                    field,
                    "must be an RFC 3339 time such as 2026-11-30T00:00:00Z",
                )
            })
    })
    .transpose()
}

fn shown(b: &BlockedSend) -> Value {
    let (template, message_type) = match &b.attempted {
        Attempted::Template { name, language } => {
            (json!({"name": name, "language": language}), "template")
        }
        Attempted::FreeForm(kind) => (Value::Null, kind.as_str()),
    };
    json!({
        "id": b.id,
        "created_at": rfc3339(b.created_at),
        "reason": b.reason,
        "code": b.code,
        "description": report::describe_reason(&b.reason),
        "caller": {"kind": b.caller.kind(), "name": b.caller.name()},
        "message_type": message_type,
        "template": template,
        "recipient": b.recipient,
    })
}

pub async fn list(
    key: ApiKey,
    query: web::Query<ListQuery>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let q = query.into_inner();
    let limit = match q.limit.as_deref() {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::field(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                )
            })?,
    };
    let after = match q.after.as_deref() {
        None => None,
        Some(raw) if uuid::Uuid::parse_str(raw).is_ok() => Some(raw.to_owned()),
        Some(_) => return Err(ApiError::field("after", "is not a cursor this API gave")),
    };
    let filter = BlockedFilter {
        phone_number_id: Some(key.number.phone_number_id.clone()),
        reason: q
            .reason
            .as_deref()
            .map(|r| {
                BlockedFilter::reason(r).ok_or_else(|| {
                    let all: Vec<&str> = report::REASONS.iter().map(|(r, _)| *r).collect();
                    ApiError::field("reason", format!("must be one of {}", all.join(", ")))
                })
            })
            .transpose()?,
        phone: q
            .phone
            .as_deref()
            .map(|p| PhoneNumber::parse(p).map_err(|e| ApiError::field("phone", e)))
            .transpose()?,
        since_ms: time("since", q.since.as_deref())?,
        until_ms: time("until", q.until.as_deref())?,
    };
    let mut found = report::page(
        &services.db,
        &services.secret,
        &filter,
        after.as_deref(),
        limit + 1,
    )
    .await?;
    let more = found.len() as i64 > limit;
    found.truncate(limit as usize);
    let mut paging = json!({});
    if let Some(last) = found.last() {
        paging["cursors"] = json!({"after": last.id});
        if more {
            let mut next: Vec<(&str, String)> =
                vec![("limit", limit.to_string()), ("after", last.id.clone())];
            for (k, v) in [
                ("reason", &q.reason),
                ("phone", &q.phone),
                ("since", &q.since),
                ("until", &q.until),
            ] {
                if let Some(v) = v {
                    next.push((k, v.clone()));
                }
            }
            paging["next"] = json!(format!(
                "{}/api/v1/blocked-sends?{}",
                services.public_url,
                serde_urlencoded::to_string(next).unwrap_or_default()
            ));
        }
    }
    Ok(HttpResponse::Ok().json(json!({
        "data": found.iter().map(shown).collect::<Vec<_>>(),
        "paging": paging,
    })))
}
