//! Streams the ledger as CSV or JSON, one row at a time: memory stays flat however
//! many events there are.

use super::ledger::{EVENT_COLUMNS, StoredEvent};
use crate::db::Db;
use futures_util::TryStreamExt;
use serde::Serialize;
use sqlx::{FromRow, Row};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Csv,
    Json,
}

#[derive(Debug, Clone, Default)]
pub struct ExportFilter {
    pub phone_number_id: Option<String>,
    pub category: Option<String>,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
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

pub async fn export(
    db: &Db,
    filter: &ExportFilter,
    format: ExportFormat,
    out: &mut dyn Write,
) -> anyhow::Result<u64> {
    let mut conditions = Vec::new();
    let mut n = 0;
    let mut next = || {
        n += 1;
        format!("${n}")
    };
    if filter.phone_number_id.is_some() {
        conditions.push(format!("b.phone_number_id = {}", next()));
    }
    if filter.category.is_some() {
        conditions.push(format!("e.category = {}", next()));
    }
    if filter.since_ms.is_some() {
        conditions.push(format!("e.created_at >= {}", next()));
    }
    if filter.until_ms.is_some() {
        conditions.push(format!("e.created_at < {}", next()));
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = format!(
        "SELECT {cols}, b.phone_number_id AS phone_number_id, c.wa_id AS wa_id, c.user_id AS user_id, ev.body AS evidence_body \
         FROM ledger_events e \
         JOIN business_numbers b ON b.id = e.business_number_id \
         LEFT JOIN contacts c ON c.id = e.subject_id \
         LEFT JOIN ledger_evidence ev ON ev.event_id = e.id {where_clause} ORDER BY e.seq",
        cols = EVENT_COLUMNS
            .split(", ")
            .map(|c| format!("e.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    if let Some(v) = &filter.phone_number_id {
        query = query.bind(v.clone());
    }
    if let Some(v) = &filter.category {
        query = query.bind(v.clone());
    }
    if let Some(v) = filter.since_ms {
        query = query.bind(v);
    }
    if let Some(v) = filter.until_ms {
        query = query.bind(v);
    }

    let mut rows = query.fetch(&db.pool);
    let mut sink = match format {
        ExportFormat::Csv => Sink::Csv(csv::Writer::from_writer(out)),
        ExportFormat::Json => {
            write!(out, "[")?;
            Sink::Json(out)
        }
    };
    let mut count = 0u64;
    while let Some(row) = rows.try_next().await? {
        let event = StoredEvent::from_row(&row)?;
        let evidence: Option<String> = row.try_get("evidence_body")?;
        let evidence: serde_json::Value = evidence
            .and_then(|b| serde_json::from_str::<serde_json::Value>(&b).ok())
            .map(|v| v["evidence"].clone())
            .unwrap_or_default();
        let text = |k: &str| evidence.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let record = ExportRow {
            seq: event.seq,
            created_at: rfc3339(event.created_at),
            phone_number_id: row.try_get("phone_number_id")?,
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
        };
        match &mut sink {
            Sink::Csv(w) => w.serialize(&record)?,
            Sink::Json(out) => {
                if count > 0 {
                    write!(out, ",")?;
                }
                writeln!(out)?;
                serde_json::to_writer(&mut **out, &record)?;
            }
        }
        count += 1;
    }
    match sink {
        Sink::Csv(mut w) => {
            if count == 0 {
                // An empty export still names its columns.
                w.write_record(CSV_HEADER)?;
            }
            w.flush()?;
        }
        Sink::Json(out) => writeln!(out, "\n]")?,
    }
    Ok(count)
}

enum Sink<'a> {
    Csv(csv::Writer<&'a mut dyn Write>),
    Json(&'a mut dyn Write),
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

pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}
