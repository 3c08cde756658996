//! The stand-in Graph API: answers `POST /{version}/{phone_number_id}/messages` as
//! Meta does, and keeps, per phone number id, how many messages arrived in each second
//! (drain rate) and when each arrived and for whom (fairness, status webhooks). One
//! number's provider can be made slow or dead while the others stay fast. It also
//! takes the business's webhook (`POST /business`), where Assent forwards what it
//! receives.
//!
//! Control, for the harness only: `GET /_bench/received?number=ID`,
//! `GET /_bench/arrivals?number=ID&from=I`, `PUT /_bench/fault?number=ID&mode=ok|slow|dead&ms=N`, `POST /_bench/reset`.

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    bind: String,
    /// The access token every number of the run sends (`Authorization: Bearer`).
    #[arg(long)]
    token: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Ok,
    /// Every call answered after `ms`.
    Slow,
    /// No call answered until the mode changes; Assent's provider timeout ends them.
    Dead,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Fault {
    mode: Mode,
    delay: Duration,
}

#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct Arrival {
    pub at_ms: i64,
    pub to: String,
    pub id: String,
}

#[derive(Default)]
struct Received {
    per_second: BTreeMap<i64, u64>,
    arrivals: Vec<Arrival>,
}

struct Standin {
    token: String,
    received: Mutex<HashMap<String, Received>>,
    faults: watch::Sender<HashMap<String, Fault>>,
    next_id: AtomicU64,
    forwards: AtomicU64,
}

/// What `GET /_bench/received` answers.
#[derive(Serialize, Deserialize, Debug, Default)]
pub struct Counts {
    pub total: u64,
    /// (Unix second, messages that arrived in it).
    pub per_second: Vec<(i64, u64)>,
    pub forwards: u64,
}

/// The part of a send body Meta checks first.
#[derive(Deserialize)]
struct SendBody<'a> {
    messaging_product: Option<&'a str>,
    to: Option<&'a str>,
    #[serde(rename = "type")]
    kind: Option<&'a str>,
    status: Option<&'a str>,
}

