//! The access request: everything Assent holds about a person as one JSON file,
//! the same whether staff download it, the business's systems ask the API or an
//! operator runs `assent contact show`, and audited with who asked each time.

use crate::helpers::chat::e164;
use crate::helpers::people::*;
use crate::helpers::*;
use serde_json::Value;

async fn key_id(app: &TestApp, name: &str) -> String {
    let (id,): (String,) = sqlx::query_as("SELECT id FROM api_keys WHERE name = $1")
        .bind(name)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn the_console_the_api_and_the_command_line_hand_out_the_same_file_each_audited() {
    let app = TestApp::spawn().await;
    let ana = history(&app, 1).await;
    let bob = history(&app, 2).await;
    app.as_compliance().await;
    let phone = e164(&ana.wa_id);

    let console = app
        .console_download(&format!("/admin/contacts/{}/access.json", ana.contact_id))
        .await;
    let (status, api) = app.access_request(&app.api_key, &phone).await;
    assert_eq!(status, 200, "{api}");
    let run = app.operator(&["contact", "show", "--phone", &phone]);
    assert!(run.ok(), "{run}");
    let cli: Value = serde_json::from_str(&run.stdout).expect("the command prints JSON");
    let document = content(console.clone());
    assert_eq!(content(api), document, "the API's file is the console's");
    assert_eq!(
        content(cli),
        document,
        "the command line's file is the console's"
    );

    // What it holds.
    let d = &console;
    assert_eq!(d["format"], "assent-access-v1");
    assert_eq!(d["business_number"]["phone_number_id"], SANDBOX_ID);
    assert_eq!(d["contact"]["id"], ana.contact_id.as_str());
    assert_eq!(d["contact"]["phone"], phone.as_str());
    assert_eq!(d["consents"]["offers"]["state"], "granted");
    assert_eq!(d["consents"]["product_news"]["state"], "withdrawn");
    let events = d["events"].as_array().unwrap();
    assert_eq!(events.len(), 4, "{d}");
    assert_eq!(events[0]["notice"]["text"], ana.notice_text.as_str());
    assert_eq!(events[0]["notice"]["id"], ana.notice_id.as_str());
    assert_eq!(
        events[0]["evidence"]["inbound_message_id"],
        ana.accept_message.as_str()
    );
    assert_eq!(events[3]["action"], "withdrawn");
    assert_eq!(events[3]["evidence"]["ip"], "203.0.113.7");
    assert!(
        events[3]["notice"]["text"].is_null(),
        "known by its hash only"
    );
    let sent = d["messages_sent"].as_array().unwrap();
    let template = sent
        .iter()
        .find(|m| m["template"] == "order_shipped")
        .unwrap_or_else(|| panic!("{d}"));
    assert_eq!(template["message"]["template"]["name"], "order_shipped");
    assert!(
        !template["statuses"].as_array().unwrap().is_empty(),
        "{template}"
    );
    assert_eq!(d["messages_received"].as_array().unwrap().len(), 2);
    // The person's own words, as Meta delivered them.
    let entries = serde_json::to_string(&d["webhook_entries"]).unwrap();
    assert!(entries.contains(&words(1)), "{entries}");
    assert!(!entries.contains(&words(2)), "{entries}");
    assert_eq!(d["blocked_sends"][0]["reason"], "no_consent");
    assert_eq!(d["blocked_sends"][0]["what"], "template:spring_sale:en");
    assert_eq!(d["suppression"], serde_json::json!([]));
    let all = d.to_string();
    assert!(
        !all.contains(&bob.wa_id) && !all.contains(&bob.accept_message),
        "nobody else"
    );

    // Each door audited with its actor; the target is the contact, never a number.
    let audited = audit_of(&app, &format!("contact:{}", ana.contact_id)).await;
    let staff_id: (String,) = sqlx::query_as("SELECT id FROM users WHERE email = $1")
        .bind(COMPLIANCE)
        .fetch_one(&app.raw_db().pool)
        .await
        .unwrap();
    let who: Vec<(String, String, String)> = audited
        .iter()
        .map(|(actor, name, action, _)| (actor.clone(), name.clone(), action.clone()))
        .collect();
    let exported = "contact.access_exported".to_owned();
    assert_eq!(
        who,
        [
            (
                format!("staff:{}", staff_id.0),
                COMPLIANCE.to_owned(),
                exported.clone()
            ),
            (
                format!("api_key:{}", key_id(&app, "tests").await),
                "tests".to_owned(),
                exported.clone()
            ),
            ("system:cli".to_owned(), "command line".to_owned(), exported),
        ]
    );
    for (.., detail) in &audited {
        assert!(!detail.contains(&ana.wa_id[2..]), "{detail}");
    }
}
