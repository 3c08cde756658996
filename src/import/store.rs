//! The import's two tables: `imports` (one per file, with its counters and its
//! place in the work queue) and `import_rows` (one per record of the file,
//! with its outcome once it is settled).

use super::parse::{COLUMNS, Row};
use crate::audit::{self, Doer, Entry};
use crate::db::{Db, new_id, now_ms};
use crate::domain::Actor;
use sqlx::{AnyConnection, Row as _};

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Recorded,
    AlreadyGranted,
    Rejected(String),
}

impl Outcome {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Recorded => "recorded",
            Self::AlreadyGranted => "already_granted",
            Self::Rejected(_) => "rejected",
        }
    }
}

/// How many rows of a batch ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub recorded: i64,
    pub already_granted: i64,
    pub rejected: i64,
}

impl Counts {
    pub fn add(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Recorded => self.recorded += 1,
            Outcome::AlreadyGranted => self.already_granted += 1,
            Outcome::Rejected(_) => self.rejected += 1,
        }
    }

    fn total(&self) -> i64 {
        self.recorded + self.already_granted + self.rejected
    }
}

/// An import as its pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Summary {
    pub id: String,
    pub business_number_id: String,
    pub phone_number_id: String,
    pub display_number: String,
    pub file_name: String,
    pub file_sha256: Option<String>,
    pub bytes: i64,
    pub ignored_columns: String,
    /// `uploading`, `queued` (waiting or under way) or `done`.
    pub state: String,
    pub total_rows: i64,
    pub done_rows: i64,
    pub recorded: i64,
    pub already_granted: i64,
    pub rejected: i64,
    pub actor: String,
    pub actor_name: String,
    pub actor_ip: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Summary {
    /// Who uploaded it, as the audit log names them.
    pub fn doer(&self) -> anyhow::Result<Doer> {
        Ok(Doer {
            actor: Actor::parse(&self.actor)
                .ok_or_else(|| anyhow::anyhow!("import {} has no actor", self.id))?,
            name: self.actor_name.clone(),
            ip: self.actor_ip.clone(),
        })
    }

    pub fn is_done(&self) -> bool {
        self.state == "done"
    }
}

const SUMMARY: &str = "SELECT i.id, i.business_number_id, b.phone_number_id, b.display_number, i.file_name, \
     i.file_sha256, i.bytes, i.ignored_columns, i.state, i.total_rows, i.done_rows, i.recorded, i.already_granted, \
     i.rejected, i.actor, i.actor_name, i.actor_ip, i.created_at, i.finished_at, i.last_error \
     FROM imports i JOIN business_numbers b ON b.id = i.business_number_id";

pub async fn summary(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Summary>> {
    let sql = format!("{SUMMARY} WHERE i.id = $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?)
}

/// The newest imports that are in (uploads under way are not shown).
pub async fn recent(db: &Db, limit: i64) -> anyhow::Result<Vec<Summary>> {
    let sql = format!("{SUMMARY} WHERE i.state <> 'uploading' ORDER BY i.id DESC LIMIT $1");
    Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(limit)
        .fetch_all(&db.pool)
        .await?)
}

/// A rejected row, as typed, and why.
#[derive(Debug, Clone)]
pub struct Rejected {
    pub line: i64,
    pub values: [Option<String>; 6],
    pub reason: String,
}

/// Rejected rows after `after_line`, in the file's order.
pub async fn rejected(
    db: &Db,
    import_id: &str,
    after_line: i64,
    limit: i64,
) -> anyhow::Result<Vec<Rejected>> {
    let rows = sqlx::query(
        "SELECT line, phone, category, granted_at, source, notice_version, evidence, reason FROM import_rows \
         WHERE import_id = $1 AND outcome = 'rejected' AND line > $2 ORDER BY line LIMIT $3",
    )
    .bind(import_id)
    .bind(after_line)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            let mut values: [Option<String>; 6] = Default::default();
            for (value, column) in values.iter_mut().zip(COLUMNS) {
                *value = r.try_get(column)?;
            }
            Ok(Rejected {
                line: r.try_get("line")?,
                values,
                reason: r
                    .try_get::<Option<String>, _>("reason")?
                    .unwrap_or_default(),
            })
        })
        .collect()
}

// --- the upload --------------------------------------------------------------------

