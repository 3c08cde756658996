//! The business's contact card after an opt-in: a number set to send it (`assent
//! number add --contact-card`, or the setting on the sandbox number) follows the
//! accepted reply with a `contacts` message carrying its own number and name, so the
//! person can save it; a number without the setting sends none.

use crate::helpers::chat::*;
use crate::helpers::*;
use serde_json::Value;

const CARD_ID: &str = "555000300";
const CARD_SECRET: &str = "card-number-app-secret";

fn cards(sent: &[Value]) -> Vec<&Value> {
    sent.iter().filter(|m| m["type"] == "contacts").collect()
}

/// The one contact of a `contacts` message: (wa_id of its first phone, formatted name).
fn card_of(message: &Value) -> (String, String) {
    let contacts = message["contacts"].as_array().expect("a contacts list");
    assert_eq!(contacts.len(), 1, "{message}");
    let contact = &contacts[0];
    (
        contact["phones"][0]["wa_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
        contact["name"]["formatted_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn a_number_added_with_contact_card_sends_it_after_the_terms_are_accepted() {
    let app = TestApp::spawn().await;
    cli_ok(
        &app.db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            CARD_ID,
            "--display-number",
            "+34 911 234 571",
            "--provider",
            "sandbox",
            "--app-secret",
            CARD_SECRET,
            "--business-name",
            "Acme Shoes",
            "--contact-card",
        ],
        None,
    );
    let lea = person(70);
    text_to(&app, CARD_ID, CARD_SECRET, &lea, "Hi").await;
    let sent = app.sent_to(&lea).await;
    assert!(
        cards(&sent).is_empty(),
        "no card before accepting: {sent:#?}"
    );
    assert_eq!(terms_messages(&sent).len(), 1, "{sent:#?}");

    let payload = for_number(
        inbound_button_reply(&lea, &wamid(), "assent_terms_accept"),
        CARD_ID,
    );
    app.webhook_with_secret(&payload, CARD_SECRET).await;
    let sent = app.sent_to(&lea).await;
    let found = cards(&sent);
    assert_eq!(found.len(), 1, "one card: {sent:#?}");
    assert_eq!(
        card_of(found[0]),
        ("34911234571".to_owned(), "Acme Shoes".to_owned())
    );
    // It follows the accepted reply.
    let accepted = sent
        .iter()
        .position(|m| m["type"] == "text" && said(m).starts_with("Thank you! Acme Shoes"))
        .unwrap_or_else(|| panic!("the accepted reply: {sent:#?}"));
    let card = sent.iter().position(|m| m["type"] == "contacts").unwrap();
    assert!(card > accepted, "{sent:#?}");

    // The sandbox number, without the setting, sends none.
    let max = person(71);
    accepted_people(&app, &[(max.clone(), None)]).await;
    let sent = app.sent_to(&max).await;
    assert!(cards(&sent).is_empty(), "{sent:#?}");
}

#[tokio::test]
async fn the_sandbox_number_set_to_send_its_card_sends_it_once_per_opt_in() {
    let app = TestApp::spawn().await;
    exec(
        &app,
        "UPDATE business_numbers SET contact_card = 1 WHERE phone_number_id = '100000000000001'",
    )
    .await;
    let noa = person(72);
    text(&app, &noa, "Hi").await;
    let terms = said(terms_messages(&app.sent_to(&noa).await)[0]);
    // How the terms name the business: "Hi, this is {business}. Before …".
    let business = terms
        .strip_prefix("Hi, this is ")
        .and_then(|t| t.split(". Before").next())
        .unwrap_or_else(|| panic!("{terms}"))
        .to_owned();
    press(&app, &noa, "assent_terms_accept").await;
    let sent = app.sent_to(&noa).await;
    let found = cards(&sent);
    assert_eq!(found.len(), 1, "{sent:#?}");
    assert_eq!(card_of(found[0]), ("12025550100".to_owned(), business));

    // Keywords afterwards do not send it again.
    text(&app, &noa, "STOP").await;
    text(&app, &noa, "START").await;
    text(&app, &noa, "HELP").await;
    assert_eq!(cards(&app.sent_to(&noa).await).len(), 1);
}
