//! What STOP and START change (SPEC §7): a category named after STOP, START undoing
//! only the last STOP, the Stop promotions button, a keyword inside a sentence (not
//! one), and repeats that write nothing new.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn start_restores_only_what_the_last_stop_withdrew() {
    let app = TestApp::spawn().await;
    let ines = person(40);
    let jon = person(41);
    accepted_people(&app, &[(ines.clone(), None), (jon.clone(), None)]).await;

    // Ines: STOP offers, then STOP, then START → offers stays withdrawn.
    text(&app, &ines, "STOP offers").await;
    assert_eq!(
        states(&app, &ines).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted")
        ])
    );
    text(&app, &ines, "STOP").await;
    assert_eq!(states(&app, &ines).await, all_withdrawn());
    text(&app, &ines, "START").await;
    assert_eq!(
        states(&app, &ines).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted")
        ]),
        "START restores only what the last STOP withdrew"
    );

    // Jon: STOP, START, then STOP product news, START → only product news back.
    text(&app, &jon, "STOP").await;
    text(&app, &jon, "START").await;
    assert_eq!(states(&app, &jon).await, all_granted());
    text(&app, &jon, "stop product news").await;
    assert_eq!(
        states(&app, &jon).await,
        expect(&[
            ("offers", "granted"),
            ("order_updates", "granted"),
            ("product_news", "withdrawn")
        ])
    );
    text(&app, &jon, "START").await;
    assert_eq!(states(&app, &jon).await, all_granted());
    // START with nothing to restore changes nothing but still answers.
    let before = event_count(&app, &jon).await;
    let replies = app.sent_to(&jon).await.len();
    text(&app, &jon, "START").await;
    assert_eq!(event_count(&app, &jon).await, before);
    assert_eq!(app.sent_to(&jon).await.len(), replies + 1);
}

#[tokio::test]
async fn stop_with_a_category_withdraws_only_that_category() {
    let app = TestApp::spawn().await;
    // (text, the category withdrawn, phrase of the reply)
    let cases = [
        ("STOP offers", "offers", "no longer receive"),
        ("stop product news", "product_news", "no longer receive"),
        ("stop product_news", "product_news", "no longer receive"),
        ("BAJA Offers and promotions", "offers", "Ya no recibirás"),
        ("Stop order updates!", "order_updates", "no longer receive"),
        ("sair offers", "offers", "não receberá"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(60 + i as u32), None))
        .collect();
    accepted_people(&app, &people).await;
    let messages: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.0.to_owned()))
        .collect();
    each_says(&app, &messages).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (words, category, phrase) = cases[i];
        let mut want = all_granted();
        want.insert(category.into(), "withdrawn".into());
        assert_eq!(states(&app, wa_id).await, want, "{words:?}");
        let reply = last_reply(&app, wa_id).await;
        assert!(reply.contains(phrase), "{words:?}: {reply}");
    }
}

#[tokio::test]
async fn a_message_that_merely_contains_a_keyword_is_not_one() {
    let app = TestApp::spawn().await;
    let cases = [
        "please stop that",
        "STOP STOP",
        "I want to unsubscribe",
        "stop everything",
        "ayuda por favor",
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(70 + i as u32), None))
        .collect();
    accepted_people(&app, &people).await;
    let mut before = vec![];
    for (wa_id, _) in &people {
        before.push((
            app.sent_to(wa_id).await.len(),
            event_count(&app, wa_id).await,
        ));
    }
    let mut ids = vec![];
    for ((wa_id, _), words) in people.iter().zip(cases) {
        let id = wamid();
        app.webhook_unsettled(&inbound_text(wa_id, &id, words))
            .await;
        ids.push(id);
    }
    app.settle().await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let words = cases[i];
        assert_eq!(states(&app, wa_id).await, all_granted(), "{words:?}");
        assert_eq!(event_count(&app, wa_id).await, before[i].1, "{words:?}");
        assert_eq!(
            app.sent_to(wa_id).await.len(),
            before[i].0,
            "{words:?}: no reply"
        );
        assert_eq!(
            inbound_state(&app, &ids[i]).await,
            "released",
            "{words:?} goes to the business"
        );
    }

    // For someone who has not accepted, it is held (and answered with the terms).
    let kim = person(79);
    let id = text(&app, &kim, "please stop that").await;
    assert_eq!(inbound_state(&app, &id).await, "held");
    assert_eq!(terms_messages(&app.sent_to(&kim).await).len(), 1);
}

