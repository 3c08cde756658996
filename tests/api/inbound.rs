//! Meta's webhooks in: the receiver, the MO-flow, keywords and Meta's signals.

use crate::helpers::*;
use serde_json::json;

const CAROL: &str = "34612345601";

#[tokio::test]
async fn smoke_mo_flow_accept() {
    let app = TestApp::spawn().await;
    app.webhook(&inbound_text(CAROL, "wamid.in1", "Hello there"))
        .await;
    let sent = app.sent_to(CAROL).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["type"], "interactive");
    println!("{}", sent[0]);
    app.webhook(&inbound_button_reply(
        CAROL,
        "wamid.in2",
        "assent_terms_accept",
    ))
    .await;
    let sent = app.sent_to(CAROL).await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    println!("{}", sent[1]);
    let consents = app.consents(&format!("+{CAROL}")).await;
    println!("{consents}");
    app.webhook(&inbound_text(CAROL, "wamid.in3", "stop")).await;
    let consents = app.consents(&format!("+{CAROL}")).await;
    println!("{consents}");
    let sent = app.sent_to(CAROL).await;
    println!("{}", sent.last().unwrap());
    let _ = json!({});
}
