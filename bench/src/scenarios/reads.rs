//! Consent read (`GET /api/v1/consents?phone=`) at 64 connections, for people with one
//! event each and for one person with 1 000 events, against the SELECT-by-key ceiling.

use super::ceilings::rate_p99;
use super::{Bench, Ceiling, recipients};
use crate::assent::A;
use crate::databases::Backend;
use crate::report::Row;
use crate::wrk::Request;

/// The person with a long history.
const LONG_HISTORY: &str = "+34699999999";
const EVENTS: u64 = 1000;

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (db, keys, assent) = b
        .start_assent(backend, "consent_read", &[A], Some(0))
        .await?;
    let key = keys[0].clone();
    let outcomes = async {
        assent
            .grant_all(&key, recipients(b.knobs.recipients))
            .await?;
        for i in 0..EVENTS {
            let action = if i % 2 == 0 { "grant" } else { "withdraw" };
            assent.consent(&key, LONG_HISTORY, action).await?;
        }
        let read = |phone: &str| {
            Request::get(format!(
                "/api/v1/consents?phone={}",
                phone.replace('+', "%2B")
            ))
            .header("Authorization", format!("Bearer {key}"))
        };
        assent
            .get_ok(
                &key,
                &format!("/api/v1/consents?phone=%2B{}", &LONG_HISTORY[1..]),
            )
            .await?;
        let many = b
            .load(
                "consent-read",
                &assent.base,
                &[read("+3460{k}")],
                64,
                b.knobs.recipients,
            )
            .await?;
        let long = b
            .load(
                "consent-read-1000-events",
                &assent.base,
                &[read(LONG_HISTORY)],
                64,
                1,
            )
            .await?;
        anyhow::Ok((many, long))
    }
    .await;
    b.finish(assent, db, true).await?;
    let (many, long) = outcomes?;
    many.check("consent read", false)?;
    long.check("consent read (1 000 events)", false)?;
    let select = b.ceiling(backend, Ceiling::Select, 64).await?;
    for (what, o) in [
        ("consent read, 64 connections", &many),
        ("consent read, a person with 1 000 events", &long),
    ] {
        b.report.add(Row {
            backend: Some(backend),
            what: what.into(),
            figure: rate_p99(o),
            ceiling: format!("{}: {}", Ceiling::Select.name(backend), rate_p99(&select)),
            ratio: Some(o.rate() / select.rate()),
            target: "≥ 0.6".into(),
            met: Some(o.rate() >= 0.6 * select.rate()),
        });
    }
    Ok(())
}