pub struct NewImport<'a> {
    pub business_number_id: &'a str,
    pub file_name: &'a str,
    pub ignored_columns: &'a str,
    pub who: &'a Doer,
}

pub async fn create(db: &Db, new: &NewImport<'_>) -> anyhow::Result<String> {
    let id = new_id();
    let now = now_ms();
    db.write_one(
        sqlx::query(
            "INSERT INTO imports (id, business_number_id, file_name, ignored_columns, state, actor, actor_name, \
             actor_ip, created_at, updated_at, next_attempt_at) \
             VALUES ($1, $2, $3, $4, 'uploading', $5, $6, $7, $8, $8, $8)",
        )
        .bind(&id)
        .bind(new.business_number_id)
        .bind(new.file_name)
        .bind(new.ignored_columns)
        .bind(new.who.actor.to_string())
        .bind(&new.who.name)
        .bind(new.who.ip.as_deref())
        .bind(now),
    )
    .await?;
    Ok(id)
}

/// Stores rows of an upload under way, in one transaction.
pub async fn add_rows(db: &Db, import_id: &str, rows: &[Row]) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    const PER_ROW: usize = 9;
    let tuples: Vec<String> = (0..rows.len())
        .map(|r| {
            let n: Vec<String> = (1..=PER_ROW)
                .map(|c| format!("${}", r * PER_ROW + c))
                .collect();
            format!("({})", n.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO import_rows (import_id, line, phone, category, granted_at, source, notice_version, evidence, problem) \
         VALUES {}",
        tuples.join(", ")
    );
    let mut insert = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows {
        insert = insert.bind(import_id).bind(row.line);
        for value in &row.values {
            insert = insert.bind(value.clone());
        }
        insert = insert.bind(row.problem.clone());
    }
    let mut w = db.write().await?;
    insert.execute(&mut *w).await?;
    sqlx::query(
        "UPDATE imports SET total_rows = total_rows + $1, updated_at = $2 WHERE id = $3 AND state = 'uploading'",
    )
    .bind(rows.len() as i64)
    .bind(now_ms())
    .bind(import_id)
    .execute(&mut *w)
    .await?;
    w.commit().await?;
    Ok(())
}

/// The whole file is in: the import waits for the worker, and the audit log
/// says who brought which file.
pub async fn queue(
    db: &Db,
    import_id: &str,
    file_sha256: &str,
    bytes: u64,
    who: &Doer,
) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    let now = now_ms();
    let row = sqlx::query(
        "UPDATE imports SET state = 'queued', file_sha256 = $1, bytes = $2, updated_at = $3, next_attempt_at = $3 \
         WHERE id = $4 AND state = 'uploading' RETURNING total_rows",
    )
    .bind(file_sha256)
    .bind(bytes as i64)
    .bind(now)
    .bind(import_id)
    .fetch_one(&mut *w)
    .await?;
    let rows: i64 = row.try_get("total_rows")?;
    let summary = summary(&mut w, import_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("import {import_id} vanished"))?;
    audit::record(
        &mut w,
        who,
        Entry {
            action: "import.uploaded",
            target: &format!("import:{import_id}"),
            detail: &format!(
                "{rows} rows for number {}, file SHA-256 {file_sha256}",
                summary.phone_number_id
            ),
        },
    )
    .await?;
    w.commit().await?;
    Ok(())
}

/// Removes an upload that did not finish, rows and all.
pub async fn discard(db: &Db, import_id: &str) -> anyhow::Result<()> {
    let mut w = db.write().await?;
    let uploading: Option<(String,)> =
        sqlx::query_as("SELECT id FROM imports WHERE id = $1 AND state = 'uploading'")
            .bind(import_id)
            .fetch_optional(&mut *w)
            .await?;
    if uploading.is_some() {
        sqlx::query("DELETE FROM import_rows WHERE import_id = $1")
            .bind(import_id)
            .execute(&mut *w)
            .await?;
        sqlx::query("DELETE FROM imports WHERE id = $1")
            .bind(import_id)
            .execute(&mut *w)
            .await?;
    }
    w.commit().await?;
    Ok(())
}

/// Uploads nobody added to since `idle_since` (their process died mid-upload).
pub async fn abandoned(db: &Db, idle_since: i64) -> anyhow::Result<Vec<String>> {
    let ids: Vec<(String,)> =
        sqlx::query_as("SELECT id FROM imports WHERE state = 'uploading' AND updated_at < $1")
            .bind(idle_since)
            .fetch_all(&db.pool)
            .await?;
    Ok(ids.into_iter().map(|(id,)| id).collect())
}