fn meta_error(status: u16, code: i64, message: &str) -> HttpResponse {
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("a valid status"))
        .json(json!({"error": {"message": message, "type": "OAuthException", "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "bench-standin"}}))
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn messages(
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    s: web::Data<Standin>,
) -> HttpResponse {
    let at_ms = now_ms();
    let (_version, number) = path.into_inner();
    let expected = format!("Bearer {}", s.token);
    if req.headers().get("authorization").map(|v| v.as_bytes()) != Some(expected.as_bytes()) {
        return meta_error(401, 190, "Invalid OAuth access token");
    }
    let Ok(send) = serde_json::from_slice::<SendBody>(&body) else {
        return meta_error(400, 100, "Invalid JSON");
    };
    if send.messaging_product != Some("whatsapp") {
        return meta_error(400, 100, "messaging_product must be whatsapp");
    }
    if send.status.is_some() {
        return HttpResponse::Ok().json(json!({"success": true}));
    }
    let (Some(to), Some(_)) = (send.to, send.kind) else {
        return meta_error(400, 100, "to and type are required");
    };
    let id = format!(
        "wamid.BENCH{:012}",
        s.next_id.fetch_add(1, Ordering::Relaxed)
    );
    {
        let mut received = s.received.lock().expect("not poisoned");
        let r = received.entry(number.clone()).or_default();
        *r.per_second.entry(at_ms / 1000).or_default() += 1;
        r.arrivals.push(Arrival {
            at_ms,
            to: to.to_owned(),
            id: id.clone(),
        });
    }
    let fault = s.faults.borrow().get(&number).copied();
    match fault.map(|f| (f.mode, f.delay)) {
        Some((Mode::Slow, delay)) => tokio::time::sleep(delay).await,
        Some((Mode::Dead, _)) => {
            let mut faults = s.faults.subscribe();
            let _ = faults
                .wait_for(|f| f.get(&number).is_none_or(|f| f.mode != Mode::Dead))
                .await;
        }
        _ => {}
    }
    HttpResponse::Ok().json(json!({"messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to.trim_start_matches('+')}],
        "messages": [{"id": id}]}))
}

#[derive(Deserialize)]
struct NumberQuery {
    number: String,
    #[serde(default)]
    from: usize,
}

async fn received(q: web::Query<NumberQuery>, s: web::Data<Standin>) -> HttpResponse {
    let received = s.received.lock().expect("not poisoned");
    let counts = received
        .get(&q.number)
        .map_or_else(Counts::default, |r| Counts {
            total: r.arrivals.len() as u64,
            per_second: r.per_second.iter().map(|(k, v)| (*k, *v)).collect(),
            forwards: 0,
        });
    HttpResponse::Ok().json(Counts {
        forwards: s.forwards.load(Ordering::Relaxed),
        ..counts
    })
}

async fn arrivals(q: web::Query<NumberQuery>, s: web::Data<Standin>) -> HttpResponse {
    let received = s.received.lock().expect("not poisoned");
    let list: &[Arrival] = received
        .get(&q.number)
        .map_or(&[], |r| r.arrivals.get(q.from..).unwrap_or(&[]));
    HttpResponse::Ok().json(list)
}

#[derive(Deserialize)]
struct FaultQuery {
    number: String,
    mode: Mode,
    #[serde(default)]
    ms: u64,
}

async fn fault(q: web::Query<FaultQuery>, s: web::Data<Standin>) -> HttpResponse {
    let f = Fault {
        mode: q.mode,
        delay: Duration::from_millis(q.ms),
    };
    s.faults.send_modify(|faults| {
        faults.insert(q.number.clone(), f);
    });
    HttpResponse::NoContent().finish()
}

async fn reset(s: web::Data<Standin>) -> HttpResponse {
    s.received.lock().expect("not poisoned").clear();
    s.forwards.store(0, Ordering::Relaxed);
    // Calls held by a dead number are answered now.
    s.faults.send_modify(HashMap::clear);
    HttpResponse::NoContent().finish()
}

async fn business(s: web::Data<Standin>) -> HttpResponse {
    s.forwards.fetch_add(1, Ordering::Relaxed);
    HttpResponse::Ok().finish()
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

pub fn serve(args: Args) -> anyhow::Result<()> {
    let state = web::Data::new(Standin {
        token: args.token,
        received: Mutex::default(),
        faults: watch::Sender::new(HashMap::new()),
        next_id: AtomicU64::new(1),
        forwards: AtomicU64::new(0),
    });
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                // Meta's own limit on a send body is far above what Assent sends.
                .app_data(web::PayloadConfig::new(1 << 20))
                .route(
                    "/{version}/{phone_number_id}/messages",
                    web::post().to(messages),
                )
                .route("/_bench/received", web::get().to(received))
                .route("/_bench/arrivals", web::get().to(arrivals))
                .route("/_bench/fault", web::put().to(fault))
                .route("/_bench/reset", web::post().to(reset))
                .route("/business", web::post().to(business))
                .route("/healthz", web::get().to(healthz))
        })
        .bind(&args.bind)
        .map_err(|e| anyhow::anyhow!("stand-in Graph API cannot listen on {}: {e}", args.bind))?
        .run()
        .await?;
        Ok(())
    })
}

/// The harness's side of the stand-in: the process and its control endpoints.
pub struct Client {
    pub proc: crate::procs::Proc,
    pub base: String,
    http: reqwest::Client,
}

impl Client {
    pub async fn start(
        self_bin: &std::path::Path,
        log_dir: &std::path::Path,
    ) -> anyhow::Result<Self> {
        let port = crate::procs::free_port()?;
        let mut cmd = tokio::process::Command::new(self_bin);
        cmd.arg("graph")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--token")
            .arg(crate::assent::TOKEN);
        let mut proc = crate::procs::Proc::spawn("graph-standin", cmd, log_dir)?;
        let base = format!("http://127.0.0.1:{port}");
        proc.wait_healthy(&base, Duration::from_secs(30)).await?;
        Ok(Self {
            proc,
            base,
            http: reqwest::Client::new(),
        })
    }

    /// Forgets what arrived and every fault: each scenario starts from nothing.
    pub async fn reset(&self) -> anyhow::Result<()> {
        let r = self
            .http
            .post(format!("{}/_bench/reset", self.base))
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "stand-in reset: {}", r.status());
        Ok(())
    }

    pub async fn counts(&self, phone_number_id: &str) -> anyhow::Result<Counts> {
        Ok(self
            .http
            .get(format!("{}/_bench/received", self.base))
            .query(&[("number", phone_number_id)])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    pub async fn arrivals(
        &self,
        phone_number_id: &str,
        from: usize,
    ) -> anyhow::Result<Vec<Arrival>> {
        Ok(self
            .http
            .get(format!("{}/_bench/arrivals", self.base))
            .query(&[("number", phone_number_id), ("from", &from.to_string())])
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?)
    }

    pub async fn fault(
        &self,
        phone_number_id: &str,
        mode: Mode,
        delay: Duration,
    ) -> anyhow::Result<()> {
        let mode = serde_json::to_value(mode)?;
        let r = self
            .http
            .put(format!("{}/_bench/fault", self.base))
            .query(&[
                ("number", phone_number_id),
                ("mode", mode.as_str().unwrap_or("ok")),
                ("ms", &delay.as_millis().to_string()),
            ])
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "stand-in fault: {}", r.status());
        Ok(())
    }
}
