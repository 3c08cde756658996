//! How much the sending core costs per message, as a ratio to a baseline measured in
//! the same run on the same database: one plain INSERT of a message-sized row.
//! `cargo bench --bench send` (add `-- N` for N messages; default 2000).
//! Machines here are shared and noisy, so only the ratio is meaningful.

use assent::sending::{self, SendRequest};
use assent::startup::Application;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo test --all-targets` runs this too, without `--bench`: then a short smoke
    // run keeps the harness working without costing the suite time.
    let benching = std::env::args().any(|a| a == "--bench");
    let default_n = if benching { 2000 } else { 20 };
    let n: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(default_n);
    let dir = tempfile::tempdir()?;
    let settings = assent::config::Settings {
        database_url: format!("sqlite://{}", dir.path().join("bench.db").display()),
        bind: "127.0.0.1:0".into(),
        public_url: None,
        secret_key: Some("bench-secret-key-that-is-long-enough-0123456789".into()),
        dispatch: assent::services::DispatchSettings {
            workers: 0,
            ..Default::default()
        },
        forward: Default::default(),
        opt_in: Default::default(),
        provider_timeout: Duration::from_secs(5),
        jurisdiction: None,
        background: true,
    };
    let app = Application::build(&settings).await?;
    let s = app.services().clone();
    let mut conn = s.db.pool.acquire().await?;
    // Measure the core, not Meta's messaging limit.
    sqlx::query("UPDATE business_numbers SET messaging_limit = NULL")
        .execute(&mut *conn)
        .await?;
    let number = assent::numbers::by_phone_number_id(&mut conn, "100000000000001")
        .await?
        .expect("sandbox number");
    let name = assent::domain::TemplateName::parse("order_shipped").unwrap();
    let category = assent::domain::CategoryName::parse("order_updates").unwrap();
    assent::message_templates::register(
        &s.db,
        &number.id,
        &name,
        &assent::domain::Language::parse("en").unwrap(),
        assent::message_templates::MetaCategory::Utility,
        &category,
    )
    .await?;
    sqlx::query("UPDATE business_numbers SET messaging_limit = NULL")
        .execute(&mut *conn)
        .await?;
    sqlx::query("CREATE TABLE baseline (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at BIGINT NOT NULL)")
        .execute(&mut *conn)
        .await?;
    drop(conn);

    let phones: Vec<String> = (0..n)
        .map(|i| format!("+3461{:07}", 1_000_000 + i))
        .collect();
    for phone in &phones {
        let who =
            assent::domain::Recipient::Phone(assent::domain::PhoneNumber::parse(phone).unwrap());
        let decision = assent::recording::Decision {
            who,
            category: category.clone(),
            action: assent::consent::ConsentAction::Granted,
            confirmation_template: None,
            how: assent::consent::Provenance {
                source: assent::consent::Source::Import,
                source_ref: None,
                notice: None,
                language: None,
                actor: assent::domain::Actor::system("bench"),
                evidence: Default::default(),
            },
        };
        s.consents
            .record(&s.db, &number.id, decision)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }

    let body = |to: &str| {
        json!({"messaging_product": "whatsapp", "to": to, "type": "template",
               "template": {"name": "order_shipped", "language": {"code": "en"}}})
    };

    let started = Instant::now();
    for (i, phone) in phones.iter().enumerate() {
        sqlx::query("INSERT INTO baseline (id, payload, created_at) VALUES ($1, $2, $3)")
            .bind(format!("b{i}"))
            .bind(body(phone).to_string())
            .bind(assent::db::now_ms())
            .execute(&s.db.pool)
            .await?;
    }
    let baseline = started.elapsed();

    let started = Instant::now();
    for phone in &phones {
        let request = SendRequest {
            number: number.clone(),
            body: body(phone),
            idempotency_key: None,
            actor: assent::domain::Actor::system("bench"),
            asks_consent: false,
        };
        sending::send(&s, request)
            .await
            .map_err(|e| anyhow::anyhow!("send refused: {e}"))?;
    }
    let core = started.elapsed();

    println!("messages: {n} on SQLite");
    println!(
        "baseline (one INSERT each): {:>8.1} µs/message",
        baseline.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "sending core (validate, gate, queue): {:>8.1} µs/message",
        core.as_secs_f64() * 1e6 / n as f64
    );
    println!(
        "ratio core / baseline: {:.1}x",
        core.as_secs_f64() / baseline.as_secs_f64()
    );
    Ok(())
}