// --- the worker ----------------------------------------------------------------------

/// Proves, first thing in a batch's transaction, that the worker still holds
/// the import: a worker whose lease ran out finds another claim here and stops.
/// On PostgreSQL the row stays locked until the batch commits.
pub async fn fence(
    conn: &mut AnyConnection,
    import_id: &str,
    claim_id: &str,
) -> anyhow::Result<bool> {
    let done = sqlx::query(
        "UPDATE imports SET updated_at = $1 WHERE id = $2 AND claim_id = $3 AND state = 'queued'",
    )
    .bind(now_ms())
    .bind(import_id)
    .bind(claim_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The next rows nobody settled, in the file's order.
pub async fn pending(
    conn: &mut AnyConnection,
    import_id: &str,
    limit: i64,
) -> anyhow::Result<Vec<Row>> {
    let rows = sqlx::query(
        "SELECT line, phone, category, granted_at, source, notice_version, evidence, problem FROM import_rows \
         WHERE import_id = $1 AND outcome IS NULL ORDER BY line LIMIT $2",
    )
    .bind(import_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let mut values: [Option<String>; 6] = Default::default();
            for (value, column) in values.iter_mut().zip(COLUMNS) {
                *value = r.try_get(column)?;
            }
            Ok(Row {
                line: r.try_get("line")?,
                values,
                problem: r.try_get("problem")?,
            })
        })
        .collect()
}

/// Settles a row, once: a row settled already makes the whole batch fail
/// (and roll back) rather than record anything twice. A row that is not
/// rejected keeps no values: the ledger and the contact hold them now.
pub async fn settle(
    conn: &mut AnyConnection,
    import_id: &str,
    line: i64,
    outcome: &Outcome,
) -> anyhow::Result<()> {
    let done = match outcome {
        Outcome::Rejected(reason) => {
            sqlx::query(
                "UPDATE import_rows SET outcome = $1, reason = $2 WHERE import_id = $3 AND line = $4 AND outcome IS NULL",
            )
            .bind(outcome.as_str())
            .bind(reason)
            .bind(import_id)
            .bind(line)
            .execute(&mut *conn)
            .await?
        }
        _ => {
            sqlx::query(
                "UPDATE import_rows SET outcome = $1, phone = NULL, category = NULL, granted_at = NULL, source = NULL, \
                 notice_version = NULL, evidence = NULL WHERE import_id = $2 AND line = $3 AND outcome IS NULL",
            )
            .bind(outcome.as_str())
            .bind(import_id)
            .bind(line)
            .execute(&mut *conn)
            .await?
        }
    };
    anyhow::ensure!(
        done.rows_affected() == 1,
        "import {import_id} line {line} was settled already"
    );
    Ok(())
}

/// Adds a batch's counts and lets go of the import: queued again at once for
/// the next batch, or done.
pub async fn advance(
    conn: &mut AnyConnection,
    import_id: &str,
    counts: &Counts,
    finished: bool,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query(
        "UPDATE imports SET done_rows = done_rows + $1, recorded = recorded + $2, already_granted = already_granted + $3, \
         rejected = rejected + $4, lease_until = NULL, attempts = 0, last_error = NULL, next_attempt_at = $5, updated_at = $5, \
         state = CASE WHEN $6 = 1 THEN 'done' ELSE state END, finished_at = CASE WHEN $6 = 1 THEN $5 ELSE finished_at END \
         WHERE id = $7",
    )
    .bind(counts.total())
    .bind(counts.recorded)
    .bind(counts.already_granted)
    .bind(counts.rejected)
    .bind(now)
    .bind(i64::from(finished))
    .bind(import_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A batch failed: the import is tried again after `delay_ms`, where it stopped.
pub async fn retry_later(
    db: &Db,
    import_id: &str,
    claim_id: &str,
    delay_ms: i64,
    error: &str,
) -> anyhow::Result<()> {
    db.write_one(
        sqlx::query(
            "UPDATE imports SET next_attempt_at = $1, lease_until = NULL, last_error = $2 WHERE id = $3 AND claim_id = $4",
        )
        .bind(now_ms() + delay_ms)
        .bind(error)
        .bind(import_id)
        .bind(claim_id),
    )
    .await?;
    Ok(())
}
