//! Business numbers: one WhatsApp sender each, with its provider settings.

use crate::audit::{self, Doer, Entry};
use crate::categories;
use crate::db::{Db, new_id, now_ms};
use crate::domain::{CategoryList, CategoryName, PhoneNumber};
use sqlx::AnyConnection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderKind {
    Sandbox,
    Cloud,
    Onprem,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sandbox => "sandbox",
            Self::Cloud => "cloud",
            Self::Onprem => "onprem",
        }
    }

    fn parse(raw: &str) -> Self {
        match raw {
            "cloud" => Self::Cloud,
            "onprem" => Self::Onprem,
            _ => Self::Sandbox,
        }
    }

    /// Meta's default throughput for Cloud API numbers; on-premises style BSPs
    /// document 50/s with bursts of 150.
    pub fn default_rate(self) -> (f64, f64) {
        match self {
            Self::Onprem => (50.0, 150.0),
            Self::Cloud | Self::Sandbox => (80.0, 80.0),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BusinessNumber {
    pub id: String,
    pub phone_number_id: String,
    pub display_number: String,
    provider: String,
    pub api_base_url: Option<String>,
    pub api_version: String,
    pub access_token: Option<String>,
    pub api_key_header: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub rate_per_second: f64,
    pub rate_burst: f64,
    pub messaging_limit: Option<i64>,
    pub business_name: Option<String>,
    default_categories: Option<String>,
    /// Whether the business's contact card follows an opt-in.
    #[sqlx(try_from = "i64")]
    pub contact_card: Flag,
    quality_event: Option<String>,
    quality_limit: Option<String>,
    quality_at: Option<i64>,
    /// The WhatsApp Business Account of a Cloud API number, where its approved
    /// templates are listed.
    pub waba_id: Option<String>,
    /// What HELP adds: how to reach a person.
    pub help_text: Option<String>,
    /// While set, the answer to every chat message that is not a keyword or a
    /// consent answer (the service is not live yet).
    pub not_live_reply: Option<String>,
}

/// An INTEGER 0/1 column read as a boolean (the Any driver has no booleans).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flag(pub bool);

impl From<i64> for Flag {
    fn from(v: i64) -> Self {
        Self(v != 0)
    }
}

impl std::ops::Deref for Flag {
    type Target = bool;

    fn deref(&self) -> &bool {
        &self.0
    }
}

impl BusinessNumber {
    pub fn provider(&self) -> ProviderKind {
        ProviderKind::parse(&self.provider)
    }

    /// How the business is named to people in chat.
    pub fn name(&self) -> &str {
        self.business_name
            .as_deref()
            .unwrap_or(&self.display_number)
    }

    /// Digits of the display number, as wa.me links and webhook metadata want them.
    pub fn display_digits(&self) -> String {
        self.display_number
            .chars()
            .filter(char::is_ascii_digit)
            .collect()
    }

    /// What Meta last said of the number's quality, if anything.
    pub fn quality(&self) -> Option<crate::number_quality::Quality> {
        Some(crate::number_quality::Quality {
            event: self.quality_event.clone()?,
            limit: self.quality_limit.clone(),
            at: self.quality_at?,
        })
    }

    /// The categories a chat opt-in asks for when no entry point is named; `None`
    /// means every category.
    pub fn default_categories(&self) -> Option<CategoryList> {
        self.default_categories
            .as_deref()
            .map(CategoryList::from_stored)
    }
}

const COLUMNS: &str = "id, phone_number_id, display_number, provider, api_base_url, api_version, access_token, \
     api_key_header, app_secret, verify_token, rate_per_second, rate_burst, messaging_limit, business_name, default_categories, \
     contact_card, quality_event, quality_limit, quality_at, waba_id, help_text, not_live_reply";

/// The number's columns under the table alias `n`, for a query that reads a
/// number together with a row that names it (one round trip, not two).
pub fn columns_of_n() -> String {
    COLUMNS
        .split(',')
        .map(|c| format!("n.{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn by_phone_number_id(
    conn: &mut AnyConnection,
    phone_number_id: &str,
) -> anyhow::Result<Option<BusinessNumber>> {
    let sql = format!("SELECT {COLUMNS} FROM business_numbers WHERE phone_number_id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(phone_number_id)
        .fetch_optional(&mut *conn)
        .await?)
}

pub async fn by_id(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<BusinessNumber>> {
    let sql = format!("SELECT {COLUMNS} FROM business_numbers WHERE id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// Every business number, oldest first.
pub async fn list(db: &Db) -> anyhow::Result<Vec<BusinessNumber>> {
    all(&mut *db.pool.acquire().await?).await
}

pub async fn all(conn: &mut AnyConnection) -> anyhow::Result<Vec<BusinessNumber>> {
    let sql = format!("SELECT {COLUMNS} FROM business_numbers ORDER BY created_at");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&mut *conn)
        .await?)
}

#[derive(Debug, Clone)]
pub struct NewNumber {
    pub phone_number_id: String,
    pub display_number: PhoneNumber,
    pub provider: ProviderKind,
    pub api_base_url: Option<String>,
    pub api_version: String,
    pub access_token: Option<String>,
    pub api_key_header: Option<String>,
    pub app_secret: Option<String>,
    pub verify_token: Option<String>,
    pub rate_per_second: Option<f64>,
    pub rate_burst: Option<f64>,
    pub messaging_limit: Option<i64>,
    /// Cloud API: the WhatsApp Business Account id (digits), for its templates.
    pub waba_id: Option<String>,
}

/// What is wrong with a number's settings, by the field to fix (the CLI names
/// it as its flag, the console as its form field).
#[derive(Debug, thiserror::Error)]
pub enum NumberError {
    #[error("phone_number_id {0} is already registered")]
    Exists(String),
    #[error("{field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: String,
    },
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

impl From<sqlx::Error> for NumberError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(e.into())
    }
}

fn invalid(field: &'static str, problem: impl Into<String>) -> NumberError {
    NumberError::Invalid {
        field,
        problem: problem.into(),
    }
}

fn check(new: &NewNumber) -> Result<(), NumberError> {
    if new.phone_number_id.is_empty() || !new.phone_number_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(invalid(
            "phone_number_id",
            format!(
                "must be digits only (Meta's id of the number), got {:?}",
                new.phone_number_id
            ),
        ));
    }
    if new.provider == ProviderKind::Onprem && new.api_base_url.is_none() {
        return Err(invalid("api_base_url", "is required for provider onprem"));
    }
    if let Some(base) = &new.api_base_url {
        let ok = url::Url::parse(base)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(invalid(
                "api_base_url",
                format!("must be an http:// or https:// URL, got {base:?}"),
            ));
        }
    }
    let version_ok = new.api_version.strip_prefix('v').is_some_and(|v| {
        let mut parts = v.split('.');
        let number = |p: Option<&str>| {
            p.is_some_and(|p| (1..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_digit()))
        };
        number(parts.next()) && number(parts.next()) && parts.next().is_none()
    });
    if !version_ok {
        return Err(invalid(
            "api_version",
            format!(
                "must be a Graph API version such as v23.0, got {:?}",
                new.api_version
            ),
        ));
    }
    if let Some(waba) = new
        .waba_id
        .as_deref()
        .filter(|w| w.is_empty() || !w.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(invalid(
            "waba_id",
            format!("must be digits only (Meta's id of the business account), got {waba:?}"),
        ));
    }
    if let Some(header) = new.api_key_header.as_deref().filter(|h| {
        h.is_empty()
            || !h
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        return Err(invalid(
            "api_key_header",
            format!("must be a header name such as D360-API-KEY, got {header:?}"),
        ));
    }
    if let Some(rate) = new.rate_per_second.filter(|r| !(r.is_finite() && *r > 0.0)) {
        return Err(invalid(
            "rate_per_second",
            format!("must be a number above 0, got {rate}"),
        ));
    }
    if let Some(burst) = new.rate_burst.filter(|b| !(b.is_finite() && *b >= 1.0)) {
        return Err(invalid(
            "rate_burst",
            format!("must be at least 1, got {burst}"),
        ));
    }
    if let Some(limit) = new.messaging_limit.filter(|l| *l < 1) {
        return Err(invalid(
            "messaging_limit",
            format!("must be at least 1, got {limit}"),
        ));
    }
    Ok(())
}

/// Registers a number, with how the business is named in chat and what a chat
/// opt-in asks for, without an audit entry: for setting up (tests). People add
/// numbers through `add_by`.
pub async fn add(
    db: &Db,
    new: NewNumber,
    chat: ChatSettings,
) -> Result<BusinessNumber, NumberError> {
    insert(db, None, new, chat).await
}

/// Registers a number for `who` (a staff member, the command line), in the audit
/// log with the number.
pub async fn add_by(
    db: &Db,
    who: &Doer,
    new: NewNumber,
    chat: ChatSettings,
) -> Result<BusinessNumber, NumberError> {
    insert(db, Some(who), new, chat).await
}

async fn insert(
    db: &Db,
    who: Option<&Doer>,
    new: NewNumber,
    chat: ChatSettings,
) -> Result<BusinessNumber, NumberError> {
    check(&new)?;
    let mut w = db.write().await?;
    chat.check_categories(&mut w).await?;
    if by_phone_number_id(&mut w, &new.phone_number_id)
        .await?
        .is_some()
    {
        return Err(NumberError::Exists(new.phone_number_id));
    }
    let (rate, burst) = new.provider.default_rate();
    let id = new_id();
    sqlx::query(
        "INSERT INTO business_numbers (id, phone_number_id, display_number, provider, api_base_url, api_version, \
         access_token, api_key_header, app_secret, verify_token, rate_per_second, rate_burst, messaging_limit, \
         business_name, default_categories, contact_card, waba_id, help_text, not_live_reply, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
    )
    .bind(&id)
    .bind(&new.phone_number_id)
    .bind(new.display_number.as_e164())
    .bind(new.provider.as_str())
    .bind(new.api_base_url.map(|u| u.trim_end_matches('/').to_owned()))
    .bind(&new.api_version)
    .bind(new.access_token)
    .bind(new.api_key_header)
    .bind(new.app_secret)
    .bind(new.verify_token)
    .bind(new.rate_per_second.unwrap_or(rate))
    .bind(new.rate_burst.unwrap_or(burst))
    .bind(new.messaging_limit)
    .bind(chat.business_name)
    .bind((!chat.default_categories.is_empty()).then(|| chat.default_categories.to_stored()))
    .bind(i64::from(chat.contact_card))
    .bind(new.waba_id)
    .bind(chat.help_text)
    .bind(chat.not_live_reply)
    .bind(now_ms())
    .execute(&mut *w)
    .await?;
    let added = by_id(&mut w, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the number vanished right after it was added"))?;
    if let Some(who) = who {
        audit::record(
            &mut w,
            who,
            Entry {
                action: "number.added",
                target: &format!("number:{id}"),
                detail: &format!(
                    "phone_number_id {}, provider {}",
                    added.phone_number_id,
                    added.provider().as_str()
                ),
            },
        )
        .await?;
    }
    w.commit().await?;
    note_change();
    Ok(added)
}

/// Changes a number's settings. A secret given as `None` (the access token, the
/// app secret, the verify token) keeps the stored one: the console never shows
/// them, so an empty field means "leave it". The audit entry names the settings
/// that changed, never a secret's value.
pub async fn update(
    db: &Db,
    who: &Doer,
    id: &str,
    new: NewNumber,
    chat: ChatSettings,
) -> Result<BusinessNumber, NumberError> {
    check(&new)?;
    let mut w = db.write().await?;
    chat.check_categories(&mut w).await?;
    let Some(old) = by_id(&mut w, id).await? else {
        return Err(NumberError::Db(anyhow::anyhow!("no business number {id}")));
    };
    if let Some(other) = by_phone_number_id(&mut w, &new.phone_number_id).await?
        && other.id != old.id
    {
        return Err(NumberError::Exists(new.phone_number_id));
    }
    let (rate, burst) = new.provider.default_rate();
    let categories =
        (!chat.default_categories.is_empty()).then(|| chat.default_categories.to_stored());
    let base_url = new.api_base_url.map(|u| u.trim_end_matches('/').to_owned());
    let access_token = new.access_token.or_else(|| old.access_token.clone());
    let app_secret = new.app_secret.or_else(|| old.app_secret.clone());
    let verify_token = new.verify_token.or_else(|| old.verify_token.clone());
    let rate = new.rate_per_second.unwrap_or(rate);
    let burst = new.rate_burst.unwrap_or(burst);
    let mut changed = Vec::new();
    let mut note = |name: &'static str, differs: bool| {
        if differs {
            changed.push(name);
        }
    };
    note(
        "phone_number_id",
        old.phone_number_id != new.phone_number_id,
    );
    note(
        "display_number",
        old.display_number != new.display_number.as_e164(),
    );
    note("provider", old.provider != new.provider.as_str());
    note("api_base_url", old.api_base_url != base_url);
    note("api_version", old.api_version != new.api_version);
    note("api_key_header", old.api_key_header != new.api_key_header);
    note("waba_id", old.waba_id != new.waba_id);
    note("access_token", old.access_token != access_token);
    note("app_secret", old.app_secret != app_secret);
    note("verify_token", old.verify_token != verify_token);
    note("rate_per_second", old.rate_per_second != rate);
    note("rate_burst", old.rate_burst != burst);
    note(
        "messaging_limit",
        old.messaging_limit != new.messaging_limit,
    );
    note("business_name", old.business_name != chat.business_name);
    note("default_categories", old.default_categories != categories);
    note("contact_card", *old.contact_card != chat.contact_card);
    note("help_text", old.help_text != chat.help_text);
    note("not_live_reply", old.not_live_reply != chat.not_live_reply);
    if changed.is_empty() {
        return Ok(old);
    }
    sqlx::query(
        "UPDATE business_numbers SET phone_number_id = $1, display_number = $2, provider = $3, api_base_url = $4, \
         api_version = $5, access_token = $6, api_key_header = $7, app_secret = $8, verify_token = $9, \
         rate_per_second = $10, rate_burst = $11, messaging_limit = $12, business_name = $13, \
         default_categories = $14, contact_card = $15, waba_id = $16, help_text = $17, not_live_reply = $18 \
         WHERE id = $19",
    )
    .bind(&new.phone_number_id)
    .bind(new.display_number.as_e164())
    .bind(new.provider.as_str())
    .bind(base_url)
    .bind(&new.api_version)
    .bind(access_token)
    .bind(new.api_key_header)
    .bind(app_secret)
    .bind(verify_token)
    .bind(rate)
    .bind(burst)
    .bind(new.messaging_limit)
    .bind(chat.business_name)
    .bind(categories)
    .bind(i64::from(chat.contact_card))
    .bind(new.waba_id)
    .bind(chat.help_text)
    .bind(chat.not_live_reply)
    .bind(id)
    .execute(&mut *w)
    .await?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "number.changed",
            target: &format!("number:{id}"),
            detail: &format!("changed: {}", changed.join(", ")),
        },
    )
    .await?;
    let updated = by_id(&mut w, id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the number vanished while it was changed"))?;
    w.commit().await?;
    note_change();
    Ok(updated)
}

/// The longest HELP addition and not-live answer: each goes out in one text
/// message with room to spare under WhatsApp's 4096 characters.
pub const MAX_REPLY_TEXT: usize = 1000;

/// How the business is named in chat, and what a chat opt-in asks for when the
/// person came through no entry point (empty: every category).
pub struct ChatSettings {
    business_name: Option<String>,
    default_categories: CategoryList,
    /// Send the business's contact card after an opt-in (a confirmation in chat,
    /// or terms accepted).
    pub contact_card: bool,
    help_text: Option<String>,
    not_live_reply: Option<String>,
}

impl ChatSettings {
    pub fn parse(
        business_name: Option<&str>,
        default_categories: &[String],
    ) -> Result<Self, NumberError> {
        if let Some(name) = business_name
            && (!(1..=60).contains(&name.trim().chars().count())
                || name.chars().any(char::is_control))
        {
            return Err(invalid(
                "business_name",
                "must be 1 to 60 characters, without control characters",
            ));
        }
        let mut names = Vec::new();
        for raw in default_categories {
            let name = CategoryName::parse(raw.trim())
                .map_err(|e| invalid("default_categories", format!("{raw:?} {e}")))?;
            names.push(name);
        }
        Ok(Self {
            business_name: business_name.map(|n| n.trim().to_owned()),
            default_categories: CategoryList::new(names),
            contact_card: false,
            help_text: None,
            not_live_reply: None,
        })
    }

    /// What HELP adds (how to reach a person), and the answer while the service
    /// is not live; blank means none.
    pub fn with_texts(
        mut self,
        help_text: Option<&str>,
        not_live_reply: Option<&str>,
    ) -> Result<Self, NumberError> {
        self.help_text = reply_text("help_text", help_text)?;
        self.not_live_reply = reply_text("not_live_reply", not_live_reply)?;
        Ok(self)
    }

    async fn check_categories(&self, conn: &mut AnyConnection) -> Result<(), NumberError> {
        for name in self.default_categories.iter() {
            if categories::find(conn, name).await?.is_none() {
                return Err(invalid(
                    "default_categories",
                    format!("unknown category \"{name}\""),
                ));
            }
        }
        Ok(())
    }
}

/// A text the bot sends as typed: trimmed, line breaks kept (as `\n`), no other
/// control characters, at most `MAX_REPLY_TEXT` characters.
fn reply_text(field: &'static str, raw: Option<&str>) -> Result<Option<String>, NumberError> {
    let Some(text) = raw.map(|t| t.replace("\r\n", "\n")) else {
        return Ok(None);
    };
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.chars().count() > MAX_REPLY_TEXT {
        return Err(invalid(
            field,
            format!("must be at most {MAX_REPLY_TEXT} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid(field, "must not hold control characters"));
    }
    Ok(Some(text.to_owned()))
}

/// Bumped after every change to a number made here (`insert`, `update`).
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// How long another instance's change to a number may go unseen by `Recent`.
const FRESH: Duration = Duration::from_secs(1);

/// Every number, as read at most `FRESH` ago and since any change made in this
/// process: what each of Meta's POSTs is checked against, without reading
/// every number for each. The intake trusts it only for a payload naming numbers
/// it knows (not the sandbox); anything else is checked against a fresh read
/// (`reload`), so a number or secret just added by another instance is neither
/// refused nor bypassed; an app secret replaced there still vouches for up to
/// `FRESH`.
#[derive(Clone, Default)]
pub struct Recent(Arc<Mutex<Option<Snapshot>>>);

struct Snapshot {
    read_at: Instant,
    changes: u64,
    numbers: Arc<Vec<BusinessNumber>>,
}

impl Recent {
    pub async fn all(&self, db: &Db) -> anyhow::Result<Arc<Vec<BusinessNumber>>> {
        {
            let snapshot = self.0.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(s) = snapshot.as_ref()
                && s.changes == CHANGES.load(Ordering::Acquire)
                && s.read_at.elapsed() < FRESH
            {
                return Ok(s.numbers.clone());
            }
        }
        self.reload(db).await
    }

    /// Reads every number afresh.
    pub async fn reload(&self, db: &Db) -> anyhow::Result<Arc<Vec<BusinessNumber>>> {
        // Taken before the read: a change committed meanwhile makes the next
        // `all` read again.
        let changes = CHANGES.load(Ordering::Acquire);
        let started = Instant::now();
        let numbers = Arc::new(list(db).await?);
        let mut snapshot = self.0.lock().unwrap_or_else(|p| p.into_inner());
        // Of two reads at once, the one begun later is kept.
        if snapshot.as_ref().is_none_or(|s| s.read_at <= started) {
            *snapshot = Some(Snapshot {
                read_at: started,
                changes,
                numbers: numbers.clone(),
            });
        }
        Ok(numbers)
    }
}

fn note_change() {
    CHANGES.fetch_add(1, Ordering::AcqRel);
}
