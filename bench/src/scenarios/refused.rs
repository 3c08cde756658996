//! A refused send to a new recipient (no consent: 470102), at 64 connections, on a
//! number with 10 000 messages stored and again with a million: refusals must cost no
//! more than accepted sends, and nothing on the path may grow with the day's traffic.
//! The stored messages are written straight into the database (`assent_db`).

use super::ceilings::rate_p99;
use super::{Bench, Ceiling, send_request};
use crate::assent::A;
use crate::assent_db::AssentDb;
use crate::databases::Backend;
use crate::report::{Row, int};
use crate::wrk::Outcome;

const NO_CONSENT: i64 = 470102;

async fn refusals(b: &mut Bench, backend: Backend, stored: u64) -> anyhow::Result<Outcome> {
    let label = format!("refused_{stored}");
    let db = b.databases.fresh(backend, &label).await?;
    let keys = b.assent.prepare(&db, &b.graph.base, &[A]).await?;
    let started = std::time::Instant::now();
    let seeded = AssentDb::open(&db).await?;
    seeded
        .seed_stored_messages(A.phone_number_id, stored)
        .await?;
    seeded.close().await;
    eprintln!(
        "   {} messages stored in {:.1} s",
        int(stored as f64),
        started.elapsed().as_secs_f64()
    );
    let assent = b.assent.serve(&db, Some(0), &label).await?;
    let key = &keys[0];
    let outcome = async {
        assent.register_template(key).await?;
        let path = format!("/v23.0/{}/messages", A.phone_number_id);
        let code = assent
            .refused_code(key, &path, crate::meta::template_send("+34629999999"))
            .await?;
        anyhow::ensure!(
            code == NO_CONSENT,
            "a send to a new recipient was refused with {code}, not {NO_CONSENT} (no consent)"
        );
        b.load(
            &label,
            &assent.base,
            &[send_request(&A, key, "+3462{n}")],
            64,
            1,
        )
        .await
    }
    .await;
    b.finish(assent, db, true).await?;
    let outcome = outcome?;
    outcome.check("refused sends", true)?;
    Ok(outcome)
}

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (small, large) = (b.knobs.stored_small, b.knobs.stored_large);
    let few = refusals(b, backend, small).await?;
    let many = refusals(b, backend, large).await?;
    let insert = b.ceiling(backend, Ceiling::Insert, 64).await?;
    b.report.add(Row {
        backend: Some(backend),
        what: format!(
            "refused send to a new recipient, {} stored, 64 connections",
            int(small as f64)
        ),
        figure: rate_p99(&few),
        ceiling: format!("{}: {}", Ceiling::Insert.name(backend), rate_p99(&insert)),
        ratio: Some(few.rate() / insert.rate()),
        target: "≥ 1.0 (as accepted sends)".into(),
        met: Some(few.rate() >= insert.rate()),
    });
    b.report.add(Row {
        backend: Some(backend),
        what: format!(
            "refused send to a new recipient, {} stored",
            int(large as f64)
        ),
        figure: rate_p99(&many),
        ceiling: format!("{} stored: {}", int(small as f64), rate_p99(&few)),
        ratio: Some(many.rate() / few.rate()),
        target: "≥ 0.9".into(),
        met: Some(many.rate() >= 0.9 * few.rate()),
    });
    Ok(())
}
