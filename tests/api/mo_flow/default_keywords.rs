//! The default STOP, START and HELP words (SPEC §7), in English, Spanish and
//! Portuguese: each one works, and answers in the person's language.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::Value;

/// The phrase that shows a STOP reply is in `language`.
fn stop_phrase(language: &str) -> &'static str {
    match language {
        "es" => "Ya no recibirás",
        "pt" => "não receberá",
        _ => "no longer receive",
    }
}

/// Entry points that set each person's language (en has none: the default).
async fn language_entry_points(app: &TestApp) {
    let all = ["order_updates", "offers", "product_news"];
    app.entry_point("LANG-ES", &all, "es").await;
    app.entry_point("LANG-PT", &all, "pt").await;
}

fn code_for(language: &str) -> Option<&'static str> {
    match language {
        "es" => Some("LANG-ES"),
        "pt" => Some("LANG-PT"),
        _ => None,
    }
}

#[tokio::test]
async fn every_default_stop_word_withdraws_everything_in_its_language() {
    let app = TestApp::spawn().await;
    language_entry_points(&app).await;
    // (language of the person, word, language of the reply)
    let cases = [
        ("en", "STOP", "en"),
        ("en", "UNSUBSCRIBE", "en"),
        ("en", "STOP ALL", "en"),
        ("en", "CANCEL", "en"),
        ("en", "END", "en"),
        ("en", "QUIT", "en"),
        ("es", "PARAR", "es"),
        ("es", "BAJA", "es"),
        ("es", "CANCELAR", "es"),
        ("es", "DETENER", "es"),
        ("pt", "SAIR", "pt"),
        ("pt", "PARE", "pt"),
        ("pt", "PARAR", "pt"),
        ("pt", "CANCELAR", "pt"),
        // Shared words go to Spanish for someone whose language is not known.
        ("en", "PARAR", "es"),
        // Case, spaces and punctuation do not matter.
        ("en", "  stop! ", "en"),
        ("es", "baja.", "es"),
        ("pt", "Saír", "pt"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(10 + i as u32), code_for(cases[i].0)))
        .collect();
    accepted_people(&app, &people).await;
    let replies_before: Vec<usize> = {
        let mut v = vec![];
        for (wa_id, _) in &people {
            v.push(app.sent_to(wa_id).await.len());
        }
        v
    };
    let messages: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((wa_id, _), (_, word, _))| (wa_id.clone(), word.to_owned()))
        .collect();
    each_says(&app, &messages).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (lang, word, reply_lang) = cases[i];
        assert_eq!(
            states(&app, wa_id).await,
            all_withdrawn(),
            "{word:?} said by a {lang} speaker withdraws everything"
        );
        let sent = app.sent_to(wa_id).await;
        assert_eq!(
            sent.len(),
            replies_before[i] + 1,
            "{word:?}: one reply: {sent:?}"
        );
        let reply = said(sent.last().unwrap());
        assert!(
            reply.contains(stop_phrase(reply_lang)),
            "{word:?} said by a {lang} speaker: reply in {reply_lang}: {reply}"
        );
        let consents = app.consents(&e164(wa_id)).await;
        for e in consents["events"].as_array().unwrap() {
            if e["action"] == "withdrawn" {
                assert_eq!(e["source"], "keyword", "{e}");
                assert!(
                    e["source_ref"]
                        .as_str()
                        .is_some_and(|r| r.starts_with("stop:") && !r.contains("wamid")),
                    "{e}"
                );
            }
        }
    }
}

#[tokio::test]
async fn every_default_start_word_restores_what_stop_withdrew() {
    let app = TestApp::spawn().await;
    language_entry_points(&app).await;
    // (language, STOP word, START word, phrase of the START reply)
    let cases = [
        ("en", "STOP", "START", "again"),
        ("en", "STOP", "SUBSCRIBE", "again"),
        ("en", "STOP", "UNSTOP", "again"),
        ("en", "STOP", "  start!! ", "again"),
        ("es", "PARAR", "ALTA", "Vuelves a recibir"),
        ("es", "PARAR", "COMENZAR", "Vuelves a recibir"),
        ("es", "PARAR", "REANUDAR", "Vuelves a recibir"),
        ("pt", "SAIR", "VOLTAR", "voltou a receber"),
        ("pt", "SAIR", "INICIAR", "voltou a receber"),
        ("pt", "SAIR", "RETOMAR", "voltou a receber"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(30 + i as u32), code_for(cases[i].0)))
        .collect();
    accepted_people(&app, &people).await;
    let stops: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.1.to_owned()))
        .collect();
    each_says(&app, &stops).await;
    for (wa_id, _) in &people {
        assert_eq!(states(&app, wa_id).await, all_withdrawn());
    }
    let starts: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.2.to_owned()))
        .collect();
    each_says(&app, &starts).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (lang, _, word, phrase) = cases[i];
        assert_eq!(
            states(&app, wa_id).await,
            all_granted(),
            "{word:?} ({lang}) restores everything STOP withdrew"
        );
        let reply = last_reply(&app, wa_id).await;
        assert!(reply.contains(phrase), "{word:?} ({lang}): {reply}");
        let consents = app.consents(&e164(wa_id)).await;
        let regranted: Vec<&Value> = consents["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| {
                e["source_ref"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("start:"))
            })
            .collect();
        assert_eq!(regranted.len(), 3, "{consents}");
        for e in regranted {
            assert_eq!(e["action"], "granted");
            assert_eq!(e["source"], "keyword");
        }
    }
}

#[tokio::test]
async fn every_default_help_word_answers_in_its_language() {
    let app = TestApp::spawn().await;
    language_entry_points(&app).await;
    // (language, word, phrase the reply contains)
    let cases = [
        ("en", "HELP", "+12025550100: reply STOP"),
        ("en", "INFO", "+12025550100: reply STOP"),
        ("en", "help?", "+12025550100: reply STOP"),
        ("es", "AYUDA", "responde PARAR"),
        ("es", "  ayuda  ", "responde PARAR"),
        ("pt", "AJUDA", "responda SAIR"),
        ("pt", "AjUdÁ", "responda SAIR"),
        // The word decides the language, not only the person.
        ("en", "AJUDA", "responda SAIR"),
    ];
    let people: Vec<(String, Option<&str>)> = (0..cases.len())
        .map(|i| (person(50 + i as u32), code_for(cases[i].0)))
        .collect();
    accepted_people(&app, &people).await;
    let mut before = vec![];
    for (wa_id, _) in &people {
        before.push((
            app.sent_to(wa_id).await.len(),
            event_count(&app, wa_id).await,
        ));
    }
    let messages: Vec<(String, String)> = people
        .iter()
        .zip(cases)
        .map(|((w, _), c)| (w.clone(), c.1.to_owned()))
        .collect();
    each_says(&app, &messages).await;
    for (i, (wa_id, _)) in people.iter().enumerate() {
        let (lang, word, phrase) = cases[i];
        assert_eq!(
            states(&app, wa_id).await,
            all_granted(),
            "{word:?}: HELP changes nothing"
        );
        assert_eq!(event_count(&app, wa_id).await, before[i].1, "{word:?}");
        let sent = app.sent_to(wa_id).await;
        assert_eq!(sent.len(), before[i].0 + 1, "{word:?}: one reply");
        let reply = said(sent.last().unwrap());
        assert!(reply.contains(phrase), "{word:?} ({lang}): {reply}");
    }
}
