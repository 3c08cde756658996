//! Meta's webhooks end to end, at 16 connections: statuses (sent, delivered, read) of
//! messages Assent dispatched to the stand-in, then text messages from people who
//! gave consent (known contacts, so no terms are asked). Each payload is signed as
//! Meta signs. Two figures each: how fast Meta gets its 200 (p99), and events
//! processed per second, from the first POST until the worker has processed every
//! stored payload. The business's webhook is the stand-in, so forwards are queued as
//! they would be in production.

use super::ceilings::rate_p99;
use super::{Bench, Ceiling, recipients};
use crate::assent::{A, APP_SECRET, Running};
use crate::assent_db::AssentDb;
use crate::databases::Backend;
use crate::graph::now_ms;
use crate::meta;
use crate::report::{Row, ms, per_second};
use crate::wrk::{Amount, Load, Outcome, Request};
use serde_json::Value;
use std::time::{Duration, Instant};

const CONNECTIONS: u32 = 16;
const ACK_P99: Duration = Duration::from_millis(20);

struct Processed {
    ack: Outcome,
    events: u64,
    per_second: f64,
}

fn signed(body: String) -> Request {
    let signature = meta::signature(APP_SECRET, &body);
    Request::post_json("/webhooks/whatsapp", body).header("X-Hub-Signature-256", signature)
}

/// Posts the payloads (each once), then waits until none is left unprocessed.
async fn post_all(
    b: &Bench,
    assent: &Running,
    db: &AssentDb,
    label: &str,
    payloads: Vec<Request>,
    events: u64,
) -> anyhow::Result<Processed> {
    let started = Instant::now();
    let ack = b
        .wrk
        .run(
            label,
            Load {
                base: &assent.base,
                requests: &payloads,
                connections: CONNECTIONS,
                amount: Amount::Count(payloads.len() as u64),
                keys: 1,
            },
        )
        .await?;
    ack.check(label, false)?;
    let limit = Duration::from_secs(600);
    loop {
        if db.webhook_counts().await?.pending == 0 {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < limit,
            "{label}: payloads still unprocessed after {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let elapsed = started.elapsed();
    let per_second = events as f64 / elapsed.as_secs_f64();
    eprintln!(
        "   {label}: {events} events in {:.1} s = {per_second:.0}/s; acknowledged p99 {}",
        elapsed.as_secs_f64(),
        ms(ack.p99())
    );
    Ok(Processed {
        ack,
        events,
        per_second,
    })
}

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    b.graph.reset().await?;
    let (db, keys, assent) = b.start_assent(backend, "webhooks", &[A], None).await?;
    let key = keys[0].clone();
    let counted = AssentDb::open(&db).await?;
    let result = async {
        assent.register_template(&key).await?;
        assent
            .forward_to(&key, &format!("{}/business", b.graph.base))
            .await?;
        let people = recipients(b.knobs.recipients);
        assent.grant_all(&key, people.clone()).await?;
        let messages = b.knobs.webhook_messages;
        b.fill_queue(&assent, &key, messages).await?;
        let deadline = Instant::now() + Duration::from_secs(120 + messages / 50);
        while b.graph.counts(A.phone_number_id).await?.total < messages {
            anyhow::ensure!(
                Instant::now() < deadline,
                "the webhook scenario's {messages} messages were not dispatched in time"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let sent = b.graph.arrivals(A.phone_number_id, 0).await?;
        let batch = b.knobs.webhook_batch as usize;
        let ts = now_ms() / 1000;

        let before = counted.webhook_counts().await?;
        let statuses: Vec<Value> = sent
            .iter()
            .flat_map(|m| ["sent", "delivered", "read"].map(|s| meta::status(&m.id, &m.to, s, ts)))
            .collect();
        let status_events = statuses.len() as u64;
        let payloads = statuses
            .chunks(batch)
            .map(|c| {
                signed(meta::statuses_payload(
                    A.phone_number_id,
                    A.display,
                    c.to_vec(),
                ))
            })
            .collect();
        let st = post_all(
            b,
            &assent,
            &counted,
            "webhook-statuses",
            payloads,
            status_events,
        )
        .await?;
        let after = counted.webhook_counts().await?;
        anyhow::ensure!(
            after.statuses - before.statuses >= status_events as i64,
            "{} statuses posted but {} recorded",
            status_events,
            after.statuses - before.statuses
        );

        let inbound: Vec<(Value, Value)> = (0..status_events)
            .map(|i| {
                let from = &people[(i % people.len() as u64) as usize][1..];
                meta::inbound_text(
                    from,
                    &format!("wamid.BENCHIN{i:09}"),
                    &format!("hello {i}"),
                    ts,
                )
            })
            .collect();
        let payloads = inbound
            .chunks(batch)
            .map(|c| {
                signed(meta::messages_payload(
                    A.phone_number_id,
                    A.display,
                    c.to_vec(),
                ))
            })
            .collect();
        let inb = post_all(
            b,
            &assent,
            &counted,
            "webhook-inbound",
            payloads,
            status_events,
        )
        .await?;
        let done = counted.webhook_counts().await?;
        anyhow::ensure!(
            done.inbound - after.inbound >= status_events as i64,
            "{} messages posted but {} recorded",
            status_events,
            done.inbound - after.inbound
        );
        anyhow::Ok((st, inb))
    }
    .await;
    counted.close().await;
    b.finish(assent, db, true).await?;
    let (statuses, inbound) = result?;

    let insert = b.ceiling(backend, Ceiling::Insert, CONNECTIONS).await?;
    let per_post = if b.knobs.webhook_batch == 1 {
        "one per POST".to_string()
    } else {
        format!("{} per POST", b.knobs.webhook_batch)
    };
    for (what, p, target) in [
        ("status events", &statuses, 10_000.0),
        ("inbound messages from known contacts", &inbound, 3_000.0),
    ] {
        b.report.add(Row {
            backend: Some(backend),
            what: format!("webhooks: {what} processed end to end ({per_post})"),
            figure: format!("{} ({} events)", per_second(p.per_second), p.events),
            ceiling: format!(
                "{}, {CONNECTIONS} connections: {}",
                Ceiling::Insert.name(backend),
                per_second(insert.rate())
            ),
            ratio: Some(p.per_second / insert.rate()),
            target: format!("≥ {}", per_second(target)),
            met: Some(p.per_second >= target),
        });
        b.report.add(Row {
            backend: Some(backend),
            what: format!("webhooks: {what}, acknowledgement, {CONNECTIONS} connections"),
            figure: rate_p99(&p.ack),
            ceiling: format!("{}: {}", Ceiling::Insert.name(backend), rate_p99(&insert)),
            ratio: Some(p.ack.p99().as_secs_f64() / insert.p99().as_secs_f64().max(1e-6)),
            target: "p99 ≤ 20 ms".into(),
            met: Some(p.ack.p99() <= ACK_P99),
        });
    }
    Ok(())
}