#[tokio::test]
async fn the_stop_promotions_button_withdraws_marketing_only() {
    let app = TestApp::spawn().await;
    let ned = person(85);
    let olga = person(86);
    let pia = person(87);
    accepted_people(
        &app,
        &[
            (ned.clone(), None),
            (olga.clone(), None),
            (pia.clone(), None),
        ],
    )
    .await;
    let marketing_withdrawn = expect(&[
        ("offers", "withdrawn"),
        ("order_updates", "granted"),
        ("product_news", "withdrawn"),
    ]);

    app.webhook(&inbound_message(
        &ned,
        &wamid(),
        json!({"type": "button", "button": {"payload": "STOP_PROMOTIONS", "text": "Stop promotions"}}),
    ))
    .await;
    assert_eq!(states(&app, &ned).await, marketing_withdrawn);
    let reply = last_reply(&app, &ned).await;
    assert!(reply.contains("promotions"), "{reply}");

    app.webhook(&inbound_message(
        &olga,
        &wamid(),
        json!({"type": "button", "button": {"payload": "campaign-42-unsub", "text": "Detener promociones"}}),
    ))
    .await;
    assert_eq!(states(&app, &olga).await, marketing_withdrawn);
    let reply = last_reply(&app, &olga).await;
    assert!(reply.contains("Ya no recibirás promociones"), "{reply}");

    // Another quick reply is not a stop.
    app.webhook(&inbound_message(
        &pia,
        &wamid(),
        json!({"type": "button", "button": {"payload": "MORE_INFO", "text": "Tell me more"}}),
    ))
    .await;
    assert_eq!(states(&app, &pia).await, all_granted());
}

#[tokio::test]
async fn a_second_stop_writes_no_new_events() {
    let app = TestApp::spawn().await;
    let quin = person(90);
    accepted_people(&app, &[(quin.clone(), None)]).await;
    text(&app, &quin, "STOP").await;
    assert_eq!(states(&app, &quin).await, all_withdrawn());
    let events = event_count(&app, &quin).await;
    assert_eq!(events, 6, "three grants and three withdrawals");
    let ledger = app.count("ledger_events").await;

    text(&app, &quin, "STOP").await;
    assert_eq!(event_count(&app, &quin).await, events);
    assert_eq!(app.count("ledger_events").await, ledger);
    assert_eq!(states(&app, &quin).await, all_withdrawn());

    // The same START delivered twice (in two different payloads): one effect, one reply.
    let id = wamid();
    let replies = app.sent_to(&quin).await.len();
    app.webhook(&inbound_text(&quin, &id, "START")).await;
    app.webhook(&inbound_text(&quin, &id, "START ")).await;
    assert_eq!(app.sent_to(&quin).await.len(), replies + 1);
    assert_eq!(states(&app, &quin).await, all_granted());
    assert_eq!(event_count(&app, &quin).await, events + 3);
}

#[tokio::test]
async fn start_leaves_alone_what_was_changed_after_the_stop() {
    let app = TestApp::spawn().await;
    let fay = person(90);
    text(&app, &fay, "Hi").await;
    press(&app, &fay, "assent_terms_accept").await;
    text(&app, &fay, "STOP").await;
    // After the STOP, offers is granted again and then withdrawn through the API:
    // that later choice is the person's last word, not the STOP's.
    app.consent(&e164(&fay), "offers", "grant").await;
    app.consent(&e164(&fay), "offers", "withdraw").await;
    text(&app, &fay, "START").await;
    assert_eq!(
        states(&app, &fay).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "granted")
        ])
    );
}
