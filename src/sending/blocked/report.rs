//! The blocked-sends report: every refused send with its reason, who asked (an
//! API key by name, one of Assent's flows, a staff member), the template, the
//! masked recipient and when; filtered, a page at a time newest first (keyset on
//! the time-ordered id, no OFFSET), as CSV, and counted per reason per day for
//! the dashboard. Recipients are found by keyed hash, never by a stored number.

use crate::callers::{self, Caller};
use crate::consent::suppression;
use crate::csv_safe::SafeCsv;
use crate::db::Db;
use crate::domain::{PhoneNumber, Recipient};
use crate::download::{self, CHUNK, Sink};
use crate::numbers;
use crate::query::Conditions;
use futures_util::TryStreamExt;
use sqlx::AnyConnection;

/// Why a send was refused: the gate's reasons and the contact check's, with what
/// each means to a reader.
pub const REASONS: [(&str, &str); 9] = [
    ("no_consent", "No consent in the template's category"),
    ("consent_pending", "Double opt-in not confirmed yet"),
    (
        "marketing_stopped",
        "Stopped marketing messages in WhatsApp",
    ),
    (
        "outside_window",
        "Free-form message outside the 24-hour window",
    ),
    ("suppressed", "Person erased or suppressed"),
    ("unknown_template", "Template not registered"),
    ("unmapped_template", "Template without a consent category"),
    ("messaging_limit", "Number's messaging limit reached"),
    ("contact_invalid", "Not on WhatsApp (contact check)"),
];

/// A reason's words for a reader (the machine name when it is not one of ours).
pub fn describe_reason(reason: &str) -> &str {
    REASONS
        .iter()
        .find(|(r, _)| *r == reason)
        .map_or(reason, |(_, words)| words)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BlockedFilter {
    /// Meta's id of the business number.
    pub phone_number_id: Option<String>,
    /// One of `REASONS`.
    pub reason: Option<&'static str>,
    /// The recipient (exact).
    pub phone: Option<PhoneNumber>,
    pub since_ms: Option<i64>,
    /// Exclusive.
    pub until_ms: Option<i64>,
}

impl BlockedFilter {
    /// A reason named as `REASONS` names it.
    pub fn reason(raw: &str) -> Option<&'static str> {
        REASONS.iter().map(|(r, _)| *r).find(|r| *r == raw)
    }

    /// The filter in words, for the audit log: the phone number masked.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(v) = &self.phone_number_id {
            parts.push(format!("number {v}"));
        }
        if let Some(v) = self.reason {
            parts.push(format!("reason {v}"));
        }
        if let Some(v) = &self.phone {
            parts.push(format!("recipient {}", v.masked()));
        }
        if let Some(v) = self.since_ms {
            parts.push(format!("from {}", crate::consent::export::rfc3339(v)));
        }
        if let Some(v) = self.until_ms {
            parts.push(format!("before {}", crate::consent::export::rfc3339(v)));
        }
        if parts.is_empty() {
            "every blocked send".into()
        } else {
            parts.join(", ")
        }
    }

    /// The filter as conditions on `blocked_sends s`; None when nothing can match.
    async fn conditions(
        &self,
        conn: &mut AnyConnection,
        secret: &[u8],
    ) -> anyhow::Result<Option<Conditions>> {
        let mut c = Conditions::default();
        if let Some(phone_number_id) = &self.phone_number_id {
            let Some(number) = numbers::by_phone_number_id(conn, phone_number_id).await? else {
                return Ok(None);
            };
            let p = c.bind(number.id);
            c.push(format!("s.business_number_id = {p}"));
        }
        if let Some(reason) = self.reason {
            let p = c.bind(reason);
            c.push(format!("s.reason = {p}"));
        }
        if let Some(phone) = &self.phone {
            let p = c.bind(suppression::key(secret, &Recipient::Phone(phone.clone())));
            c.push(format!("s.recipient_hash = {p}"));
        }
        if let Some(since) = self.since_ms {
            let p = c.bind(since);
            c.push(format!("s.created_at >= {p}"));
        }
        if let Some(until) = self.until_ms {
            let p = c.bind(until);
            c.push(format!("s.created_at < {p}"));
        }
        Ok(Some(c))
    }
}

/// What was to be sent: a template (name and language) or a kind of free-form
/// message (`text`, `image`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempted {
    Template { name: String, language: String },
    FreeForm(String),
}

impl Attempted {
    fn parse(what: &str) -> Self {
        match what
            .strip_prefix("template:")
            .and_then(|t| t.rsplit_once(':'))
        {
            Some((name, language)) => Self::Template {
                name: name.to_owned(),
                language: language.to_owned(),
            },
            None => Self::FreeForm(what.to_owned()),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Template { name, language } => format!("{name} ({language})"),
            Self::FreeForm(kind) => format!("free-form {kind} message"),
        }
    }
}

/// One refused send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockedSend {
    pub id: String,
    pub created_at: i64,
    pub phone_number_id: Option<String>,
    pub display_number: Option<String>,
    pub caller: Caller,
    pub attempted: Attempted,
    /// Masked; None for an erased person, whose number not even masked is kept.
    pub recipient: Option<String>,
    pub reason: String,
    pub code: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    created_at: i64,
    actor: String,
    recipient_masked: Option<String>,
    what: String,
    reason: String,
    code: i64,
    phone_number_id: Option<String>,
    display_number: Option<String>,
    key_name: Option<String>,
    email: Option<String>,
}

