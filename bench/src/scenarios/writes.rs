//! The write path at 64 connections: consent records from a CRM
//! (`POST /api/v1/consents`, each a new person) and gated sends accepted
//! (`POST /{version}/{phone_number_id}/messages` to people with consent), each against
//! the INSERT ceilings. Assent runs without dispatcher workers, so the figures are
//! the write path's alone.

use super::ceilings::rate_p99;
use super::{Bench, Ceiling, recipients, send_request};
use crate::assent::A;
use crate::databases::Backend;
use crate::report::{Row, ms};
use crate::wrk::{Outcome, Request};
use std::time::Duration;

const CONNECTIONS: u32 = 64;
const P99_TARGET: Duration = Duration::from_millis(25);

pub async fn consent_write(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (db, keys, assent) = b
        .start_assent(backend, "consent_write", &[A], Some(0))
        .await?;
    let request = Request::post_json("/api/v1/consents", crate::meta::consent_grant("+3461{n}"))
        .header("Authorization", format!("Bearer {}", keys[0]));
    let outcome = b
        .load("consent-write", &assent.base, &[request], CONNECTIONS, 1)
        .await;
    b.finish(assent, db, true).await?;
    let outcome = outcome?;
    outcome.check("consent write", false)?;
    rows(b, backend, "consent write", &outcome).await
}

pub async fn gated_send(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (db, keys, assent) = b.start_assent(backend, "gated_send", &[A], Some(0)).await?;
    let key = &keys[0];
    let outcome = async {
        assent.register_template(key).await?;
        assent
            .grant_all(key, recipients(b.knobs.recipients))
            .await?;
        let request = send_request(&A, key, "+3460{k}");
        b.load(
            "gated-send",
            &assent.base,
            &[request],
            CONNECTIONS,
            b.knobs.recipients,
        )
        .await
    }
    .await;
    b.finish(assent, db, true).await?;
    let outcome = outcome?;
    outcome.check("gated send", false)?;
    rows(b, backend, "gated send accepted", &outcome).await
}

/// Rate against the fsync-per-commit INSERT (and, on SQLite, the NORMAL one to aim
/// for), and p99 against the INSERT's.
async fn rows(b: &mut Bench, backend: Backend, what: &str, o: &Outcome) -> anyhow::Result<()> {
    let insert = b.ceiling(backend, Ceiling::Insert, CONNECTIONS).await?;
    b.report.add(Row {
        backend: Some(backend),
        what: format!("{what}, {CONNECTIONS} connections"),
        figure: rate_p99(o),
        ceiling: format!("{}: {}", Ceiling::Insert.name(backend), rate_p99(&insert)),
        ratio: Some(o.rate() / insert.rate()),
        target: "≥ 1.0".into(),
        met: Some(o.rate() >= insert.rate()),
    });
    if backend == Backend::Sqlite {
        let normal = b
            .ceiling(backend, Ceiling::InsertNormal, CONNECTIONS)
            .await?;
        b.report.add(Row {
            backend: Some(backend),
            what: format!("{what}: rate against NORMAL"),
            figure: crate::report::per_second(o.rate()),
            ceiling: format!(
                "{}: {}",
                Ceiling::InsertNormal.name(backend),
                crate::report::per_second(normal.rate())
            ),
            ratio: Some(o.rate() / normal.rate()),
            target: "aim 1.0".into(),
            met: None,
        });
    }
    b.report.add(Row {
        backend: Some(backend),
        what: format!("{what}: p99"),
        figure: ms(o.p99()),
        ceiling: format!("{}: {}", Ceiling::Insert.name(backend), ms(insert.p99())),
        ratio: Some(o.p99().as_secs_f64() / insert.p99().as_secs_f64().max(1e-6)),
        target: "≤ 25 ms".into(),
        met: Some(o.p99() <= P99_TARGET),
    });
    Ok(())
}
