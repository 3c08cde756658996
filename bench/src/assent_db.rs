//! The one place the harness reads or writes Assent's tables itself: seeding a day of
//! stored messages (a million sends through the API would take longer than the whole
//! run) and counting what the webhook worker has processed. Everything else goes
//! through Assent's command line and HTTP API. When the schema changes, this file
//! changes with it.

use crate::databases::{Backend, Database};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

/// What the webhook scenario counts.
#[derive(Debug, Clone, Copy)]
pub struct WebhookCounts {
    /// Stored payloads not processed yet.
    pub pending: i64,
    /// Statuses recorded for Assent's messages.
    pub statuses: i64,
    /// Inbound messages recorded.
    pub inbound: i64,
}

/// A connection to the database of the Assent under test.
pub struct AssentDb {
    pool: AnyPool,
    backend: Backend,
}

async fn connect(db: &Database) -> anyhow::Result<AnyPool> {
    sqlx::any::install_default_drivers();
    let pool = AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // Assent may be writing: wait for its lock instead of failing.
                if conn.backend_name() == "SQLite" {
                    conn.execute("PRAGMA busy_timeout = 30000").await?;
                }
                Ok(())
            })
        })
        .connect(&db.url)
        .await
        .map_err(|e| anyhow::anyhow!("cannot open Assent's database {}: {e}", db.url))?;
    Ok(pool)
}

impl AssentDb {
    pub async fn open(db: &Database) -> anyhow::Result<Self> {
        Ok(Self {
            pool: connect(db).await?,
            backend: db.backend,
        })
    }

    pub async fn close(self) {
        self.pool.close().await;
    }

    /// Stores `count` messages of the last 22 hours, each to a contact of its own (with
    /// its contact row), all business-initiated and delivered: the traffic a busy number
    /// has behind it when a new send arrives.
    pub async fn seed_stored_messages(
        &self,
        phone_number_id: &str,
        count: u64,
    ) -> anyhow::Result<()> {
        let pool = &self.pool;
        let (number_id,): (String,) =
            sqlx::query_as("SELECT id FROM business_numbers WHERE phone_number_id = $1")
                .bind(phone_number_id)
                .fetch_one(pool)
                .await?;
        let now = crate::graph::now_ms();
        let (series, wa_id) = match self.backend {
            Backend::Sqlite => (
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $2)",
                "'3498' || printf('%07d', i)",
            ),
            Backend::Postgres => (
                "WITH s(i) AS (SELECT generate_series(1, $2::BIGINT))",
                "'3498' || lpad(i::TEXT, 7, '0')",
            ),
        };
        let payload = crate::meta::template_send("+34980000000");
        let mut tx = pool.begin().await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "{series} INSERT INTO contacts (id, business_number_id, wa_id, created_at) \
         SELECT 'seed-contact-' || i, $1, {wa_id}, $3 - 86400000 FROM s"
        )))
        .bind(&number_id)
        .bind(count as i64)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
        "{series} INSERT INTO messages (id, business_number_id, contact_id, kind, template_name, category, \
         business_initiated, payload, status, dispatch_state, attempts, next_attempt_at, provider_message_id, \
         actor, created_at, updated_at) \
         SELECT 'seed-' || i, $1, 'seed-contact-' || i, 'template', 'order_shipped', 'order_updates', 1, $4, \
         'delivered', 'done', 1, $3, 'wamid.SEED' || i, 'api:seed', $3 - (i * 7919) % 79200000, $3 FROM s"
    )))
    .bind(&number_id)
    .bind(count as i64)
    .bind(now)
    .bind(payload)
    .execute(&mut *tx)
    .await?;
        tx.commit().await?;
        // PostgreSQL's autovacuum would have analysed a table this size long ago.
        if self.backend == Backend::Postgres {
            sqlx::query("ANALYZE").execute(pool).await?;
        }
        Ok(())
    }

    pub async fn webhook_counts(&self) -> anyhow::Result<WebhookCounts> {
        let count = |sql: &'static str| async move {
            let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&self.pool).await?;
            anyhow::Ok(n)
        };
        Ok(WebhookCounts {
            pending: count("SELECT COUNT(*) FROM webhook_payloads WHERE state = 'pending'").await?,
            statuses: count("SELECT COUNT(*) FROM message_statuses").await?,
            inbound: count("SELECT COUNT(*) FROM inbound_messages").await?,
        })
    }
}
