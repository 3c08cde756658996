//! The few raw SQL peeks a black-box test needs: what was stored, what is owed,
//! and where a person's data still is.

use super::{SANDBOX_ID, TestApp};
use serde_json::Value;

impl TestApp {
    pub async fn count(&self, table: &str) -> i64 {
        let (n,): (i64,) =
            sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.raw_db().pool)
                .await
                .unwrap();
        n
    }

    pub async fn message_status(&self, id: &str) -> (String, Option<i64>) {
        sqlx::query_as("SELECT status, error_code FROM messages WHERE id = $1")
            .bind(id)
            .fetch_one(&self.raw_db().pool)
            .await
            .unwrap()
    }

    /// Payloads of the messages sent to `wa_id` (newest last).
    pub async fn sent_to(&self, wa_id: &str) -> Vec<Value> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT m.payload FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1 ORDER BY m.created_at, m.id",
        )
        .bind(wa_id)
        .fetch_all(&self.raw_db().pool)
        .await
        .unwrap();
        rows.into_iter()
            .map(|(p,)| serde_json::from_str(&p).unwrap())
            .collect()
    }
}

/// Runs a statement that changes the database behind Assent's back (tampering).
pub async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&app.raw_db().pool)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The first column of every row, on a database no app runs on.
pub async fn scalar_strings(url: &str, sql: &str) -> Vec<String> {
    let db = assent::db::Db::connect(url).await.unwrap();
    let rows: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(&db.pool)
        .await
        .unwrap();
    db.pool.close().await;
    rows.into_iter().map(|(s,)| s).collect()
}

pub async fn pending_payloads(app: &TestApp) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'pending'")
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    n
}

pub async fn done_payloads(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'done'")
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    n
}

/// The ids of every inbound message stored.
pub async fn inbound_ids(app: &TestApp) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT id FROM inbound_messages ORDER BY id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap();
    rows.into_iter().map(|(id,)| id).collect()
}

/// (kind, state) of an inbound message, if it is stored.
pub async fn inbound_row(app: &TestApp, id: &str) -> Option<(String, String)> {
    sqlx::query_as("SELECT kind, state FROM inbound_messages WHERE id = $1")
        .bind(id)
        .fetch_optional(&app.raw_db().pool)
        .await
        .unwrap()
}

/// The state of a stored inbound message ("held", "released").
pub async fn inbound_state(app: &TestApp, id: &str) -> String {
    let (state,): (String,) = sqlx::query_as("SELECT state FROM inbound_messages WHERE id = $1")
        .bind(id)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    state
}

/// When the business marked an inbound message read (epoch ms), if it did.
pub async fn read_at(app: &TestApp, id: &str) -> Option<i64> {
    let (at,): (Option<i64>,) =
        sqlx::query_as("SELECT read_at FROM inbound_messages WHERE id = $1")
            .bind(id)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap_or_else(|e| panic!("inbound message {id}: {e}"));
    at
}

/// (wa_id, user_id) of every contact.
pub async fn contacts(app: &TestApp) -> Vec<(Option<String>, Option<String>)> {
    sqlx::query_as("SELECT wa_id, user_id FROM contacts ORDER BY created_at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

/// How many declines the sandbox number counts (those through no entry point).
pub async fn number_declines(app: &TestApp) -> i64 {
    let (n,): (i64,) =
        sqlx::query_as("SELECT declines FROM business_numbers WHERE phone_number_id = $1")
            .bind(SANDBOX_ID)
            .fetch_one(&app.raw_db().pool)
            .await
            .unwrap();
    n
}

/// (state, attempts, last_error, body) of every forward owed, oldest first.
pub async fn forward_rows(app: &TestApp) -> Vec<(String, i64, Option<String>, String)> {
    sqlx::query_as("SELECT state, attempts, last_error, body FROM forwards ORDER BY created_at, id")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap()
}

/// Every (table, column) of the database.
pub async fn all_columns(app: &TestApp) -> Vec<(String, String)> {
    let pool = &app.raw_db().pool;
    if app.db.is_postgres() {
        sqlx::query_as(
            "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT) FROM information_schema.columns \
             WHERE table_schema = 'public' ORDER BY table_name, ordinal_position",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    } else {
        let tables: Vec<(String,)> =
            sqlx::query_as("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(pool)
                .await
                .unwrap();
        let mut all = Vec::new();
        for (table,) in tables {
            let columns: Vec<(String,)> = sqlx::query_as("SELECT name FROM pragma_table_info($1)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
            all.extend(columns.into_iter().map(|(c,)| (table.clone(), c)));
        }
        all
    }
}

/// Where in the whole database any of `needles` occurs, as `table.column: needle`.
pub async fn find_everywhere(app: &TestApp, needles: &[&str]) -> Vec<String> {
    let columns = all_columns(app).await;
    assert!(
        columns.len() > 50,
        "the scan must see the whole schema, saw {columns:?}"
    );
    let tables: std::collections::BTreeSet<&str> =
        columns.iter().map(|(t, _)| t.as_str()).collect();
    for must in [
        "contacts",
        "messages",
        "inbound_messages",
        "webhook_payloads",
        "ledger_evidence",
        "entry_points",
    ] {
        assert!(
            tables.contains(must),
            "the scan must see {must}: {tables:?}"
        );
    }
    let mut hits = Vec::new();
    for (table, column) in &columns {
        for needle in needles {
            let sql = format!(
                "SELECT COUNT(*) FROM \"{table}\" WHERE CAST(\"{column}\" AS TEXT) LIKE $1"
            );
            let (n,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(format!("%{needle}%"))
                .fetch_one(&app.raw_db().pool)
                .await
                .unwrap();
            if n > 0 {
                hits.push(format!("{table}.{column}: {needle} ({n} rows)"));
            }
        }
    }
    hits
}

/// What a request may have stored: messages, ledger events, blocked sends, templates.
pub async fn stored(app: &TestApp) -> [i64; 4] {
    [
        app.count("messages").await,
        app.count("ledger_events").await,
        app.count("blocked_sends").await,
        app.count("templates").await,
    ]
}

/// The sandbox number's internal id.
pub async fn sandbox_id(app: &TestApp) -> String {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    assent::numbers::by_phone_number_id(&mut conn, SANDBOX_ID)
        .await
        .unwrap()
        .unwrap()
        .id
}
