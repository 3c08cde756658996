//! The compliance console's ledger (issue 9): the search page (`/admin/ledger`, the
//! newest page and a filtered one) at 64 connections, and the CSV export of the
//! whole ledger at 4, for a compliance officer signed in through `/login`, on a
//! ledger of the run's people plus `LEDGER_WRITES` more events. Compared with the
//! SELECT-by-key ceiling of the same run: a page reads one page of events by index,
//! so its cost must not grow with the ledger.

use super::ceilings::rate_p99;
use super::{Bench, Ceiling};
use crate::assent::{A, Running};
use crate::databases::Backend;
use crate::report::{Row, per_second};
use crate::wrk::{Amount, Load, Request};

const LEDGER_WRITES: u64 = 20_000;
const EMAIL: &str = "compliance@bench.example";
const PASSWORD: &str = "a long bench passphrase";

pub async fn run(b: &mut Bench, backend: Backend) -> anyhow::Result<()> {
    let (db, keys, assent) = b
        .start_assent(backend, "ledger_search", &[A], Some(0))
        .await?;
    let key = keys[0].clone();
    let outcomes = async {
        assent
            .grant_all(&key, super::recipients(b.knobs.recipients))
            .await?;
        let write = Request::post_json("/api/v1/consents", crate::meta::consent_grant("+3462{n}"))
            .header("Authorization", format!("Bearer {key}"));
        b.wrk
            .run(
                "ledger-fill",
                Load {
                    base: &assent.base,
                    requests: &[write],
                    connections: 64,
                    amount: Amount::Count(LEDGER_WRITES),
                    keys: 1,
                },
            )
            .await?
            .check("filling the ledger", false)?;
        b.assent
            .cli_with_input(
                &db,
                &["user", "add", "--email", EMAIL, "--role", "compliance"],
                PASSWORD,
            )
            .await?;
        let cookie = sign_in(&assent).await?;
        let get = |path: &str| Request::get(path).header("Cookie", cookie.clone());
        let newest = b
            .load(
                "ledger-search",
                &assent.base,
                &[get("/admin/ledger")],
                64,
                1,
            )
            .await?;
        let filtered = b
            .load(
                "ledger-search-filtered",
                &assent.base,
                &[get(
                    "/admin/ledger?category=order_updates&action=granted&source=api",
                )],
                64,
                1,
            )
            .await?;
        let export = b
            .load(
                "ledger-export",
                &assent.base,
                &[get("/admin/ledger/export?format=csv")],
                4,
                1,
            )
            .await?;
        anyhow::Ok((newest, filtered, export))
    }
    .await;
    b.finish(assent, db, true).await?;
    let (newest, filtered, export) = outcomes?;
    newest.check("ledger search", false)?;
    filtered.check("ledger search (filtered)", false)?;
    export.check("ledger export", false)?;
    let select = b.ceiling(backend, Ceiling::Select, 64).await?;
    let ceiling = format!("{}: {}", Ceiling::Select.name(backend), rate_p99(&select));
    let events = (b.knobs.recipients + LEDGER_WRITES) as f64;
    for (what, o) in [
        ("ledger search page (newest 50), 64 connections", &newest),
        (
            "ledger search page, three filters, 64 connections",
            &filtered,
        ),
    ] {
        b.report.add(Row {
            backend: Some(backend),
            what: what.into(),
            figure: rate_p99(o),
            ceiling: ceiling.clone(),
            ratio: Some(o.rate() / select.rate()),
            target: "— (issue 9: reported)".into(),
            met: None,
        });
    }
    b.report.add(Row {
        backend: Some(backend),
        what: format!("ledger CSV export of {events:.0} events, 4 connections (events/s)"),
        figure: format!("{} events/s", per_second(export.rate() * events)),
        ceiling,
        ratio: Some(export.rate() * events / select.rate()),
        target: "— (issue 9: reported)".into(),
        met: None,
    });
    Ok(())
}

/// Signs the compliance officer in as a browser does (the form's CSRF token and
/// cookie, then the POST); the session cookie the console then takes.
async fn sign_in(assent: &Running) -> anyhow::Result<String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = http.get(format!("{}/login", assent.base)).send().await?;
    let cookie = cookies(&form);
    let html = form.text().await?;
    let token = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or_else(|| anyhow::anyhow!("no CSRF token on /login"))?
        .to_owned();
    let answer = http
        .post(format!("{}/login", assent.base))
        .header("Cookie", cookie)
        .header("Origin", &assent.base)
        .form(&[
            ("email", EMAIL),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        answer.status() == reqwest::StatusCode::SEE_OTHER,
        "signing in answered {}",
        answer.status()
    );
    let session = cookies(&answer);
    anyhow::ensure!(!session.is_empty(), "signing in set no cookie");
    Ok(session)
}

/// The `name=value` of each cookie a response sets.
fn cookies(r: &reqwest::Response) -> String {
    r.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect::<Vec<_>>()
        .join("; ")
}
