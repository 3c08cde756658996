//! X-Hub-Signature-256 on Meta's POSTs (SPEC §8, §13): missing, forged, altered or
//! replayed bodies, bodies that are not JSON, and the sandbox's public secret.

use crate::helpers::chat::*;
use crate::helpers::*;

#[tokio::test]
async fn a_webhook_without_signature_is_refused_with_401_and_not_stored() {
    let app = TestApp::spawn().await;
    let wa = "34612345610";
    let body = bytes(&inbound_text(
        wa,
        "wamid.HBgLMzQ2MTIzNDU2MTAVAgASGBQ1",
        "Hola",
    ));
    let (status, answer) = app.webhook_raw(&body, None).await;
    assert_eq!(status, 401, "{answer}");
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
    assert_eq!(app.count("contacts").await, 0);
    assert!(app.sent_to(wa).await.is_empty());

    // The same bytes, signed, are taken: the refusal was about the signature.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "EVENT_RECEIVED");
    app.settle().await;
    assert_eq!(
        inbound_ids(&app).await,
        ["wamid.HBgLMzQ2MTIzNDU2MTAVAgASGBQ1"]
    );
}

#[tokio::test]
async fn a_forged_signature_is_refused_with_403_and_nothing_is_stored_or_processed() {
    let app = TestApp::spawn().await;
    let wa = "34612345611";
    let body = bytes(&inbound_text(wa, "wamid.forged1", "STOP"));

    // Signed with a secret that is not the number's.
    let r = app
        .webhook_signed(&body, Some("some-other-app-secret"))
        .await;
    assert_eq!(r.status(), 403);

    // Signed correctly, then altered in transit (another person, another text).
    let signature = assent::signature::sign(SANDBOX_APP_SECRET, &body);
    let altered = bytes(&inbound_text("34612345612", "wamid.forged2", "STOP"));
    let (status, _) = app.webhook_raw(&altered, Some(signature.clone())).await;
    assert_eq!(status, 403);
    // One byte changed (trailing whitespace is still valid JSON).
    let mut padded = body.clone();
    padded.push(b' ');
    let (status, _) = app.webhook_raw(&padded, Some(signature.clone())).await;
    assert_eq!(status, 403);

    // Not a well-formed signature at all.
    let (status, _) = app.webhook_raw(&body, Some("sha256=zzzz".into())).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .webhook_raw(&body, Some(signature.trim_start_matches("sha256=").into()))
        .await;
    assert_ne!(
        status, 200,
        "a bare hex digest without sha256= is not Meta's format"
    );

    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 0);
    assert_eq!(app.count("inbound_messages").await, 0);
    assert_eq!(app.count("contacts").await, 0);
    assert_eq!(app.count("messages").await, 0);

    // The untouched original with its signature goes through.
    let (status, _) = app.webhook_raw(&body, Some(signature)).await;
    assert_eq!(status, 200);
    app.settle().await;
    assert_eq!(inbound_ids(&app).await, ["wamid.forged1"]);
    assert_eq!(contacts(&app).await, [(Some(wa.to_owned()), None)]);
}

#[tokio::test]
async fn a_replay_of_the_exact_signed_bytes_is_acknowledged_but_has_one_effect() {
    let app = TestApp::spawn().await;
    let wa = "34612345613";
    let body = bytes(&inbound_text(wa, "wamid.replay1", "Hi, I saw your ad"));
    for _ in 0..3 {
        let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
        assert_eq!(r.status(), 200, "Meta's retries must be acknowledged");
    }
    app.settle().await;
    // And once more after the first was processed.
    let r = app.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 200);
    app.settle().await;

    assert_eq!(inbound_ids(&app).await, ["wamid.replay1"]);
    assert_eq!(app.count("contacts").await, 1);
    assert!(app.count("webhook_payloads").await <= 1);
    let sent = app.sent_to(wa).await;
    assert_eq!(sent.len(), 1, "one terms message: {sent:?}");
    assert!(is_terms(&sent[0]), "{}", sent[0]);
}

#[tokio::test]
async fn a_signed_body_that_is_not_json_is_refused_with_400() {
    let app = TestApp::spawn().await;
    for body in [
        &b"this is not json"[..],
        b"{\"object\":\"whatsapp_business_account\",",
        b"",
    ] {
        let r = app.webhook_signed(body, Some(SANDBOX_APP_SECRET)).await;
        assert_eq!(r.status(), 400, "body {:?}", String::from_utf8_lossy(body));
    }
    assert_eq!(app.count("webhook_payloads").await, 0);
}

#[tokio::test]
async fn the_public_sandbox_secret_signs_nothing_for_an_install_with_real_numbers() {
    let app = TestApp::spawn().await;
    app.add_number(assent::numbers::NewNumber {
        provider: assent::numbers::ProviderKind::Cloud,
        api_base_url: Some("http://127.0.0.1:9".into()),
        access_token: Some("token".into()),
        app_secret: Some("the-real-apps-secret".into()),
        ..new_number("400000000000004", "+34911234569")
    })
    .await;
    let update = bytes(&template_status_update());
    let r = app.webhook_signed(&update, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(
        r.status(),
        403,
        "the sandbox's published secret must not vouch for a real install"
    );
    assert_eq!(app.count("webhook_payloads").await, 0);
    let r = app
        .webhook_signed(&update, Some("the-real-apps-secret"))
        .await;
    assert_eq!(r.status(), 200);
    app.settle().await;
    assert_eq!(app.count("webhook_payloads").await, 1);
    // Nor for the sandbox number itself, whose messages anyone could forge.
    let forged = bytes(&inbound_text("34612345641", "wamid.forged1", "STOP"));
    let r = app.webhook_signed(&forged, Some(SANDBOX_APP_SECRET)).await;
    assert_eq!(r.status(), 403);
    assert_eq!(app.count("inbound_messages").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn payloads_posted_at_the_same_moment_are_each_stored_once_replays_among_them_too() {
    let app = TestApp::spawn().await;
    let distinct: Vec<Vec<u8>> = (0..30)
        .map(|i| bytes(&inbound_text(&person(i), &wamid(), "Hi")))
        .collect();
    // Every payload, and three replays of the first five, all at once.
    let posts: Vec<&Vec<u8>> = distinct
        .iter()
        .chain(distinct[..5].iter().cycle().take(15))
        .collect();
    let answers = futures_util::future::join_all(
        posts
            .iter()
            .map(|b| app.webhook_signed(b, Some(SANDBOX_APP_SECRET))),
    )
    .await;
    assert!(answers.iter().all(|r| r.status() == 200));
    let stored: Vec<(String,)> = sqlx::query_as("SELECT body FROM webhook_payloads")
        .fetch_all(&app.raw_db().pool)
        .await
        .unwrap();
    let mut stored: Vec<Vec<u8>> = stored.into_iter().map(|(b,)| b.into_bytes()).collect();
    stored.sort();
    let mut expected = distinct.clone();
    expected.sort();
    assert_eq!(stored, expected, "each payload once");

    // Stored together, the first of identical bytes is new, and what was stored
    // before is not.
    let [a, b, c] = ["{\"a\":1}", "{\"b\":2}", "{\"c\":3}"].map(str::to_owned);
    let raw = app.raw_db();
    let first = assent::inbound::store::store_all(raw, vec![a.clone(), b.clone(), a.clone()])
        .await
        .unwrap();
    assert_eq!(first, [true, true, false]);
    let again = assent::inbound::store::store_all(raw, vec![b, c])
        .await
        .unwrap();
    assert_eq!(again, [false, true]);
}
