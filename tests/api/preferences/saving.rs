//! Saving choices: what is unticked is withdrawn, what is ticked again is granted,
//! "Stop all messages" withdraws everything; every event says it came from the
//! preference center, with the IP, the user agent and the notice the page links
//! to; a save that changes nothing records nothing; and withdrawing is one POST.

use crate::helpers::chat::*;
use crate::helpers::preferences::*;
use crate::helpers::*;
use serde_json::Value;

/// The notice the preference page links to: (version, SHA-256) as its page shows them.
async fn notice_shown(app: &TestApp, path: &str) -> (String, String) {
    let (status, html) = app.prefs_page(path).await;
    assert_eq!(status, 200);
    let href = notice_href(&html);
    let (status, notice) = app.prefs_page(&href).await;
    assert_eq!(status, 200, "the notice the page links to opens: {href}");
    let shown = definitions(&notice);
    assert_eq!(shown.len(), 2, "version and SHA-256: {notice}");
    assert!(is_hex64(&shown[1]), "{shown:?}");
    (shown[0].clone(), shown[1].clone())
}

/// The events recorded after the first `before` of the person's.
async fn new_events(app: &TestApp, wa_id: &str, before: usize) -> Vec<Value> {
    app.events_of(wa_id).await[before..].to_vec()
}

/// Each event came from the preference center, with the notice shown, and its
/// evidence holds the IP and the user agent of the browser that saved.
async fn assert_from_the_page(app: &TestApp, events: &[Value], notice: &(String, String)) {
    for event in events {
        assert_eq!(event["source"], "preference_center", "{event}");
        assert_eq!(event["actor"], "system:preference_center", "{event}");
        assert_eq!(event["notice_version"], notice.0.as_str(), "{event}");
        assert_eq!(event["notice_sha256"], notice.1.as_str(), "{event}");
        let evidence = evidence_of(app, event["id"].as_str().unwrap()).await;
        assert_eq!(evidence["ip"], "127.0.0.1", "{evidence}");
        assert_eq!(evidence["user_agent"], USER_AGENT, "{evidence}");
    }
}

fn actions(events: &[Value]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["category"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}

#[tokio::test]
async fn unticking_withdraws_with_the_ip_user_agent_and_notice_as_evidence() {
    let app = TestApp::spawn().await;
    let ana = person(30);
    let path = accepted_with_link(&app, &ana).await;
    let notice = notice_shown(&app, &path).await;
    let before = app.events_of(&ana).await.len();

    let back = app.save_choices(&path, &["order_updates"]).await;
    assert_eq!(
        states(&app, &ana).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "withdrawn")
        ])
    );
    let events = new_events(&app, &ana, before).await;
    assert_eq!(
        actions(&events),
        [
            ("offers".to_owned(), "withdrawn".to_owned()),
            ("product_news".to_owned(), "withdrawn".to_owned())
        ]
    );
    assert_from_the_page(&app, &events, &notice).await;
    let r = crate::helpers::ledger::verify(&app);
    assert!(r.ok(), "the chain takes the page's events: {r}");

    // Back on the page: it says so, and shows the new state.
    let (status, html) = app.prefs_page(&back).await;
    assert_eq!(status, 200);
    assert!(html.contains("Your choices are saved."), "{html}");
    assert!(ticked(&html, "order_updates"));
    assert_eq!(state_text(&html, "order_updates"), "receiving");
    for category in ["offers", "product_news"] {
        assert!(!ticked(&html, category), "{category}");
        assert_eq!(state_text(&html, category), "not receiving");
    }
    // Without saved=1 the page does not claim anything was saved.
    let (_, html) = app.prefs_page(&path).await;
    assert!(!html.contains("Your choices are saved."));
}

