//! Meta's `phone_number_quality_update` webhook: kept on the number it names (by
//! its display number, the only way Meta names it there) and shown on the
//! dashboard; a late, older update changes nothing; only the number's own app
//! secret vouches for it.

use super::*;
use assent::numbers::ProviderKind;
use serde_json::{Value, json};

/// The update as Meta sends it (no metadata: the display number names the number).
fn quality_update(display: &str, event: &str, limit: &str, time: i64) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "time": time,
        "changes": [{"field": "phone_number_quality_update", "value": {
            "display_phone_number": display, "event": event,
            "current_limit": limit, "max_daily_conversations_per_business": limit}}]}]})
}

/// The quality cell of the number's row on the dashboard.
async fn quality_of(app: &TestApp, phone_number_id: &str) -> String {
    let page = html(app, "/admin", 200).await;
    rows(&page, r#"aria-labelledby="numbers""#)
        .into_iter()
        .find(|r| r[2] == phone_number_id)
        .unwrap_or_else(|| panic!("no row for {phone_number_id}"))[4]
        .clone()
}

#[tokio::test]
async fn a_flagged_number_shows_low_quality_until_meta_says_it_recovered() {
    let app = TestApp::spawn().await;
    signed_in(&app, Role::Compliance).await;
    assert_eq!(
        quality_of(&app, SANDBOX_ID).await,
        "No report from Meta yet"
    );
    let t = now_secs();
    app.webhook(&quality_update("12025550100", "FLAGGED", "TIER_2K", t))
        .await;
    let shown = quality_of(&app, SANDBOX_ID).await;
    assert!(
        shown.starts_with(
            "Low: flagged by Meta; the messaging limit drops if it stays low for 7 days since "
        ),
        "{shown}"
    );
    let page = html(&app, "/admin", 200).await;
    assert!(page.contains(r#"<td class="flagged">Low: flagged by Meta"#));

    // Meta retries out of order: an update older than the one kept is ignored.
    app.webhook(&quality_update(
        "12025550100",
        "UPGRADE",
        "TIER_10K",
        t - 60,
    ))
    .await;
    assert!(
        quality_of(&app, SANDBOX_ID)
            .await
            .starts_with("Low: flagged")
    );

    app.webhook(&quality_update(
        "12025550100",
        "UNFLAGGED",
        "TIER_2K",
        t + 60,
    ))
    .await;
    assert!(
        quality_of(&app, SANDBOX_ID)
            .await
            .starts_with("Recovered: no longer flagged")
    );
    app.webhook(&quality_update(
        "12025550100",
        "UPGRADE",
        "TIER_10K",
        t + 120,
    ))
    .await;
    assert!(
        quality_of(&app, SANDBOX_ID)
            .await
            .starts_with("Good: messaging limit raised to 10,000 people a day")
    );
    // A number that is not ours is acknowledged and changes nothing.
    app.webhook(&quality_update(
        "15550783881",
        "FLAGGED",
        "TIER_50",
        t + 180,
    ))
    .await;
    assert!(quality_of(&app, SANDBOX_ID).await.starts_with("Good"));
    assert_eq!(pending_payloads(&app).await, 0);
}

#[tokio::test]
async fn only_the_named_numbers_app_secret_vouches_for_its_quality() {
    let app = TestApp::spawn().await;
    for (id, display, secret) in [
        ("100000000000002", "+12025550111", "secret-of-two"),
        ("100000000000003", "+12025550112", "secret-of-three"),
    ] {
        app.add_number(assent::numbers::NewNumber {
            provider: ProviderKind::Cloud,
            app_secret: Some(secret.into()),
            ..new_number(id, display)
        })
        .await;
    }
    let payload = bytes(&quality_update(
        "12025550112",
        "FLAGGED",
        "TIER_250",
        now_secs(),
    ));
    let r = app.webhook_signed(&payload, Some("secret-of-two")).await;
    assert_eq!(
        r.status(),
        403,
        "number two's secret does not vouch for number three"
    );
    let r = app.webhook_signed(&payload, Some("secret-of-three")).await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    signed_in(&app, Role::Compliance).await;
    assert!(
        quality_of(&app, "100000000000003")
            .await
            .starts_with("Low: flagged")
    );
    assert_eq!(
        quality_of(&app, "100000000000002").await,
        "No report from Meta yet"
    );
}
