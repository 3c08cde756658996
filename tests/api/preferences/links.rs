//! Where people get their link: every chat reply that changed their consent ends
//! with it, in their language, and PREFERENCES (in any of the three languages)
//! answers with a fresh one and changes nothing.

use crate::helpers::chat::*;
use crate::helpers::preferences::*;
use crate::helpers::*;
use serde_json::json;

/// Opens a preference link and returns the page; it must open (200).
async fn opens(app: &TestApp, path: &str) -> String {
    let (status, html) = app.prefs_page(path).await;
    assert_eq!(status, 200, "the link {path} should open: {html}");
    html
}

#[tokio::test]
async fn every_reply_that_changed_consent_ends_with_the_persons_preference_link() {
    let app = TestApp::spawn().await;
    let ana = person(10);

    // Accepting the terms.
    let path = accepted_with_link(&app, &ana).await;
    let html = opens(&app, &path).await;
    for category in ["order_updates", "offers", "product_news"] {
        assert_eq!(state_text(&html, category), "receiving", "{category}");
    }

    // STOP <topic>, STOP, START: each reply ends with a link that shows the change.
    let steps: [(&str, [&str; 3]); 3] = [
        ("STOP offers", ["receiving", "not receiving", "receiving"]),
        ("STOP", ["not receiving", "not receiving", "not receiving"]),
        ("START", ["receiving", "not receiving", "receiving"]),
    ];
    let mut paths = vec![path];
    for (words, shown) in steps {
        text(&app, &ana, words).await;
        let reply = last_reply(&app, &ana).await;
        let path = ends_with_choices(&reply, CHOICES_EN);
        let html = opens(&app, &path).await;
        for (category, state) in ["order_updates", "offers", "product_news"]
            .into_iter()
            .zip(shown)
        {
            assert_eq!(
                state_text(&html, category),
                state,
                "{category} after {words:?}"
            );
        }
        paths.push(path);
    }

    // The "Stop promotions" button of a marketing template.
    app.webhook(&inbound_message(
        &ana,
        &wamid(),
        json!({"type": "button", "button": {"payload": "STOP_PROMOTIONS", "text": "Stop promotions"}}),
    ))
    .await;
    assert_eq!(
        states(&app, &ana).await,
        expect(&[
            ("offers", "withdrawn"),
            ("order_updates", "granted"),
            ("product_news", "withdrawn")
        ])
    );
    let reply = last_reply(&app, &ana).await;
    assert!(
        reply.starts_with("You will no longer receive promotions"),
        "{reply}"
    );
    let path = ends_with_choices(&reply, CHOICES_EN);
    let html = opens(&app, &path).await;
    assert_eq!(state_text(&html, "product_news"), "not receiving");
    assert_eq!(state_text(&html, "order_updates"), "receiving");
    paths.push(path);

    // Each reply carried a link of its own.
    let mut distinct = paths.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), paths.len(), "{paths:#?}");
}

#[tokio::test]
async fn the_link_line_is_in_the_persons_language() {
    let app = TestApp::spawn().await;
    let all = ["order_updates", "offers", "product_news"];
    app.entry_point("HOLA26", &all, "es").await;
    app.entry_point("OLA26", &all, "pt").await;
    let eva = person(11);
    let joao = person(12);
    accepted_people(
        &app,
        &[(eva.clone(), Some("HOLA26")), (joao.clone(), Some("OLA26"))],
    )
    .await;

    let reply = last_reply(&app, &eva).await;
    assert!(reply.starts_with("¡Gracias!"), "{reply}");
    opens(&app, &ends_with_choices(&reply, CHOICES_ES)).await;
    let reply = last_reply(&app, &joao).await;
    assert!(reply.starts_with("Obrigado!"), "{reply}");
    opens(&app, &ends_with_choices(&reply, CHOICES_PT)).await;

    text(&app, &eva, "PARAR").await;
    assert_eq!(states(&app, &eva).await, all_withdrawn());
    let reply = last_reply(&app, &eva).await;
    assert!(reply.starts_with("Ya no recibirás"), "{reply}");
    opens(&app, &ends_with_choices(&reply, CHOICES_ES)).await;

    text(&app, &joao, "SAIR").await;
    assert_eq!(states(&app, &joao).await, all_withdrawn());
    let reply = last_reply(&app, &joao).await;
    assert!(reply.starts_with("Você não receberá"), "{reply}");
    opens(&app, &ends_with_choices(&reply, CHOICES_PT)).await;

    text(&app, &eva, "ALTA").await;
    assert_eq!(states(&app, &eva).await, all_granted());
    let reply = last_reply(&app, &eva).await;
    opens(&app, &ends_with_choices(&reply, CHOICES_ES)).await;
}

#[tokio::test]
async fn preferences_answers_with_a_fresh_link_in_any_language_and_changes_nothing() {
    let app = TestApp::spawn().await;
    app.entry_point("OLA27", &["order_updates", "offers", "product_news"], "pt")
        .await;
    let lia = person(13);
    let rui = person(14);
    accepted_people(&app, &[(lia.clone(), None), (rui.clone(), Some("OLA27"))]).await;
    let first = accepted_with_link_of(&app, &lia).await;

    // (what the person writes, how the answer starts)
    let cases = [
        (&lia, "PREFERENCES", "Choose which messages you get here: "),
        (&lia, "preferences", "Choose which messages you get here: "),
        (
            &lia,
            " Preferences! ",
            "Choose which messages you get here: ",
        ),
        (
            &lia,
            "PREFERENCIAS",
            "Elige qué mensajes quieres recibir aquí: ",
        ),
        (
            &rui,
            "PREFERÊNCIAS",
            "Escolha quais mensagens você quer receber aqui: ",
        ),
        (
            &rui,
            "preferências",
            "Escolha quais mensagens você quer receber aqui: ",
        ),
    ];
    let mut paths = vec![first];
    for (who, words, answer) in cases {
        let events = app.count("ledger_events").await;
        let sent = app.sent_to(who).await.len();
        let id = text(&app, who, words).await;
        assert_eq!(
            app.sent_to(who).await.len(),
            sent + 1,
            "{words:?} gets one answer"
        );
        let reply = last_reply(&app, who).await;
        let link = reply
            .strip_prefix(answer)
            .unwrap_or_else(|| panic!("{words:?} should be answered with {answer:?}…: {reply:?}"));
        assert_eq!(link.trim(), link, "{reply:?}");
        let path = path_of(link);
        opens(&app, &path).await;
        paths.push(path);
        assert_eq!(
            app.count("ledger_events").await,
            events,
            "{words:?} changes no consent"
        );
        assert_eq!(states(&app, who).await, all_granted(), "{words:?}");
        assert_eq!(
            inbound_state(&app, &id).await,
            "handled",
            "{words:?} is a keyword, not a message for the business"
        );
    }
    let mut distinct = paths.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(
        distinct.len(),
        paths.len(),
        "every link is fresh: {paths:#?}"
    );
}

/// The link the person's "accepted" reply ended with.
async fn accepted_with_link_of(app: &TestApp, wa_id: &str) -> String {
    let reply = last_reply(app, wa_id).await;
    ends_with_choices(&reply, CHOICES_EN)
}
