//! Keywords configured through the API add to the defaults of their language and
//! action, and never remove them: the words Assent's own texts name always work.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::json;

#[tokio::test]
async fn configured_keywords_add_to_the_defaults_and_never_remove_them() {
    let app = TestApp::spawn().await;
    let (status, body) = app
        .post_json(
            "/api/v1/keywords",
            &app.api_key,
            &json!({"language": "en", "action": "stop", "words": ["HALT"]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");

    let (status, list) = app.get_json("/api/v1/keywords", Some(&app.api_key)).await;
    assert_eq!(status, 200, "{list}");
    let words = list["data"].as_array().unwrap();
    let en_stop: Vec<&str> = words
        .iter()
        .filter(|w| w["language"] == "en" && w["action"] == "stop")
        .map(|w| w["word"].as_str().unwrap())
        .collect();
    assert!(en_stop.contains(&"HALT"), "{list}");
    for default in ["STOP", "UNSUBSCRIBE", "CANCEL"] {
        assert!(en_stop.contains(&default), "{default} stays: {list}");
    }
    // Other lists keep their defaults.
    assert!(
        words
            .iter()
            .any(|w| w["language"] == "es" && w["action"] == "stop" && w["word"] == "PARAR"),
        "{list}"
    );
    assert!(
        words
            .iter()
            .any(|w| w["language"] == "en" && w["action"] == "start" && w["word"] == "START"),
        "{list}"
    );

    let lea = person(80);
    let max = person(81);
    accepted_people(&app, &[(lea.clone(), None), (max.clone(), None)]).await;
    text(&app, &lea, "halt").await;
    assert_eq!(states(&app, &lea).await, all_withdrawn());
    assert!(last_reply(&app, &lea).await.contains("no longer receive"));

    // STOP still works: it is the word every reply of Assent names.
    let id = text(&app, &max, "STOP").await;
    assert_eq!(states(&app, &max).await, all_withdrawn());
    assert_eq!(inbound_state(&app, &id).await, "handled");
    assert!(last_reply(&app, &max).await.contains("Reply START"));

    // Bad requests name their field; nothing changes.
    for (body, field) in [
        (
            json!({"language": "en", "action": "explode", "words": ["X"]}),
            "action",
        ),
        (
            json!({"language": "EN!", "action": "stop", "words": ["X"]}),
            "language",
        ),
        (
            json!({"language": "en", "action": "stop", "words": [""]}),
            "words",
        ),
    ] {
        let (status, answer) = app.post_json("/api/v1/keywords", &app.api_key, &body).await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert!(details(&answer).contains(field), "{body}: {answer}");
    }
    let r = app
        .client
        .get(format!("{}/api/v1/keywords", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);

    // An empty list takes the added words away, and only them.
    let (status, body) = app
        .post_json(
            "/api/v1/keywords",
            &app.api_key,
            &json!({"language": "en", "action": "stop", "words": []}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let en_stop: Vec<String> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["language"] == "en" && w["action"] == "stop")
        .map(|w| w["word"].as_str().unwrap().to_owned())
        .collect();
    assert!(!en_stop.contains(&"HALT".to_owned()) && en_stop.contains(&"STOP".to_owned()));
}
