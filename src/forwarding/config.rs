//! Where a number's forwards go: a URL, extra headers, and the secret that signs
//! them (generated once per number, kept when the URL changes).

use crate::audit::{self, Doer, Entry};
use crate::db::{Db, now_ms};
use serde::Serialize;
use sqlx::AnyConnection;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct WebhookConfig {
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// Signs every forward as `X-Hub-Signature-256`, as Meta's app secret does.
    pub secret: String,
}

/// Headers a business may not set: they would break the request or its signature.
const RESERVED: [&str; 5] = [
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "x-hub-signature-256",
];

/// Checks a requested configuration and gives back the parsed URL; the error
/// names the field.
pub fn validate(
    url: &str,
    headers: &BTreeMap<String, String>,
) -> Result<url::Url, (&'static str, String)> {
    let parsed = url::Url::parse(url).map_err(|e| ("url", format!("is not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(("url", "must be an http:// or https:// URL".into()));
    }
    if url.len() > 2048 {
        return Err(("url", "must be at most 2048 characters".into()));
    }
    if headers.len() > 20 {
        return Err(("headers", "at most 20 headers".into()));
    }
    for (name, value) in headers {
        if actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(("headers", format!("{name:?} is not a valid header name")));
        }
        if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(("headers", format!("{name} is set by Assent itself")));
        }
        if value.len() > 4096 || actix_web::http::header::HeaderValue::from_str(value).is_err() {
            return Err((
                "headers",
                format!("the value of {name} is not a valid header value"),
            ));
        }
    }
    Ok(parsed)
}

pub async fn exists(conn: &mut AnyConnection, business_number_id: &str) -> anyhow::Result<bool> {
    let found: Option<(String,)> =
        sqlx::query_as("SELECT url FROM webhook_configs WHERE business_number_id = $1")
            .bind(business_number_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(found.is_some())
}

pub async fn get(
    conn: &mut AnyConnection,
    business_number_id: &str,
) -> anyhow::Result<Option<WebhookConfig>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT url, headers, secret FROM webhook_configs WHERE business_number_id = $1",
    )
    .bind(business_number_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(url, headers, secret)| {
        Ok(WebhookConfig {
            url,
            headers: serde_json::from_str(&headers)?,
            secret,
        })
    })
    .transpose()
}

/// Sets the URL and headers (already validated); the secret is made on first use.
pub async fn set(
    db: &Db,
    business_number_id: &str,
    url: &str,
    headers: &BTreeMap<String, String>,
) -> anyhow::Result<WebhookConfig> {
    let mut w = db.write().await?;
    let saved = upsert(&mut w, business_number_id, url, headers).await?;
    w.commit().await?;
    Ok(saved)
}

fn new_secret() -> String {
    hex::encode(rand::random::<[u8; 32]>())
}

async fn upsert(
    conn: &mut AnyConnection,
    business_number_id: &str,
    url: &str,
    headers: &BTreeMap<String, String>,
) -> anyhow::Result<WebhookConfig> {
    sqlx::query(
        "INSERT INTO webhook_configs (business_number_id, url, headers, secret, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (business_number_id) DO UPDATE SET url = excluded.url, headers = excluded.headers, updated_at = excluded.updated_at",
    )
    .bind(business_number_id)
    .bind(url)
    .bind(serde_json::to_string(headers)?)
    .bind(new_secret())
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    get(conn, business_number_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("webhook config vanished right after it was set"))
}

/// What the audit log calls a number's webhook.
fn target(business_number_id: &str) -> String {
    format!("webhook:{business_number_id}")
}

/// Sets the URL and headers (already validated) for a member of staff, audited
/// with the change (header names only: their values may be credentials). True
/// with the config when it is new, its secret just made.
pub async fn save(
    db: &Db,
    who: &Doer,
    business_number_id: &str,
    url: &str,
    headers: &BTreeMap<String, String>,
) -> anyhow::Result<(WebhookConfig, bool)> {
    let mut w = db.write().await?;
    let new = !exists(&mut w, business_number_id).await?;
    let saved = upsert(&mut w, business_number_id, url, headers).await?;
    let names: Vec<&str> = headers.keys().map(String::as_str).collect();
    let detail = if names.is_empty() {
        url.to_owned()
    } else {
        format!("{url} with headers {}", names.join(", "))
    };
    audit::record(
        &mut w,
        who,
        Entry {
            action: if new {
                "webhook.created"
            } else {
                "webhook.changed"
            },
            target: &target(business_number_id),
            detail: &detail,
        },
    )
    .await?;
    w.commit().await?;
    Ok((saved, new))
}

/// A new signing secret for the number's webhook, audited; `None` when the
/// number has no webhook. Forwards still queued are signed with it too: each is
/// signed when it is sent.
pub async fn rotate_secret(
    db: &Db,
    who: &Doer,
    business_number_id: &str,
) -> anyhow::Result<Option<String>> {
    let secret = new_secret();
    let mut w = db.write().await?;
    let changed = sqlx::query(
        "UPDATE webhook_configs SET secret = $1, updated_at = $2 WHERE business_number_id = $3",
    )
    .bind(&secret)
    .bind(now_ms())
    .bind(business_number_id)
    .execute(&mut *w)
    .await?
    .rows_affected()
        > 0;
    if !changed {
        return Ok(None);
    }
    audit::record(
        &mut w,
        who,
        Entry {
            action: "webhook.secret_rotated",
            target: &target(business_number_id),
            detail: "",
        },
    )
    .await?;
    w.commit().await?;
    Ok(Some(secret))
}

/// The number's webhook, if it has one.
pub async fn of_number(db: &Db, business_number_id: &str) -> anyhow::Result<Option<WebhookConfig>> {
    get(&mut *db.pool.acquire().await?, business_number_id).await
}
