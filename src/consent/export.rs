//! The ledger as CSV or JSON, one row at a time, in chain order: memory stays
//! flat however many events there are. The command line writes it to a file;
//! the console streams it as an HTTP body (`stream`).

use super::ledger::{EVENT_COLUMNS, StoredEvent};
use super::search::{self, LedgerFilter};
use crate::csv_safe::SafeCsv;
use crate::db::Db;
use crate::download::{self, CHUNK, Sink, ToWriter};
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::{FromRow, Row};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "csv" => Some(Self::Csv),
            "json" => Some(Self::Json),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Json => "json",
        }
    }
}

#[derive(Serialize)]
struct ExportRow {
    seq: i64,
    id: String,
    created_at: String,
    phone_number_id: String,
    subject_id: String,
    phone: Option<String>,
    user_id: Option<String>,
    category: String,
    action: String,
    source: String,
    source_ref: Option<String>,
    notice_version: Option<String>,
    notice_sha256: Option<String>,
    language: Option<String>,
    actor: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    inbound_message_id: Option<String>,
    prev_hash: String,
    hash: String,
}

const CSV_HEADER: [&str; 20] = [
    "seq",
    "id",
    "created_at",
    "phone_number_id",
    "subject_id",
    "phone",
    "user_id",
    "category",
    "action",
    "source",
    "source_ref",
    "notice_version",
    "notice_sha256",
    "language",
    "actor",
    "ip",
    "user_agent",
    "inbound_message_id",
    "prev_hash",
    "hash",
];

impl ExportRow {
    /// The fields in `CSV_HEADER`'s order.
    fn csv_fields(&self) -> [String; 20] {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        [
            self.seq.to_string(),
            self.id.clone(),
            self.created_at.clone(),
            self.phone_number_id.clone(),
            self.subject_id.clone(),
            o(&self.phone),
            o(&self.user_id),
            self.category.clone(),
            self.action.clone(),
            self.source.clone(),
            o(&self.source_ref),
            o(&self.notice_version),
            o(&self.notice_sha256),
            o(&self.language),
            o(&self.actor),
            o(&self.ip),
            o(&self.user_agent),
            o(&self.inbound_message_id),
            self.prev_hash.clone(),
            self.hash.clone(),
        ]
    }
}

/// Writes the events matching `filter` to `out`; returns how many.
pub async fn export(
    db: &Db,
    filter: &LedgerFilter,
    format: ExportFormat,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<u64> {
    run(db, filter, format, &mut ToWriter(out)).await
}

/// The export as chunks, read from the database as the receiver takes them.
pub fn stream(
    db: Db,
    filter: LedgerFilter,
    format: ExportFormat,
) -> tokio::sync::mpsc::Receiver<Vec<u8>> {
    download::spawn("ledger export", move |mut sink| async move {
        run(&db, &filter, format, &mut sink).await
    })
}

async fn run(
    db: &Db,
    filter: &LedgerFilter,
    format: ExportFormat,
    sink: &mut impl Sink,
) -> anyhow::Result<u64> {
    let mut conn = db.pool.acquire().await?;
    let mut out = Encoder::new(format)?;
    let mut count = 0u64;
    if let Some(c) = search::conditions(&mut conn, filter).await? {
        let sql = format!(
            "SELECT {cols}, b.phone_number_id AS phone_number_id, c.wa_id AS wa_id, c.user_id AS user_id, ev.body AS evidence_body \
             FROM ledger_events e \
             LEFT JOIN business_numbers b ON b.id = e.business_number_id \
             LEFT JOIN contacts c ON c.id = e.subject_id \
             LEFT JOIN ledger_evidence ev ON ev.event_id = e.id {where_clause} ORDER BY e.seq",
            cols = EVENT_COLUMNS
                .split(", ")
                .map(|c| format!("e.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            where_clause = c.where_clause(),
        );
        let mut rows = sqlx::query_with(sqlx::AssertSqlSafe(sql), c.arguments()?).fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            out.row(&decode(&row)?)?;
            count += 1;
            if out.pending() >= CHUNK {
                sink.chunk(out.take()?).await?;
            }
        }
    }
    sink.chunk(out.finish()?).await?;
    Ok(count)
}

/// Rows into bytes, in either format.
enum Encoder {
    Csv(SafeCsv),
    Json { buffer: Vec<u8>, rows: u64 },
}

impl Encoder {
    fn new(format: ExportFormat) -> anyhow::Result<Self> {
        Ok(match format {
            ExportFormat::Csv => {
                let mut csv = SafeCsv::default();
                csv.record(CSV_HEADER)?;
                Self::Csv(csv)
            }
            ExportFormat::Json => Self::Json {
                buffer: b"[".to_vec(),
                rows: 0,
            },
        })
    }

    fn row(&mut self, record: &ExportRow) -> anyhow::Result<()> {
        match self {
            Self::Csv(csv) => csv.record(record.csv_fields().iter().map(String::as_str)),
            Self::Json { buffer, rows } => {
                if *rows > 0 {
                    buffer.push(b',');
                }
                buffer.push(b'\n');
                serde_json::to_writer(&mut *buffer, record)?;
                *rows += 1;
                Ok(())
            }
        }
    }

    fn pending(&self) -> usize {
        match self {
            Self::Csv(csv) => csv.pending(),
            Self::Json { buffer, .. } => buffer.len(),
        }
    }

    fn take(&mut self) -> anyhow::Result<Vec<u8>> {
        match self {
            Self::Csv(csv) => csv.take(),
            Self::Json { buffer, .. } => Ok(std::mem::take(buffer)),
        }
    }

    fn finish(mut self) -> anyhow::Result<Vec<u8>> {
        let mut rest = self.take()?;
        if let Self::Json { .. } = self {
            rest.extend_from_slice(b"\n]\n");
        }
        Ok(rest)
    }
}

fn decode(row: &sqlx::any::AnyRow) -> anyhow::Result<ExportRow> {
    let event = StoredEvent::from_row(row)?;
    let evidence: Option<String> = row.try_get("evidence_body")?;
    let evidence: serde_json::Value = evidence
        .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
        .map(|v| v["evidence"].clone())
        .unwrap_or_default();
    let text = |k: &str| evidence.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    Ok(ExportRow {
        seq: event.seq,
        created_at: rfc3339(event.created_at),
        phone_number_id: row
            .try_get::<Option<String>, _>("phone_number_id")?
            .unwrap_or_default(),
        subject_id: event.subject_id,
        phone: row
            .try_get::<Option<String>, _>("wa_id")?
            .map(|w| format!("+{w}")),
        user_id: row.try_get("user_id")?,
        category: event.category,
        action: event.action,
        source: event.source,
        source_ref: event.source_ref,
        notice_version: event.notice_version,
        notice_sha256: event.notice_sha256,
        language: event.language,
        actor: event.actor,
        ip: text("ip"),
        user_agent: text("user_agent"),
        inbound_message_id: text("inbound_message_id"),
        prev_hash: event.prev_hash,
        hash: event.hash,
        id: event.id,
    })
}

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