#[tokio::test]
async fn ticking_a_withdrawn_category_grants_it_again() {
    let app = TestApp::spawn().await;
    let ben = person(31);
    let path = accepted_with_link(&app, &ben).await;
    text(&app, &ben, "STOP").await;
    assert_eq!(states(&app, &ben).await, all_withdrawn());
    let notice = notice_shown(&app, &path).await;
    let before = app.events_of(&ben).await.len();

    app.save_choices(&path, &["offers"]).await;
    assert_eq!(
        states(&app, &ben).await,
        expect(&[
            ("offers", "granted"),
            ("order_updates", "withdrawn"),
            ("product_news", "withdrawn")
        ])
    );
    let events = new_events(&app, &ben, before).await;
    assert_eq!(
        actions(&events),
        [("offers".to_owned(), "granted".to_owned())]
    );
    assert_from_the_page(&app, &events, &notice).await;
    let (_, html) = app.prefs_page(&path).await;
    assert!(ticked(&html, "offers"));
    assert_eq!(state_text(&html, "offers"), "receiving");

    // Granting through the page lets the business send again.
    let (status, body) = app
        .register_template("spring_sale", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");
    let (status, body) = app.send(&template_body(&e164(&ben), "spring_sale")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn stop_all_withdraws_everything_whatever_is_ticked() {
    let app = TestApp::spawn().await;
    let cid = person(32);
    let path = accepted_with_link(&app, &cid).await;
    let notice = notice_shown(&app, &path).await;
    let before = app.events_of(&cid).await.len();

    // The browser sends the ticked boxes along with the button; they do not count.
    let back = app.stop_all(&path).await;
    assert_eq!(states(&app, &cid).await, all_withdrawn());
    let events = new_events(&app, &cid, before).await;
    assert_eq!(events.len(), 3, "{events:#?}");
    assert!(events.iter().all(|e| e["action"] == "withdrawn"));
    assert_from_the_page(&app, &events, &notice).await;
    let (_, html) = app.prefs_page(&back).await;
    assert!(html.contains("Your choices are saved."));
    for category in ["order_updates", "offers", "product_news"] {
        assert!(!ticked(&html, category), "{category}");
        assert_eq!(state_text(&html, category), "not receiving");
    }

    // Again: nothing left to withdraw, nothing recorded.
    let count = app.count("ledger_events").await;
    app.stop_all(&path).await;
    assert_eq!(app.count("ledger_events").await, count);
}

#[tokio::test]
async fn saving_what_is_already_so_records_nothing() {
    let app = TestApp::spawn().await;
    let dan = person(33);
    let path = accepted_with_link(&app, &dan).await;
    let count = app.count("ledger_events").await;
    app.save_choices(&path, &["order_updates", "offers", "product_news"])
        .await;
    assert_eq!(app.count("ledger_events").await, count);
    assert_eq!(states(&app, &dan).await, all_granted());

    text(&app, &dan, "STOP offers").await;
    let count = app.count("ledger_events").await;
    let back = app
        .save_choices(&path, &["order_updates", "product_news"])
        .await;
    assert_eq!(app.count("ledger_events").await, count);
    let (_, html) = app.prefs_page(&back).await;
    assert!(html.contains("Your choices are saved."));

    // A category the page does not offer changes nothing either.
    app.save_choices(&path, &["order_updates", "product_news", "no_such_topic"])
        .await;
    assert_eq!(app.count("ledger_events").await, count);
}

#[tokio::test]
async fn withdrawing_takes_no_more_steps_than_opting_in() {
    let app = TestApp::spawn().await;
    let eli = person(34);
    let fay = person(35);
    // Opting in: one press of Accept after the terms.
    text(&app, &eli, "Hi").await;
    text(&app, &fay, "Hi").await;
    let events = app.count("ledger_events").await;
    press(&app, &eli, "assent_terms_accept").await;
    press(&app, &fay, "assent_terms_accept").await;
    assert_eq!(states(&app, &eli).await, all_granted());
    assert_eq!(states(&app, &fay).await, all_granted());
    assert_eq!(app.count("ledger_events").await, events + 6);

    // Withdrawing: one POST from the page the link opens, whichever button, and
    // no page asking "are you sure?" in between.
    for (who, button, on) in [(&eli, "stop_all", vec!["offers"]), (&fay, "save", vec![])] {
        let reply = last_reply(&app, who).await;
        let path = ends_with_choices(&reply, CHOICES_EN);
        let r = app.post_choices(&path, &on, button).await;
        assert_eq!(r.status(), 303, "{button}: one POST, then back to the page");
        assert_eq!(states(&app, who).await, all_withdrawn(), "{button}");
    }
}