impl From<Row> for BlockedSend {
    fn from(r: Row) -> Self {
        Self {
            caller: Caller::new(&r.actor, r.key_name, r.email),
            attempted: Attempted::parse(&r.what),
            id: r.id,
            created_at: r.created_at,
            phone_number_id: r.phone_number_id,
            display_number: r.display_number,
            recipient: r.recipient_masked,
            reason: r.reason,
            code: r.code,
        }
    }
}

fn select() -> String {
    format!(
        "SELECT s.id, s.created_at, s.actor, s.recipient_masked, s.what, s.reason, s.code, \
         b.phone_number_id, b.display_number, k.name AS key_name, u.email AS email \
         FROM blocked_sends s \
         LEFT JOIN business_numbers b ON b.id = s.business_number_id {}",
        callers::joins("s.actor")
    )
}

/// Up to `limit` refused sends matching `filter`, newest first, older than the
/// one with id `before` when given (the last id of the previous page).
pub async fn page(
    db: &Db,
    secret: &[u8],
    filter: &BlockedFilter,
    before: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<BlockedSend>> {
    let mut conn = db.pool.acquire().await?;
    let Some(mut c) = filter.conditions(&mut conn, secret).await? else {
        return Ok(Vec::new());
    };
    if let Some(before) = before {
        let p = c.bind(before.to_owned());
        c.push(format!("s.id < {p}"));
    }
    let limit = c.bind(limit);
    let sql = format!(
        "{} {} ORDER BY s.id DESC LIMIT {limit}",
        select(),
        c.where_clause()
    );
    let rows: Vec<Row> = sqlx::query_as_with(sqlx::AssertSqlSafe(sql), c.arguments()?)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(BlockedSend::from).collect())
}

const CSV_HEADER: [&str; 11] = [
    "id",
    "created_at",
    "phone_number_id",
    "reason",
    "code",
    "caller_kind",
    "caller",
    "template",
    "language",
    "message_type",
    "recipient",
];

/// The refused sends matching `filter` as CSV, newest first, as chunks read from
/// the database as the receiver takes them.
pub fn csv(
    db: Db,
    secret: std::sync::Arc<[u8]>,
    filter: BlockedFilter,
) -> tokio::sync::mpsc::Receiver<Vec<u8>> {
    download::spawn("blocked-sends report", move |mut sink| async move {
        let mut conn = db.pool.acquire().await?;
        let mut out = SafeCsv::default();
        out.record(CSV_HEADER)?;
        let mut count = 0;
        if let Some(c) = filter.conditions(&mut conn, &secret).await? {
            let sql = format!("{} {} ORDER BY s.id DESC", select(), c.where_clause());
            let mut rows =
                sqlx::query_as_with::<_, Row, _>(sqlx::AssertSqlSafe(sql), c.arguments()?)
                    .fetch(&mut *conn);
            while let Some(row) = rows.try_next().await? {
                let b = BlockedSend::from(row);
                let (template, language, kind) = match &b.attempted {
                    Attempted::Template { name, language } => {
                        (name.as_str(), language.as_str(), "template")
                    }
                    Attempted::FreeForm(kind) => ("", "", kind.as_str()),
                };
                out.record([
                    b.id.as_str(),
                    &crate::consent::export::rfc3339(b.created_at),
                    b.phone_number_id.as_deref().unwrap_or_default(),
                    &b.reason,
                    &b.code.to_string(),
                    b.caller.kind(),
                    &b.caller.name(),
                    template,
                    language,
                    kind,
                    b.recipient.as_deref().unwrap_or_default(),
                ])?;
                count += 1;
                if out.pending() >= CHUNK {
                    sink.chunk(out.take()?).await?;
                }
            }
        }
        sink.chunk(out.take()?).await?;
        Ok(count)
    })
}

/// Refused sends per reason over the last `days` UTC days up to `today`, most
/// frequent first, of one number or of all (counts outlive erasure).
pub async fn per_reason(
    db: &Db,
    number_id: Option<&str>,
    today: i64,
    days: i64,
) -> anyhow::Result<Vec<(String, i64)>> {
    let first = today - days + 1;
    let rows: Vec<(String, i64)> = match number_id {
        Some(id) => {
            sqlx::query_as(
                "SELECT reason, CAST(SUM(attempts) AS BIGINT) FROM blocked_days \
                 WHERE day >= $1 AND day <= $2 AND business_number_id = $3 GROUP BY reason",
            )
            .bind(first)
            .bind(today)
            .bind(id)
            .fetch_all(&db.pool)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT reason, CAST(SUM(attempts) AS BIGINT) FROM blocked_days \
                 WHERE day >= $1 AND day <= $2 GROUP BY reason",
            )
            .bind(first)
            .bind(today)
            .fetch_all(&db.pool)
            .await?
        }
    };
    let mut rows = rows;
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    Ok(rows)
}
