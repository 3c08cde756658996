//! Business numbers: one WhatsApp sender each, with its provider settings.

use crate::categories;
use crate::db::{Db, new_id, now_ms};
use crate::domain::{CategoryList, CategoryName, PhoneNumber};
use sqlx::AnyConnection;

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
     contact_card, quality_event, quality_limit, quality_at";

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
/// opt-in asks for.
pub async fn add(
    db: &Db,
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
         business_name, default_categories, contact_card, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
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
    .bind(now_ms())
    .execute(&mut *w)
    .await?;
    let added = by_id(&mut w, &id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the number vanished right after it was added"))?;
    w.commit().await?;
    Ok(added)
}

/// How the business is named in chat, and what a chat opt-in asks for when the
/// person came through no entry point (empty: every category).
pub struct ChatSettings {
    business_name: Option<String>,
    default_categories: CategoryList,
    /// Send the business's contact card after an opt-in (a confirmation in chat,
    /// or terms accepted).
    pub contact_card: bool,
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
        })
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
