//! Sends through an on-premises style number (SPEC §9): /v1/messages in the BSP's
//! format, with the contact check cached.

use crate::helpers::graph::{ONPREM_ID, ONPREM_KEY, StandIn};
use crate::helpers::*;
use assent::numbers::{NewNumber, ProviderKind};
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn onprem_numbers_send_through_v1_with_contact_check_cached() {
    let app = TestApp::spawn().await;
    let standin = StandIn::onprem().await;
    standin.mark_invalid(BOB);
    let number = app
        .add_number(NewNumber {
            provider: ProviderKind::Onprem,
            api_base_url: Some(standin.server.uri()),
            access_token: Some(ONPREM_KEY.into()),
            ..new_number(ONPREM_ID, "+34911234568")
        })
        .await;
    assert_eq!((number.rate_per_second, number.rate_burst), (50.0, 150.0));
    let key = app.api_key_for(&number, "onprem").await;
    for phone in [ALICE, BOB] {
        app.inbound_on(ONPREM_ID, phone, Duration::ZERO).await;
    }

    let r = app
        .client
        .post(format!("{}/v1/messages", app.address))
        .header("D360-API-KEY", &key)
        .json(&json!({"to": ALICE, "type": "text", "text": {"body": "hi"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let (status, again) = app
        .post_json(
            "/v1/messages",
            &key,
            &json!({"to": ALICE, "type": "text", "text": {"body": "again"}}),
        )
        .await;
    assert_eq!(status, 202, "{again}");
    let (status, blocked) = app
        .post_json(
            "/v1/messages",
            &key,
            &json!({"to": BOB, "type": "text", "text": {"body": "hi"}}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(code(&blocked), 470108);
    app.drain().await;

    assert_eq!(
        standin.bodies("/v1/contacts").await.len(),
        2,
        "one check per recipient, then cached"
    );
    let sent = standin.bodies("/v1/messages").await;
    assert_eq!(sent.len(), 2);
    assert!(
        sent.contains(&json!({"to": "34612345678", "type": "text", "text": {"body": "hi"}})),
        "on-premises format: no messaging_product, wa_id digits: {sent:?}"
    );

    let (status, checked) = app
        .post_json(
            "/v1/contacts",
            &key,
            &json!({"blocking": "wait", "contacts": [ALICE, BOB, "12"]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(checked["contacts"][0]["status"], "valid");
    assert_eq!(checked["contacts"][1]["status"], "invalid");
    assert_eq!(checked["contacts"][2]["status"], "invalid");
    assert_eq!(
        standin.bodies("/v1/contacts").await.len(),
        2,
        "answered from the 7-day cache"
    );

    let (status, _) = app
        .post_json(
            "/v1/messages",
            &key,
            &json!({"to": BOB, "type": "text", "text": {"body": "hi"}, "verify_contact": false}),
        )
        .await;
    assert_eq!(status, 202, "verify_contact: false skips the check");
}
