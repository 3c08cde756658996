//! Consent events reach the business (SPEC §8): from the API and from a STOP in
//! chat, signed, each once, with the same data as the ledger.

use crate::helpers::business::*;
use crate::helpers::*;
use serde_json::Value;

const ALICE_WA: &str = "34612345678";

#[tokio::test]
async fn consent_events_from_the_api_and_a_stop_keyword_reach_the_business() {
    let app = TestApp::spawn().await;
    let business = Business::start().await;
    let secret = app.configure_forwarding(&business.url()).await;

    assert_eq!(app.consent(ALICE, "offers", "grant").await.0, 201);
    let got = business
        .wait_for(&app, "consent.granted", |rs| !consent_events(rs).is_empty())
        .await;
    let events = consent_events(&got);
    assert_eq!(events.len(), 1, "{events:?}");
    let (granted, r) = &events[0];
    assert_signed(r, &secret);
    assert_eq!(header(r, "x-api-token"), Some("abc"));
    assert_eq!(granted["type"], "consent.granted");
    assert_eq!(granted["phone_number_id"], SANDBOX_ID);
    assert_eq!(granted["contact"]["wa_id"], ALICE_WA);
    assert!(granted["contact"]["id"].is_string(), "{granted}");
    assert_eq!(granted["category"], "offers");
    assert_eq!(granted["source"], "api");
    assert_eq!(granted["notice"]["version"], "v1");
    assert!(
        granted["notice"]["sha256"].as_str().is_some_and(is_hex64),
        "{granted}"
    );
    assert!(
        granted["id"].is_string() && granted["hash"].is_string(),
        "{granted}"
    );
    assert!(
        granted["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("api_key:")),
        "{granted}"
    );
    // The ledger holds the same event.
    let ledger = app.consents(ALICE).await;
    assert_eq!(ledger["events"][0]["source"], granted["source"]);
    assert_eq!(ledger["events"][0]["category"], granted["category"]);

    app.webhook(&inbound_text(ALICE_WA, "wamid.fwd.stop1", "STOP"))
        .await;
    let got = business
        .wait_for(&app, "consent.withdrawn for offers", |rs| {
            consent_events(rs)
                .iter()
                .any(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        })
        .await;
    let events = consent_events(&got);
    let (withdrawn, r) = events
        .iter()
        .find(|(e, _)| e["type"] == "consent.withdrawn" && e["category"] == "offers")
        .unwrap();
    assert_signed(r, &secret);
    assert_eq!(withdrawn["contact"]["wa_id"], ALICE_WA);
    assert_eq!(withdrawn["contact"]["id"], granted["contact"]["id"]);
    assert_eq!(withdrawn["source"], "keyword");
    // A reference to the STOP message, never Meta's id (which encodes the number).
    assert!(
        withdrawn["source_ref"]
            .as_str()
            .is_some_and(|r| r.starts_with("stop:") && !r.contains("wamid")),
        "{withdrawn}"
    );
    assert_eq!(withdrawn["notice"], Value::Null);
    assert!(
        withdrawn["seq"].as_i64() > granted["seq"].as_i64(),
        "{granted} then {withdrawn}"
    );
    // Every event was delivered once: ids are unique.
    let mut ids: Vec<&str> = events
        .iter()
        .map(|(e, _)| e["id"].as_str().unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), events.len(), "no event delivered twice");
    // The keyword is handled by Assent, not passed on as a message.
    assert!(
        messages(&got).is_empty(),
        "the STOP message itself was forwarded: {:?}",
        messages(&got)
    );
}
