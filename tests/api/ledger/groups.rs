//! Decisions recorded together (`recording::Queue`, `recording::record_all`):
//! each is checked against what the ones before it did, a refused one stops no
//! other, and the states, the dashboard's counts and the forwards to the
//! business come out as if each had been recorded alone.

use crate::helpers::business::*;
use crate::helpers::*;
use assent::consent::{self, ConsentAction, Evidence, Provenance, Source};
use assent::domain::{Actor, CategoryName, PhoneNumber, Recipient, TemplateName, UserId};
use assent::recording::{self, Decision};
use std::collections::BTreeMap;

const PEOPLE: [&str; 4] = [
    "+34612340001",
    "+34612340002",
    "+34612340003",
    "+34612340004",
];

fn decision(phone: &str, category: &str, action: ConsentAction) -> Decision {
    Decision {
        who: Recipient::Phone(PhoneNumber::parse(phone).unwrap()),
        category: CategoryName::parse(category).unwrap(),
        action,
        confirmation_template: None,
        how: Provenance {
            source: Source::Api,
            source_ref: None,
            notice: None,
            language: None,
            actor: Actor::ApiKey("tests".into()),
            evidence: Evidence {
                ip: Some("203.0.113.7".into()),
                ..Evidence::default()
            },
        },
    }
}

async fn contact_id(app: &TestApp, phone: &str) -> Option<String> {
    let wa_id = phone.trim_start_matches('+');
    sqlx::query_as::<_, (String,)>("SELECT id FROM contacts WHERE wa_id = $1")
        .bind(wa_id)
        .fetch_optional(&app.raw_db().pool)
        .await
        .unwrap()
        .map(|(id,)| id)
}

/// The state of `category` after the event `seq`, folded from the person's events.
async fn folded_after(app: &TestApp, subject: &str, category: &str, seq: i64) -> Option<String> {
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let events = consent::events_for_subject(&mut conn, subject)
        .await
        .unwrap();
    let upto: Vec<_> = events.into_iter().filter(|e| e.seq <= seq).collect();
    consent::derive_states(&upto)
        .get(category)
        .map(|s| s.state.as_str().to_owned())
}

/// Stored states equal each person's fold; the dashboard's counts equal the
/// stored states and the events; the chain verifies.
async fn assert_consistent(app: &TestApp) {
    let mut people: BTreeMap<(String, String), i64> = BTreeMap::new();
    for (subject, stored, folded) in crate::helpers::ledger::stored_and_folded(app).await {
        assert_eq!(stored, folded, "person {subject}");
        for (category, s) in stored {
            if s.state != consent::ConsentState::None {
                *people
                    .entry((category, s.state.as_str().to_owned()))
                    .or_default() += 1;
            }
        }
    }
    let mut conn = app.raw_db().pool.acquire().await.unwrap();
    let tallies: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT category, state, people FROM consent_tallies WHERE people <> 0 ORDER BY category, state",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let tallies: BTreeMap<(String, String), i64> =
        tallies.into_iter().map(|(c, s, n)| ((c, s), n)).collect();
    assert_eq!(tallies, people, "people per category and state");
    let days: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT category, action, CAST(SUM(events) AS BIGINT) FROM ledger_days GROUP BY category, action \
         ORDER BY category, action",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let events: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT category, action, CAST(COUNT(*) AS BIGINT) FROM ledger_events GROUP BY category, action \
         ORDER BY category, action",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert_eq!(days, events, "events per category and action");
    let report = consent::verify(app.raw_db()).await.unwrap();
    assert_eq!(report.broken, None);
}

