//! Each number's own Meta app: a payload must be signed with the secret of every
//! number it names, and a number without a secret takes nobody else's.

use crate::helpers::*;
use serde_json::json;

const SECOND_ID: &str = "400000000000004";
const SECOND_SECRET: &str = "second-number-app-secret";
const SECOND_VERIFY_TOKEN: &str = "second-number-verify-token";

/// A second number with its own Meta app (own app secret and verify token).
async fn second_number_with_its_own_app(app: &TestApp) {
    app.add_number(assent::numbers::NewNumber {
        app_secret: Some(SECOND_SECRET.into()),
        verify_token: Some(SECOND_VERIFY_TOKEN.into()),
        ..new_number(SECOND_ID, "+34911234568")
    })
    .await;
}

#[tokio::test]
async fn a_payload_must_be_signed_with_the_secret_of_the_number_it_names() {
    let app = TestApp::spawn().await;
    second_number_with_its_own_app(&app).await;
    let wa = "34612345630";
    let mut payload = inbound_text(wa, "wamid.second1", "Hola");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "34911234568", "phone_number_id": SECOND_ID});
    let body = bytes(&payload);

    // Another of our numbers' secret is not this number's.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("contacts").await, 0);

    let r = app.webhook_signed(&body, Some(SECOND_SECRET)).await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    let (number,): (String,) = sqlx::query_as(
        "SELECT b.phone_number_id FROM inbound_messages i JOIN business_numbers b ON b.id = i.business_number_id WHERE i.id = $1",
    )
    .bind("wamid.second1")
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(number, SECOND_ID, "routed by metadata.phone_number_id");

    // Each number's verify token passes the handshake.
    let (status, body) = app
        .handshake(&[
            ("hub.mode", "subscribe"),
            ("hub.challenge", "777"),
            ("hub.verify_token", SECOND_VERIFY_TOKEN),
        ])
        .await;
    assert_eq!((status, body.as_str()), (200, "777"));
}

#[tokio::test]
async fn a_number_without_an_app_secret_does_not_accept_another_numbers_signature() {
    // The sandbox's app secret is public (README, source). A production number added
    // without --app-secret must not take payloads signed with it: that would let anyone
    // forge a STOP, a user_preferences stop or a user_changed_number for its people.
    let app = TestApp::spawn().await;
    app.add_number(new_number(SECOND_ID, "+34911234568")).await;
    let mut payload = inbound_text("34612345633", "wamid.nosecret1", "STOP");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "34911234568", "phone_number_id": SECOND_ID});
    let r = app
        .webhook_signed(&bytes(&payload), Some(SANDBOX_APP_SECRET))
        .await;
    let status = r.status().as_u16();
    app.settle().await;
    assert_eq!(
        app.count("inbound_messages").await,
        0,
        "a forged message was processed"
    );
    assert_eq!(
        status, 403,
        "signed with another number's (public) app secret"
    );
}

#[tokio::test]
async fn a_payload_naming_no_number_of_ours_needs_a_valid_signature_too() {
    let app = TestApp::spawn().await;
    let mut payload = inbound_text("34612345631", "wamid.nobody1", "Hello");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "15550783881", "phone_number_id": "106540352242922"});
    let r = app
        .webhook_signed(&bytes(&payload), Some("an-attackers-secret"))
        .await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("webhook_payloads").await, 0);
}

#[tokio::test]
async fn a_payload_naming_two_numbers_must_verify_with_each_ones_secret() {
    let app = TestApp::spawn().await;
    second_number_with_its_own_app(&app).await;
    let wa = "34612345640";
    // One change for the sandbox, one for the second number: the sandbox's secret
    // alone must not vouch for the second number's change.
    let mut payload = inbound_text(wa, "wamid.two1", "STOP");
    let mut other = payload["entry"][0]["changes"][0].clone();
    other["value"]["metadata"]["phone_number_id"] = json!(SECOND_ID);
    other["value"]["messages"][0]["id"] = json!("wamid.two2");
    payload["entry"][0]["changes"]
        .as_array_mut()
        .unwrap()
        .push(other);
    let body = bytes(&payload);
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);
    let r = app.webhook_signed(&body, Some(SECOND_SECRET)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
}

#[tokio::test]
async fn a_secret_changed_by_another_instance_is_honoured_at_once() {
    let app = TestApp::spawn().await;
    second_number_with_its_own_app(&app).await;
    let mut payload = inbound_text("34612345631", "wamid.second2", "Hola");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "34911234568", "phone_number_id": SECOND_ID});
    let body = bytes(&payload);
    // A first POST: the numbers as this instance last read them.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);

    // Another instance (here: straight in the database) gives the number a new secret.
    sqlx::query("UPDATE business_numbers SET app_secret = $1 WHERE phone_number_id = $2")
        .bind("the-new-secret")
        .bind(SECOND_ID)
        .execute(&app.raw_db().pool)
        .await
        .unwrap();
    let r = app.webhook_signed(&body, Some("the-new-secret")).await;
    assert_eq!(
        r.status(),
        200,
        "a payload signed with the new secret is taken"
    );
    app.settle().await;
    assert_eq!(app.count("inbound_messages").await, 1);
}

#[tokio::test]
async fn a_number_added_by_another_instance_takes_no_other_numbers_secret_meanwhile() {
    let app = TestApp::spawn().await;
    // A first POST: only the sandbox number is known to this instance.
    let r = app
        .webhook_signed(
            &bytes(&inbound_text("34612345632", "wamid.s1", "Hola")),
            Some(SANDBOX_APP_SECRET),
        )
        .await;
    assert_eq!(r.status(), 200);

    // Another instance (here: straight in the database) adds a real number with its own app.
    sqlx::query(
        "INSERT INTO business_numbers (id, phone_number_id, display_number, provider, api_version, app_secret, \
         rate_per_second, rate_burst, created_at) VALUES ('n-elsewhere', $1, '+34911234568', 'cloud', 'v23.0', $2, 80, 80, 1)",
    )
    .bind(SECOND_ID)
    .bind(SECOND_SECRET)
    .execute(&app.raw_db().pool)
    .await
    .unwrap();
    let mut payload = inbound_text("34612345633", "wamid.second3", "Hola");
    payload["entry"][0]["changes"][0]["value"]["metadata"] =
        json!({"display_phone_number": "34911234568", "phone_number_id": SECOND_ID});
    let body = bytes(&payload);
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(
        r.status(),
        403,
        "the published sandbox secret vouches for no real number"
    );
    let r = app.webhook_signed(&body, Some(SECOND_SECRET)).await;
    assert_eq!(r.status(), 200);
}
