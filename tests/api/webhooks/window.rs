//! The 24 h customer service window opens when the person writes, counted from when
//! they wrote, not from when Meta delivered it.

use crate::helpers::*;

#[tokio::test]
async fn an_inbound_webhook_opens_the_customer_service_window() {
    let app = TestApp::spawn().await;
    let wa = "34612345618";
    let phone = format!("+{wa}");
    let reply = text_body(&phone, "Your order #4411 ships tomorrow.");

    let (status, body) = app.send(&reply).await;
    assert_eq!((status.as_u16(), code(&body)), (400, 131047), "{body}");

    assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
    let (status, body) = app.send(&reply).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 131047),
        "consent alone does not open the window"
    );

    app.webhook(&inbound_text(wa, "wamid.window1", "Where is my order?"))
        .await;
    assert_eq!(
        inbound_row(&app, "wamid.window1").await,
        Some(("text".into(), "released".into())),
        "an accepted person's message goes to the business"
    );
    assert!(
        app.sent_to(wa).await.is_empty(),
        "no terms for someone with consent history"
    );
    let (status, body) = app.send(&reply).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["contacts"][0]["wa_id"], wa);
}

#[tokio::test]
async fn an_old_message_timestamp_does_not_open_the_window() {
    let app = TestApp::spawn().await;
    let wa = "34612345619";
    let phone = format!("+{wa}");
    assert_eq!(app.consent(&phone, "order_updates", "grant").await.0, 201);
    // Delivered late (Meta retries for up to 7 days): written 2 days ago.
    let late = with_timestamp(
        inbound_text(wa, "wamid.late1", "Are you open on Sunday?"),
        now_secs() - 2 * 24 * 60 * 60,
    );
    app.webhook(&late).await;
    assert!(inbound_row(&app, "wamid.late1").await.is_some());
    let (status, body) = app.send(&text_body(&phone, "Yes, 10 to 14.")).await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, 131047),
        "the window counts from when the person wrote: {body}"
    );
}
