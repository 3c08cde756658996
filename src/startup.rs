//! Builds the running application: database, migrations, services, HTTP server and
//! dispatcher workers. `main` and the tests both start Assent through here.

use crate::config::Settings;
use crate::db::Db;
use crate::metrics::Metrics;
use crate::providers::Providers;
use crate::sending::dispatcher;
use crate::services::{ForwardSettings, Services};
use crate::{forwarding, import, inbound, opt_in, secret, web as pages};
use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use std::net::TcpListener;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

pub struct Application {
    port: u16,
    background: bool,
    server: Server,
    services: Services,
}

/// The access log: method, path, status, time. Never the query string, which may
/// carry a phone number (`GET /api/v1/consents?phone=…`).
fn access_log() -> actix_web::middleware::Logger {
    actix_web::middleware::Logger::new("%{method}xi %U %s %Dms")
        .custom_request_replace("method", |req| req.method().to_string())
        .exclude("/healthz")
        .exclude("/metrics")
}

/// The client for the business's webhooks: no redirects, and only public
/// addresses unless the operator allows internal ones (then proxies from the
/// environment are used too).
fn forward_client(settings: &ForwardSettings) -> anyhow::Result<reqwest::Client> {
    let builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none());
    let builder = if settings.to_internal {
        builder
    } else {
        builder
            .dns_resolver(crate::forwarding::target::PublicOnly)
            .no_proxy()
    };
    Ok(builder.build()?)
}

/// Brings a database up to this version: the migrations, then what they leave to
/// code (the consent states of events that predate them).
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    db.migrate().await?;
    crate::consent::states::build_once(db).await
}

impl Application {
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let jurisdiction = settings
            .jurisdiction
            .as_deref()
            .map(crate::receipts::jurisdiction)
            .transpose()
            .map_err(|e| anyhow::anyhow!("ASSENT_JURISDICTION {e}"))?;
        let db = Db::connect(&settings.database_url).await?;
        migrate(&db).await?;
        crate::users::prepare_sign_in();
        let secret = secret::load(&db, settings.secret_key.as_deref()).await?;
        let listener = TcpListener::bind(&settings.bind).map_err(|e| {
            anyhow::anyhow!("cannot listen on {} (ASSENT_BIND): {e}", settings.bind)
        })?;
        let port = listener.local_addr()?.port();
        let services = Services {
            db,
            secret: secret.into(),
            providers: Providers::new(settings.provider_timeout)?,
            metrics: Arc::new(Metrics::new()),
            dispatch_wake: Arc::new(Notify::new()),
            inbound_wake: Arc::new(Notify::new()),
            forward_wake: Arc::new(Notify::new()),
            dispatch: settings.dispatch.clone(),
            forward: settings.forward.clone(),
            opt_in: settings.opt_in.clone(),
            opt_in_wake: Arc::new(Notify::new()),
            http: forward_client(&settings.forward)?,
            public_url: settings.public_url(),
            jurisdiction,
            consents: Default::default(),
            webhooks: crate::inbound::store::incoming(),
            sends: Default::default(),
            numbers: Default::default(),
        };
        let data = web::Data::new(services.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap(pages::security_headers())
                .wrap(access_log())
                .app_data(data.clone())
                .configure(|cfg| pages::routes(cfg, &data))
        })
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            port,
            background: settings.background,
            server,
            services,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn services(&self) -> &Services {
        &self.services
    }

    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped (SIGINT/SIGTERM or `handle().stop()`), then
    /// lets the workers finish what is in their hands.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let workers = if self.background {
            vec![
                tokio::spawn(dispatcher::run(self.services.clone(), stop_rx.clone())),
                tokio::spawn(inbound::worker::run(self.services.clone(), stop_rx.clone())),
                tokio::spawn(forwarding::worker::run(
                    self.services.clone(),
                    stop_rx.clone(),
                )),
                tokio::spawn(opt_in::run(self.services.clone(), stop_rx.clone())),
                tokio::spawn(import::worker::run(self.services.clone(), stop_rx)),
            ]
        } else {
            vec![]
        };
        let served = self.server.await;
        let _ = stop_tx.send(true);
        for w in workers {
            let _ = w.await;
        }
        self.services.db.pool.close().await;
        Ok(served?)
    }
}

/// One step of every background worker: processes a batch of stored webhook payloads,
/// records one form submission, dispatches one queued message, delivers one
/// forward, records one batch of an import. True when any of them found work.
/// Tests call this instead of running
/// the workers (and `opt_in::expire_due` when they want expiry).
/// Each worker steps even when another failed, as the running workers would;
/// the first failure is returned after all three.
pub async fn step(services: &Services) -> anyhow::Result<bool> {
    let processed = inbound::worker::process_due(services).await;
    let submitted = opt_in::process_one(services).await;
    let dispatched = dispatcher::dispatch_one(services).await;
    let forwarded = forwarding::worker::deliver_one(services).await;
    let imported = import::worker::import_one(services).await;
    Ok(processed? | submitted? | dispatched? | forwarded? | imported?)
}
