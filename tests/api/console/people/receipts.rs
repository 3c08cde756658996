//! A consent receipt per ledger event: Kantara Consent Receipt v1.1 fields
//! (with ISO/IEC 27560's event state) as a JSON download, audited, and as a page
//! to print.

use crate::helpers::chat::e164;
use crate::helpers::people::*;
use crate::helpers::*;
use serde_json::Value;

/// (id, hash, prev_hash, notice_version, notice_sha256, category) of the
/// person's events, oldest first.
async fn events(
    app: &TestApp,
    contact_id: &str,
) -> Vec<(
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
)> {
    sqlx::query_as(
        "SELECT id, hash, prev_hash, notice_version, notice_sha256, category FROM ledger_events \
         WHERE subject_id = $1 ORDER BY seq",
    )
    .bind(contact_id)
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_receipt_names_controller_person_purpose_notice_and_ledger_hash_and_is_audited() {
    let db = TestDb::new().await;
    let mut settings = settings(&db.url);
    settings.jurisdiction = Some("ES".into());
    let app = TestApp::spawn_with(db, settings).await;
    let ana = history(&app, 1).await;
    app.as_compliance().await;
    let events = events(&app, &ana.contact_id).await;
    let (id, hash, prev_hash, version, sha256, category) = &events[0];

    let path = format!("/admin/contacts/{}/receipts/{id}.json", ana.contact_id);
    let receipt = app.console_download(&path).await;
    assert_eq!(receipt["version"], "KI-CR-v1.1.0");
    assert_eq!(receipt["jurisdiction"], "ES");
    assert_eq!(receipt["consentReceiptID"], id.as_str());
    assert!(receipt["consentTimestamp"].as_i64().unwrap() > 1_700_000_000);
    assert!(
        receipt["collectionMethod"]
            .as_str()
            .unwrap()
            .starts_with("WhatsApp chat"),
        "{receipt}"
    );
    assert_eq!(receipt["piiPrincipalId"], e164(&ana.wa_id));
    assert_eq!(
        receipt["piiControllers"][0]["piiController"],
        "+12025550100"
    );
    assert_eq!(receipt["piiControllers"][0]["phone"], "+12025550100");
    assert_eq!(
        receipt["policyUrl"],
        format!("https://assent.example/notices/{}", ana.notice_id)
    );
    let purposes = receipt["services"][0]["purposes"].as_array().unwrap();
    assert_eq!(purposes.len(), 1, "{receipt}");
    assert_eq!(purposes[0]["purposeCategory"][0], category.as_str());
    assert_eq!(purposes[0]["consentType"], "EXPLICIT");
    assert_eq!(receipt["notice"]["version"], version.as_deref().unwrap());
    assert_eq!(receipt["notice"]["sha256"], sha256.as_deref().unwrap());
    assert_eq!(
        receipt["notice"]["sha256"],
        sha256_hex(&ana.notice_text),
        "the hash of the text shown"
    );
    assert_eq!(receipt["consentEvent"]["hash"], hash.as_str());
    assert_eq!(receipt["consentEvent"]["prevHash"], prev_hash.as_str());
    assert_eq!(receipt["consentEvent"]["state"], "given");
    assert_eq!(
        receipt["evidence"]["inbound_message_id"],
        ana.accept_message.as_str()
    );

    // Handing it on is exporting personal data: audited, with who did it.
    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    assert_eq!(audited.len(), 1, "{audited:?}");
    let (actor, name, action, detail) = &audited[0];
    assert!(actor.starts_with("staff:"), "{actor}");
    assert_eq!(name, COMPLIANCE);
    assert_eq!(action, "contact.receipt_exported");
    assert!(
        !detail.contains(&ana.wa_id[2..]),
        "no number in the audit log: {detail}"
    );

    // The withdrawal's receipt: withdrawn, the API as its method.
    let (withdrawal, ..) = &events[3];
    let path = format!(
        "/admin/contacts/{}/receipts/{withdrawal}.json",
        ana.contact_id
    );
    let receipt = app.console_download(&path).await;
    assert_eq!(receipt["consentEvent"]["state"], "withdrawn");
    assert_eq!(receipt["consentEvent"]["action"], "withdrawn");
    assert!(
        receipt.get("policyUrl").is_none(),
        "no page for a text known by hash"
    );
    assert_eq!(receipt["notice"]["version"], "v1");
    assert_eq!(receipt["evidence"]["ip"], "203.0.113.7");
}

#[tokio::test]
async fn the_printable_receipt_shows_the_same_and_carries_no_script() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    app.as_compliance().await;
    let events = events(&app, &ana.contact_id).await;
    let (id, hash, ..) = &events[0];
    let base = format!("/admin/contacts/{}/receipts/{id}", ana.contact_id);
    let receipt: Value = app.console_download(&format!("{base}.json")).await;
    assert!(receipt.get("jurisdiction").is_none(), "none configured");

    let r = app.page(&base).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers().get("content-disposition").is_none());
    let html = r.text().await.unwrap();
    assert!(
        html.contains("<h1 id=\"receipt\">Consent receipt</h1>"),
        "{html}"
    );
    for shown in [
        id.as_str(),
        hash.as_str(),
        &e164(&ana.wa_id),
        "+12025550100",
        "<dd>given <span class=\"meta\">(ISO/IEC TS 27560 state)",
        "version chat-1",
        &ana.accept_message,
        &format!("https://assent.example/notices/{}", ana.notice_id),
        "KI-CR-v1.1.0",
        "reply STOP",
    ] {
        assert!(html.contains(shown), "{shown}: {html}");
    }
    assert!(html.contains(&format!(r#"href="{base}.json""#)));
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "{html}"
    );
    // The print stylesheet leaves the console's menus out.
    let css_href = html
        .split(r#"rel="stylesheet" href=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    let (status, css) = app.get_text(&css_href, None).await;
    assert_eq!(status, 200);
    let print = &css[css.find("@media print").expect("a print stylesheet")..];
    assert!(
        print.contains("header.console") && print.contains(".no-print"),
        "{print}"
    );
    // A page view is not an export.
    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    assert_eq!(audited.len(), 1, "only the JSON download: {audited:?}");
}

#[tokio::test]
async fn an_event_of_another_person_has_no_receipt_here() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let bob = history(&app, 2).await;
    app.as_compliance().await;
    let (bobs_event, ..) = events(&app, &bob.contact_id).await.remove(0);
    for suffix in ["", ".json"] {
        let path = format!(
            "/admin/contacts/{}/receipts/{bobs_event}{suffix}",
            ana.contact_id
        );
        assert_eq!(app.page(&path).await.status(), 404, "{path}");
    }
}
