//! What the public opt-in form costs, as ratios to baselines measured in the same
//! run: Assent's own `/healthz` over HTTP, and one plain INSERT on the same
//! database. `cargo bench --bench pages` (add `-- N` for N requests; default 500).
//! Requests go one after another from one client, so each figure is a latency.

use assent::startup::Application;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let benching = std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::args()
        .filter_map(|a| a.parse().ok())
        .next()
        .unwrap_or(if benching { 500 } else { 10 });
    let dir = tempfile::tempdir()?;
    let mut opt_in = assent::services::OptInSettings::default();
    for limit in &mut opt_in.limits {
        limit.hits = i64::MAX;
    }
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
        opt_in,
        provider_timeout: Duration::from_secs(5),
        jurisdiction: None,
        background: false,
    };
    let app = Application::build(&settings).await?;
    let base = format!("http://127.0.0.1:{}", app.port());
    let s = app.services().clone();
    tokio::spawn(app.run_until_stopped());

    let number =
        assent::numbers::by_phone_number_id(&mut *s.db.pool.acquire().await?, "100000000000001")
            .await?
            .expect("sandbox number");
    let key = assent::api_keys::create(&s.db, &number.id, "bench")
        .await?
        .key;
    let http = reqwest::Client::new();
    let api = |path: &str| format!("{base}{path}");
    http.post(api("/api/v1/templates"))
        .bearer_auth(&key)
        .json(&json!({"name": "welcome_optin", "language": "en", "category": "UTILITY", "consent_category": "order_updates"}))
        .send()
        .await?
        .error_for_status()?;
    http.post(api("/api/v1/forms"))
        .bearer_auth(&key)
        .json(&json!({"slug": "bench", "title": "Bench", "notice": "Notice.", "categories": ["offers", "product_news"],
                      "welcome_template": {"name": "welcome_optin", "language": "en"}}))
        .send()
        .await?
        .error_for_status()?;
    sqlx::query("CREATE TABLE baseline (id TEXT PRIMARY KEY, payload TEXT NOT NULL, created_at BIGINT NOT NULL)")
        .execute(&s.db.pool)
        .await?;

    // One request of each kind first: lazily loaded data (the phone-number
    // metadata, templates) is not what a page costs.
    for path in ["/healthz", "/f/bench"] {
        http.get(api(path)).send().await?.error_for_status()?;
    }
    let started = Instant::now();
    for _ in 0..n {
        http.get(api("/healthz")).send().await?.error_for_status()?;
    }
    let healthz = started.elapsed();

    let started = Instant::now();
    for i in 0..n {
        sqlx::query("INSERT INTO baseline (id, payload, created_at) VALUES ($1, $2, $3)")
            .bind(format!("b{i}"))
            .bind("country=ES&phone=612345678&category=offers&csrf_token=0123456789abcdef")
            .bind(assent::db::now_ms())
            .execute(&s.db.pool)
            .await?;
    }
    let insert = started.elapsed();

    let started = Instant::now();
    let mut page = String::new();
    for _ in 0..n {
        page = http
            .get(api("/f/bench"))
            .send()
            .await?
            .error_for_status()?
            .text()
            .await?;
    }
    let form_page = started.elapsed();
    let token = {
        const FIELD: &str = r#"name="csrf_token" value=""#;
        let at = page.find(FIELD).expect("a token") + FIELD.len();
        page[at..at + page[at..].find('"').unwrap()].to_owned()
    };

    let started = Instant::now();
    for i in 0..n {
        let phone = format!("+3461{:07}", 1_000_000 + i);
        let r = http
            .post(api("/f/bench"))
            .header("sec-fetch-site", "same-origin")
            .form(&[
                ("csrf_token", token.as_str()),
                ("country", "ES"),
                ("phone", &phone),
                ("category", "offers"),
            ])
            .send()
            .await?;
        let status = r.status();
        anyhow::ensure!(
            status == 200,
            "submission answered {status}: {}",
            r.text().await?
        );
    }
    let submission = started.elapsed();

    let per = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!("requests: {n} each, one after another, SQLite");
    println!("GET /healthz:           {:>8.1} µs", per(healthz));
    println!("one plain INSERT:       {:>8.1} µs", per(insert));
    println!(
        "GET /f/{{slug}}:          {:>8.1} µs  ({:.1}x healthz)",
        per(form_page),
        per(form_page) / per(healthz)
    );
    println!(
        "POST /f/{{slug}}:         {:>8.1} µs  ({:.1}x healthz, {:.1}x one INSERT)",
        per(submission),
        per(submission) / per(healthz),
        per(submission) / per(insert)
    );
    Ok(())
}
