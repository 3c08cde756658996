//! Business numbers: one WhatsApp sender each, with its provider settings.

use crate::db::{new_id, now_ms};
use crate::domain::PhoneNumber;
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

    /// The categories a chat opt-in asks for when no entry point is named; `None`
    /// means every category.
    pub fn default_categories(&self) -> Option<Vec<String>> {
        self.default_categories
            .as_deref()
            .map(|list| list.split(',').map(str::to_owned).collect())
    }
}

const COLUMNS: &str = "id, phone_number_id, display_number, provider, api_base_url, api_version, access_token, \
     api_key_header, app_secret, verify_token, rate_per_second, rate_burst, messaging_limit, business_name, default_categories";

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

#[derive(Debug, thiserror::Error)]
pub enum AddNumberError {
    #[error("phone_number_id {0} is already registered")]
    Exists(String),
    #[error("phone_number_id must be digits only (Meta's id of the number), got {0:?}")]
    BadId(String),
    #[error("provider {0} needs --api-base-url")]
    MissingBaseUrl(&'static str),
    #[error("--api-base-url must be an http:// or https:// URL, got {0:?}")]
    BadBaseUrl(String),
    #[error("--rate-per-second must be a number above 0, got {0}")]
    BadRate(f64),
    #[error("--rate-burst must be at least 1, got {0}")]
    BadBurst(f64),
    #[error("--messaging-limit must be at least 1, got {0}")]
    BadLimit(i64),
    #[error(transparent)]
    Db(#[from] anyhow::Error),
}

pub async fn add(
    conn: &mut AnyConnection,
    new: NewNumber,
) -> Result<BusinessNumber, AddNumberError> {
    if new.phone_number_id.is_empty() || !new.phone_number_id.chars().all(|c| c.is_ascii_digit()) {
        return Err(AddNumberError::BadId(new.phone_number_id));
    }
    if new.provider == ProviderKind::Onprem && new.api_base_url.is_none() {
        return Err(AddNumberError::MissingBaseUrl("onprem"));
    }
    if let Some(base) = &new.api_base_url {
        let ok = url::Url::parse(base)
            .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        if !ok {
            return Err(AddNumberError::BadBaseUrl(base.clone()));
        }
    }
    if let Some(rate) = new.rate_per_second.filter(|r| !(r.is_finite() && *r > 0.0)) {
        return Err(AddNumberError::BadRate(rate));
    }
    if let Some(burst) = new.rate_burst.filter(|b| !(b.is_finite() && *b >= 1.0)) {
        return Err(AddNumberError::BadBurst(burst));
    }
    if let Some(limit) = new.messaging_limit.filter(|l| *l < 1) {
        return Err(AddNumberError::BadLimit(limit));
    }
    if by_phone_number_id(conn, &new.phone_number_id)
        .await?
        .is_some()
    {
        return Err(AddNumberError::Exists(new.phone_number_id));
    }
    let (rate, burst) = new.provider.default_rate();
    let id = new_id();
    sqlx::query(
        "INSERT INTO business_numbers (id, phone_number_id, display_number, provider, api_base_url, api_version, \
         access_token, api_key_header, app_secret, verify_token, rate_per_second, rate_burst, messaging_limit, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
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
    .bind(now_ms())
    .execute(&mut *conn)
    .await
    .map_err(anyhow::Error::from)?;
    Ok(by_id(conn, &id)
        .await?
        .expect("the number was just inserted"))
}

/// How the business is named in chat, and what a chat opt-in asks for when the
/// person came through no entry point (`None`: every category).
pub struct ChatSettings {
    business_name: Option<String>,
    default_categories: Option<String>,
}

impl ChatSettings {
    pub async fn parse(
        conn: &mut AnyConnection,
        business_name: Option<&str>,
        default_categories: &[String],
    ) -> anyhow::Result<Self> {
        if let Some(name) = business_name {
            anyhow::ensure!(
                (1..=60).contains(&name.trim().chars().count())
                    && !name.chars().any(char::is_control),
                "--business-name must be 1 to 60 characters"
            );
        }
        let mut names = Vec::new();
        for raw in default_categories {
            let name = crate::domain::CategoryName::parse(raw.trim())
                .map_err(|e| anyhow::anyhow!("--default-categories: {raw:?} {e}"))?;
            anyhow::ensure!(
                crate::categories::find(conn, &name).await?.is_some(),
                "--default-categories: unknown category {raw:?}"
            );
            names.push(name.as_str().to_owned());
        }
        Ok(Self {
            business_name: business_name.map(|n| n.trim().to_owned()),
            default_categories: (!names.is_empty()).then(|| names.join(",")),
        })
    }
}

pub async fn set_chat(
    conn: &mut AnyConnection,
    id: &str,
    chat: ChatSettings,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE business_numbers SET business_name = $1, default_categories = $2 WHERE id = $3",
    )
    .bind(chat.business_name)
    .bind(chat.default_categories)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
