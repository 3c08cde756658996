//! A person erased by staff writes again: the terms come like to anyone new, what
//! they write is held, and the business still cannot message them; accepting grants
//! with evidence that it lifted a suppression, removes it, releases the held
//! messages and lets the business send again.

use crate::helpers::business::{self, Business};
use crate::helpers::chat::*;
use crate::helpers::preferences::*;
use crate::helpers::*;

const AGAIN: &str = "Hello, it's me again";

/// A person who accepted, was erased, and wrote again; the business's endpoint
/// receives the forwards. Returns the person and the id of their new message.
async fn erased_and_writing_again(app: &TestApp, n: u32) -> (String, String) {
    let who = person(n);
    accepted_people(app, &[(who.clone(), None)]).await;
    app.erase(&e164(&who)).await;
    assert!(
        app.count("suppressions").await >= 1,
        "erasure suppresses the person"
    );
    let id = text(app, &who, AGAIN).await;
    (who, id)
}

/// The texts of the inbound messages the business received.
fn forwarded_texts(requests: &[wiremock::Request]) -> Vec<String> {
    business::messages(requests)
        .into_iter()
        .filter_map(|(m, _)| m["text"]["body"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_erased_person_who_writes_again_gets_the_terms_and_is_held() {
    let app = TestApp::spawn().await;
    let endpoint = Business::start().await;
    app.configure_forwarding(&endpoint.url()).await;
    let (status, body) = app
        .register_template("spring_sale", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");
    let (who, id) = erased_and_writing_again(&app, 60).await;

    // The terms, as anyone new gets them: one interactive message, Accept/Decline.
    let sent = app.sent_to(&who).await;
    let terms = terms_messages(&sent);
    assert_eq!(terms.len(), 1, "{sent:#?}");
    assert_eq!(sent.len(), 1, "nothing but the terms: {sent:#?}");
    let buttons = &terms[0]["interactive"]["action"]["buttons"];
    assert_eq!(buttons[0]["reply"]["title"], "Accept", "{buttons}");
    assert_eq!(
        buttons[1]["reply"]["id"], "assent_terms_decline",
        "{buttons}"
    );
    assert_eq!(buttons[1]["reply"]["title"], "Decline", "{buttons}");
    let asked = said(terms[0]);
    assert!(asked.starts_with("Hi, this is "), "{asked}");
    notice_link(&asked);

    // Held: not forwarded.
    assert_eq!(inbound_state(&app, &id).await, "held");
    app.settle().await;
    let got = endpoint.requests().await;
    assert!(
        !forwarded_texts(&got).iter().any(|t| t == AGAIN),
        "a held message reached the business: {:?}",
        forwarded_texts(&got)
    );
    assert!(
        states(&app, &who)
            .await
            .values()
            .all(|s| s != "granted" && s != "pending"),
        "nothing is granted before they accept"
    );

    // The business cannot message them yet: a template, or a text in the window.
    let (status, body) = app.send(&template_body(&e164(&who), "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470101), "{body}");
    let (status, body) = app.send(&text_body(&e164(&who), "Welcome back!")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470101), "{body}");
    assert_eq!(app.sent_to(&who).await.len(), 1, "still only the terms");

    // Writing again within the hour gets no second terms, and is held too.
    let second = text(&app, &who, "Anyone there?").await;
    assert_eq!(inbound_state(&app, &second).await, "held");
    assert_eq!(terms_messages(&app.sent_to(&who).await).len(), 1);
}

#[tokio::test]
async fn accepting_lifts_the_suppression_and_the_business_may_send_again() {
    let app = TestApp::spawn().await;
    let endpoint = Business::start().await;
    app.configure_forwarding(&endpoint.url()).await;
    let (status, body) = app
        .register_template("spring_sale", "MARKETING", "offers")
        .await;
    assert!(status.is_success(), "{body}");
    // Someone else erased stays suppressed throughout.
    let other = person(62);
    accepted_people(&app, &[(other.clone(), None)]).await;
    app.erase(&e164(&other)).await;
    let (who, id) = erased_and_writing_again(&app, 61).await;
    let suppressed = app.count("suppressions").await;
    assert_eq!(suppressed, 2, "both erased people are suppressed");

    press(&app, &who, "assent_terms_accept").await;
    assert_eq!(states(&app, &who).await, all_granted());
    let consents = app.consents(&e164(&who)).await;
    let granted: Vec<_> = events_by_source(&consents, "chat")
        .into_iter()
        .filter(|e| e["action"] == "granted")
        .collect();
    assert_eq!(granted.len(), 3, "{consents}");
    for event in granted {
        let evidence = evidence_of(&app, event["id"].as_str().unwrap()).await;
        let detail = evidence["detail"].as_str().unwrap_or_default();
        assert!(
            detail.contains("lifted a suppression"),
            "the grant says it lifted a suppression: {evidence}"
        );
    }
    assert_eq!(
        app.count("suppressions").await,
        suppressed - 1,
        "their key is off the list, the other person's stays"
    );

    // The accepted reply ends with their link; the held message reaches the business.
    let reply = last_reply(&app, &who).await;
    assert!(reply.starts_with("Thank you!"), "{reply}");
    ends_with_choices(&reply, CHOICES_EN);
    assert_eq!(inbound_state(&app, &id).await, "released");
    endpoint
        .wait_for(&app, "the held message", |rs| {
            forwarded_texts(rs).iter().any(|t| t == AGAIN)
        })
        .await;

    // The business may message them again; the other person is still refused.
    let (status, body) = app.send(&template_body(&e164(&who), "spring_sale")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.send(&text_body(&e164(&who), "Welcome back!")).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app.send(&template_body(&e164(&other), "spring_sale")).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 470101), "{body}");

    // A later grant of theirs is an ordinary one.
    text(&app, &who, "STOP").await;
    text(&app, &who, "START").await;
    let consents = app.consents(&e164(&who)).await;
    for event in events_by_source(&consents, "keyword") {
        let evidence = evidence_of(&app, event["id"].as_str().unwrap()).await;
        assert!(evidence["detail"].is_null(), "{evidence}");
    }
}
