//! The ceiling Assent's writes and reads are compared with: the least an actix-web +
//! sqlx service does for one request. `POST /insert` parses a consent-sized JSON body
//! (about 300 bytes, the very body the consent-write scenario posts to Assent) into a
//! typed struct and INSERTs one row, committed on its own (one fsync on SQLite with
//! synchronous=FULL); `GET /select?key=` reads one row by its primary key. The pools
//! have Assent's sizes (8 connections on SQLite, 16 on PostgreSQL).

use actix_web::{App, HttpResponse, HttpServer, web};
use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    bind: String,
    /// sqlite://FILE or postgres://…
    #[arg(long)]
    database_url: String,
    /// SQLite only: full (an fsync per commit, as Assent runs) or normal.
    #[arg(long, default_value = "full")]
    synchronous: String,
}

/// Rows `GET /select` finds: keys `key-0000000` to `key-0000999`.
pub const SELECT_KEYS: u64 = 1000;

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

#[derive(Deserialize, Serialize)]
struct Evidence {
    notice_version: Option<String>,
    notice_text: Option<String>,
    ip: Option<String>,
    user_agent: Option<String>,
    source_ref: Option<String>,
}

#[derive(Deserialize)]
struct Record {
    phone: String,
    category: String,
    action: String,
    evidence: Evidence,
}

#[derive(Serialize, sqlx::FromRow)]
struct Row {
    id: String,
    phone: String,
    category: String,
    action: String,
    evidence: String,
    created_at: i64,
}

const CREATE: &str = "CREATE TABLE IF NOT EXISTS records (id TEXT PRIMARY KEY, phone TEXT NOT NULL, \
    category TEXT NOT NULL, action TEXT NOT NULL, evidence TEXT NOT NULL, created_at BIGINT NOT NULL)";
const INSERT: &str = "INSERT INTO records (id, phone, category, action, evidence, created_at) \
    VALUES ($1, $2, $3, $4, $5, $6)";
const SELECT: &str =
    "SELECT id, phone, category, action, evidence, created_at FROM records WHERE id = $1";

async fn insert(body: web::Json<Record>, pool: web::Data<Pool>) -> HttpResponse {
    let r = body.into_inner();
    let id = uuid::Uuid::now_v7().to_string();
    let evidence = serde_json::to_string(&r.evidence).expect("a struct of strings serialises");
    let now = crate::graph::now_ms();
    let done = match pool.get_ref() {
        Pool::Sqlite(p) => sqlx::query(INSERT)
            .bind(&id)
            .bind(&r.phone)
            .bind(&r.category)
            .bind(&r.action)
            .bind(&evidence)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ()),
        Pool::Postgres(p) => sqlx::query(INSERT)
            .bind(&id)
            .bind(&r.phone)
            .bind(&r.category)
            .bind(&r.action)
            .bind(&evidence)
            .bind(now)
            .execute(p)
            .await
            .map(|_| ()),
    };
    match done {
        Ok(()) => HttpResponse::Created().json(serde_json::json!({ "id": id })),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[derive(Deserialize)]
struct Key {
    key: String,
}

async fn select(q: web::Query<Key>, pool: web::Data<Pool>) -> HttpResponse {
    let row: Result<Option<Row>, sqlx::Error> = match pool.get_ref() {
        Pool::Sqlite(p) => sqlx::query_as(SELECT).bind(&q.key).fetch_optional(p).await,
        Pool::Postgres(p) => sqlx::query_as(SELECT).bind(&q.key).fetch_optional(p).await,
    };
    match row {
        Ok(Some(row)) => HttpResponse::Ok().json(row),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

async fn connect(args: &Args) -> anyhow::Result<Pool> {
    if args.database_url.starts_with("sqlite:") {
        let synchronous = match args.synchronous.as_str() {
            "full" => SqliteSynchronous::Full,
            "normal" => SqliteSynchronous::Normal,
            other => anyhow::bail!("--synchronous must be full or normal, got {other:?}"),
        };
        let options = SqliteConnectOptions::from_str(&args.database_url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(synchronous)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Pool::Sqlite(pool))
    } else {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(&args.database_url)
            .await?;
        Ok(Pool::Postgres(pool))
    }
}

/// The rows `GET /select` reads, written in one transaction on first start only, so
/// a restart on the same database costs what a migrated start costs.
async fn seed(pool: &Pool) -> anyhow::Result<()> {
    let evidence = r#"{"notice_version":"2026-01","ip":"203.0.113.7"}"#;
    let last = format!("key-{:07}", SELECT_KEYS - 1);
    macro_rules! seed_with {
        ($p:expr) => {{
            sqlx::query(CREATE).execute($p).await?;
            let seeded: Option<(String,)> = sqlx::query_as("SELECT id FROM records WHERE id = $1")
                .bind(&last)
                .fetch_optional($p)
                .await?;
            if seeded.is_some() {
                return Ok(());
            }
            let mut tx = $p.begin().await?;
            for k in 0..SELECT_KEYS {
                sqlx::query(
                    "INSERT INTO records (id, phone, category, action, evidence, created_at) \
                     VALUES ($1, $2, 'offers', 'grant', $3, 0) ON CONFLICT (id) DO NOTHING",
                )
                .bind(format!("key-{k:07}"))
                .bind(format!("+3460{k:07}"))
                .bind(evidence)
                .execute(&mut *tx)
                .await?;
            }
            tx.commit().await?;
        }};
    }
    match pool {
        Pool::Sqlite(p) => seed_with!(p),
        Pool::Postgres(p) => seed_with!(p),
    }
    Ok(())
}

pub fn serve(args: Args) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let pool = connect(&args)
            .await
            .map_err(|e| anyhow::anyhow!("ceiling cannot open {}: {e}", args.database_url))?;
        seed(&pool).await?;
        let pool = web::Data::new(pool);
        HttpServer::new(move || {
            App::new()
                .app_data(pool.clone())
                .route("/insert", web::post().to(insert))
                .route("/select", web::get().to(select))
                .route("/healthz", web::get().to(healthz))
        })
        .bind(&args.bind)
        .map_err(|e| anyhow::anyhow!("ceiling cannot listen on {}: {e}", args.bind))?
        .run()
        .await?;
        Ok(())
    })
}
