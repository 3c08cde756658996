//! Every keyword Assent's own texts name works when the person sends it back, in
//! their language, even after the number added its own words (SPEC §7): the accepted
//! reply's STOP and HELP (PARAR/AYUDA, SAIR/AJUDA), the stopped reply's START
//! (ALTA/VOLTAR), the help text's and the restarted reply's words.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;
use std::collections::BTreeSet;

/// The keywords a text names: its all-capital words of three letters or more
/// (the link line left out).
fn named(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.contains("https://"))
        .flat_map(|l| l.split(|c: char| !c.is_alphabetic()))
        .filter(|w| w.chars().count() >= 3 && w.chars().all(char::is_uppercase))
        .map(str::to_owned)
        .collect()
}

fn set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| w.to_string()).collect()
}

/// One language's words as Assent's texts name them.
struct Language {
    code: &'static str,
    stop: &'static str,
    start: &'static str,
    help: &'static str,
}

const LANGUAGES: [Language; 3] = [
    Language {
        code: "en",
        stop: "STOP",
        start: "START",
        help: "HELP",
    },
    Language {
        code: "es",
        stop: "PARAR",
        start: "ALTA",
        help: "AYUDA",
    },
    Language {
        code: "pt",
        stop: "SAIR",
        start: "VOLTAR",
        help: "AJUDA",
    },
];

async fn add_words(app: &TestApp, language: &str, action: &str, words: &[&str]) -> u16 {
    let (status, body) = app
        .post_json(
            "/api/v1/keywords",
            &app.api_key,
            &json!({"language": language, "action": action, "words": words}),
        )
        .await;
    assert!(status == 200 || status == 400, "{body}");
    status.as_u16()
}

/// The person sends back each word the texts name, in turn, and each acts.
async fn every_named_word_acts(app: &TestApp, who: &str, l: &Language) {
    let code = l.code;
    let accepted = last_reply(app, who).await;
    assert_eq!(
        named(&accepted),
        set(&[l.stop, l.help]),
        "{code}: {accepted}"
    );

    // HELP: explains, changes nothing.
    let events = event_count(app, who).await;
    text(app, who, l.help).await;
    let help = last_reply(app, who).await;
    assert_ne!(help, accepted, "{code}: {} is answered", l.help);
    assert_eq!(
        named(&help),
        set(&[l.stop, l.start, l.help]),
        "{code}: {help}"
    );
    assert_eq!(event_count(app, who).await, events, "{code}: {}", l.help);
    assert_eq!(states(app, who).await, all_granted(), "{code}: {}", l.help);

    // STOP (as the accepted reply and the help name it): withdraws everything.
    text(app, who, l.stop).await;
    assert_eq!(
        states(app, who).await,
        all_withdrawn(),
        "{code}: {}",
        l.stop
    );
    let stopped = last_reply(app, who).await;
    assert_eq!(named(&stopped), set(&[l.start]), "{code}: {stopped}");

    // START (as the stopped reply names it): restores.
    text(app, who, l.start).await;
    assert_eq!(states(app, who).await, all_granted(), "{code}: {}", l.start);
    let started = last_reply(app, who).await;
    assert_eq!(named(&started), set(&[l.stop]), "{code}: {started}");

    // STOP again, as the restarted reply names it.
    text(app, who, l.stop).await;
    assert_eq!(
        states(app, who).await,
        all_withdrawn(),
        "{code}: {}",
        l.stop
    );
    text(app, who, l.start).await;
    assert_eq!(states(app, who).await, all_granted(), "{code}: {}", l.start);
}

async fn people_in_each_language(app: &TestApp, first: u32) -> Vec<String> {
    let all = ["order_updates", "offers", "product_news"];
    let mut people = Vec::new();
    for (n, l) in LANGUAGES.iter().enumerate() {
        let code = format!("WORDS{first}{}", l.code.to_uppercase());
        app.entry_point(&code, &all, l.code).await;
        people.push((person(first + n as u32), code));
    }
    let batch: Vec<(String, Option<&str>)> = people
        .iter()
        .map(|(p, c)| (p.clone(), Some(c.as_str())))
        .collect();
    accepted_people(app, &batch).await;
    people.into_iter().map(|(p, _)| p).collect()
}

#[tokio::test]
async fn every_keyword_a_text_names_works_after_the_number_added_its_own() {
    let app = TestApp::spawn().await;
    for (language, action, words) in [
        ("en", "stop", vec!["HALT"]),
        ("en", "start", vec!["RESUME"]),
        ("en", "help", vec!["WHAT"]),
        ("es", "stop", vec!["FIN", "BASTA"]),
        ("es", "start", vec!["VOLVER"]),
        ("es", "help", vec!["SOCORRO"]),
        ("pt", "stop", vec!["CHEGA"]),
        ("pt", "start", vec!["REATIVAR"]),
        ("pt", "help", vec!["SOCORRO"]),
    ] {
        assert_eq!(
            add_words(&app, language, action, &words).await,
            200,
            "{language} {action}"
        );
    }
    let people = people_in_each_language(&app, 80).await;
    for (who, l) in people.iter().zip(&LANGUAGES) {
        every_named_word_acts(&app, who, l).await;
    }
    // The number's own words work too.
    text(&app, &people[1], "basta").await;
    assert_eq!(states(&app, &people[1]).await, all_withdrawn());
    text(&app, &people[1], "volver").await;
    assert_eq!(states(&app, &people[1]).await, all_granted());
}

#[tokio::test]
async fn a_word_the_texts_name_cannot_be_taken_for_another_action() {
    let app = TestApp::spawn().await;
    // A number tries to make words Assent's texts name mean something else: the
    // API refuses (400, naming the word), changes nothing, and the words keep doing
    // what the texts say.
    let (_, before) = app.get_json("/api/v1/keywords", Some(&app.api_key)).await;
    for (language, action, words, refused) in [
        ("en", "stop", vec!["HALT", "HELP", "START"], 1),
        ("en", "help", vec!["STOP"], 0),
        ("es", "stop", vec!["ALTA", "AYUDA"], 0),
        ("pt", "help", vec!["SAIR"], 0),
        ("pt", "stop", vec!["VOLTAR"], 0),
        // Another language's built-in word means its action here too.
        ("en", "start", vec!["BAJA"], 0),
    ] {
        let (status, body) = app
            .post_json(
                "/api/v1/keywords",
                &app.api_key,
                &json!({"language": language, "action": action, "words": words}),
            )
            .await;
        assert_eq!(status, 400, "{language} {action} {words:?}: {body}");
        let detail = details(&body);
        assert!(
            detail.contains(&format!("words[{refused}]")) && detail.contains("another"),
            "{body}"
        );
    }
    let (_, after) = app.get_json("/api/v1/keywords", Some(&app.api_key)).await;
    assert_eq!(after, before, "a refused list changes nothing");
    // A word the number added for one action cannot be added for another.
    assert_eq!(add_words(&app, "en", "help", &["OPTIONS"]).await, 200);
    assert_eq!(add_words(&app, "es", "stop", &["OPTIONS"]).await, 400);
    let people = people_in_each_language(&app, 90).await;
    for (who, l) in people.iter().zip(&LANGUAGES) {
        every_named_word_acts(&app, who, l).await;
    }
}