#[tokio::test]
async fn decisions_recorded_together_are_checked_in_order_and_one_refused_stops_none() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .register_template("confirm_offers", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");
    let number = crate::helpers::sql::sandbox_id(&app).await;
    let [ana, ben, eva, leo] = PEOPLE;
    let mut pending = decision(ana, "offers", ConsentAction::Granted);
    pending.confirmation_template = Some(TemplateName::parse("confirm_offers").unwrap());
    let decisions = vec![
        // Ben has never opted in: nothing to confirm, and no contact is left behind.
        decision(ben, "offers", ConsentAction::Confirmed),
        pending,
        decision(eva, "no_such_category", ConsentAction::Granted),
        decision(eva, "offers", ConsentAction::Granted),
        // Confirms the double opt-in two decisions up: a second round.
        decision(ana, "offers", ConsentAction::Confirmed),
        decision(eva, "offers", ConsentAction::Withdrawn),
        decision(leo, "order_updates", ConsentAction::Granted),
        decision(eva, "offers", ConsentAction::Granted),
        decision(ana, "offers", ConsentAction::Confirmed),
    ];
    let mut tx = app.raw_db().write_for(&number).await.unwrap();
    let outcomes = recording::record_all(&mut tx, &number, decisions)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let seen: Vec<Result<(i64, Option<String>), &str>> = outcomes
        .iter()
        .map(|o| match o {
            Ok(r) => Ok((
                r.event.seq,
                r.state.as_ref().map(|s| s.state.as_str().to_owned()),
            )),
            Err(refused) => Err(refused.field),
        })
        .collect();
    let state = |s: &str| Some(s.to_owned());
    assert_eq!(
        seen,
        vec![
            Err("action"),
            Ok((1, state("pending"))),
            Err("category"),
            Ok((2, state("granted"))),
            Ok((3, state("granted"))),
            Ok((4, state("withdrawn"))),
            Ok((5, state("granted"))),
            Ok((6, state("granted"))),
            // Already confirmed by the fifth decision.
            Err("action"),
        ]
    );
    assert_eq!(
        contact_id(&app, ben).await,
        None,
        "a refused decision writes nothing"
    );
    assert_eq!(app.count("ledger_events").await, 6);
    assert_eq!(app.count("ledger_evidence").await, 6);

    // Leo, known by phone and by user id: an opt-in asked by phone, confirmed by
    // user id, in the same group, is one person's.
    let user = "US.13491208655302741918";
    sqlx::query("UPDATE contacts SET user_id = $1 WHERE wa_id = $2")
        .bind(user)
        .bind(leo.trim_start_matches('+'))
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let mut asked = decision(leo, "offers", ConsentAction::Granted);
    asked.confirmation_template = Some(TemplateName::parse("confirm_offers").unwrap());
    let mut confirmed = decision(leo, "offers", ConsentAction::Confirmed);
    confirmed.who = Recipient::User(UserId::parse(user).unwrap());
    let mut tx = app.raw_db().write_for(&number).await.unwrap();
    let outcomes = recording::record_all(&mut tx, &number, vec![asked, confirmed])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let states: Vec<Option<String>> = outcomes
        .iter()
        .map(|o| {
            o.as_ref()
                .ok()
                .and_then(|r| r.state.as_ref().map(|s| s.state.as_str().to_owned()))
        })
        .collect();
    assert_eq!(states, [state("pending"), state("granted")]);
    assert_consistent(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_decisions_keep_each_persons_order_their_states_counts_and_forwards() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    app.configure_forwarding(&business.url()).await;
    // Each person's two categories granted and withdrawn by turns, all at once,
    // with requests for a category that does not exist among them.
    let requests: Vec<(&str, &str, &str)> = (0..96)
        .map(|i| {
            let category = match i % 12 {
                11 => "no_such_category",
                n if n % 2 == 0 => "offers",
                _ => "order_updates",
            };
            let action = if (i / 8) % 2 == 0 {
                "grant"
            } else {
                "withdraw"
            };
            (PEOPLE[i % 4], category, action)
        })
        .collect();
    let answers = futures_util::future::join_all(
        requests
            .iter()
            .map(|(phone, category, action)| app.consent(phone, category, action)),
    )
    .await;

    let mut seqs = Vec::new();
    for ((phone, category, action), (status, body)) in requests.iter().zip(&answers) {
        if *category == "no_such_category" {
            assert_eq!(*status, 400, "{body}");
            continue;
        }
        assert_eq!(*status, 201, "{phone} {category} {action}: {body}");
        let seq = body["event"]["seq"].as_i64().unwrap();
        seqs.push(seq);
        // The state answered is the one this event left, whatever came after.
        let subject = contact_id(&app, phone).await.unwrap();
        assert_eq!(
            body["state"]["state"].as_str().map(str::to_owned),
            folded_after(&app, &subject, category, seq).await,
            "{phone} {category} {action}: {body}"
        );
    }
    seqs.sort_unstable();
    let accepted = seqs.len() as i64;
    assert_eq!(accepted, 88);
    assert_eq!(seqs, (1..=accepted).collect::<Vec<_>>(), "one seq each");
    assert_consistent(&app).await;

    // The business hears of every event once, each person's in the ledger's order.
    let got = business
        .wait_for(&app, "every consent event", |rs| {
            consent_events(rs).len() == accepted as usize
        })
        .await;
    let mut last: BTreeMap<String, i64> = BTreeMap::new();
    for (event, _) in consent_events(&got) {
        let who = event["contact"]["wa_id"].as_str().unwrap().to_owned();
        let seq = event["seq"].as_i64().unwrap();
        let before = last.insert(who.clone(), seq).unwrap_or(0);
        assert!(before < seq, "{who}: event {seq} came after {before}");
    }
    assert_eq!(last.len(), PEOPLE.len());
}
