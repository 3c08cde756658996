use crate::helpers::chat::e164;
use crate::helpers::*;
use assent::users::Role;
use serde_json::json;
use std::collections::BTreeMap;

const PERSON: &str = "+34 699 000 111";
const WA_ID: &str = "34699000111";

/// The tap forms of a phone page: each button's hidden fields, by label.
fn taps(html: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut found = BTreeMap::new();
    for form in html.split("<form").skip(1) {
        let form = &form[..form.find("</form>").unwrap_or(form.len())];
        if !form.contains("/tap\"") {
            continue;
        }
        let mut fields = BTreeMap::new();
        for input in form.split("<input").skip(1) {
            let attr = |name: &str| {
                let start = input.find(&format!("{name}=\""))? + name.len() + 2;
                Some(input[start..start + input[start..].find('"')?].to_owned())
            };
            if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
                fields.insert(n, v);
            }
        }
        found.insert(fields["label"].clone(), fields);
    }
    found
}

/// Taps the button with this label on the person's phone.
async fn tap(app: &TestApp, phone: &str, label: &str) -> reqwest::Response {
    let html = app.console_page(phone).await;
    let all = taps(&html);
    let fields = all
        .get(label)
        .unwrap_or_else(|| panic!("no {label:?} button on the phone: {all:?}"));
    let token = csrf_token(&html);
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token)];
    form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    app.post_form(&format!("{phone}/tap"), &form).await
}

async fn write(app: &TestApp, phone: &str, text: &str) -> reqwest::Response {
    let token = app.form_token(phone).await;
    app.post_form(
        &format!("{phone}/write"),
        &[("csrf_token", &token), ("text", text)],
    )
    .await
}

/// A new pretend person, scanning `scan` on the way; returns their phone's path.
async fn new_person(app: &TestApp, scan: &str) -> String {
    let token = app.form_token("/sandbox").await;
    let r = app
        .post_form(
            "/sandbox/people",
            &[("csrf_token", &token), ("phone", PERSON), ("scan", scan)],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    to.split(['?', '#']).next().unwrap().to_owned()
}

async fn statuses_of(app: &TestApp, wa_id: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT s.status FROM message_statuses s JOIN messages m ON m.id = s.message_id \
         JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1 ORDER BY s.at, s.status",
    )
    .bind(wa_id)
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap();
    // Reported within one millisecond, they are compared as a set.
    let mut all: Vec<String> = rows.into_iter().map(|(s,)| s).collect();
    all.sort();
    all
}

#[tokio::test]
async fn a_marketer_plays_a_person_who_scans_accepts_the_terms_and_stops() {
    let app = TestApp::spawn().await;
    let (status, ep) = app
        .new_entry_point(&json!({"code": "SPRING", "name": "Spring flyer",
            "categories": ["offers"], "prefilled_text": "Hi! Send me the offers SPRING", "language": "en"}))
        .await;
    assert_eq!(status, 201, "{ep}");
    app.register_template("spring_sale", "MARKETING", "offers")
        .await;
    app.signed_in_as("mia@acme.example", Role::Marketer).await;

    // The entry point's page leads to the simulator, which will scan it.
    let html = app.console_page("/admin/entry-points/SPRING").await;
    assert!(
        html.contains("id=\"try-it\" href=\"/sandbox?scan=SPRING\""),
        "{html}"
    );
    let html = app.console_page("/sandbox?scan=SPRING").await;
    assert!(html.contains("name=\"scan\" value=\"SPRING\""), "{html}");

    // Scanning counts the visit and opens the chat with the text typed in.
    let token = app.form_token("/sandbox").await;
    let r = app
        .post_form(
            "/sandbox/people",
            &[
                ("csrf_token", &token),
                ("phone", PERSON),
                ("scan", "SPRING"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let to = location(&r);
    assert!(to.ends_with("?draft=SPRING#text"), "{to}");
    let phone = to.split(['?', '#']).next().unwrap().to_owned();
    let (_, ep) = app
        .get_json("/api/v1/entry-points/SPRING", Some(&app.api_key))
        .await;
    assert_eq!(ep["stats"]["visits"], 1, "{ep}");
    let html = app.console_page(to.trim_end_matches("#text")).await;
    assert!(
        html.contains(">Hi! Send me the offers SPRING</textarea>"),
        "{html}"
    );
    assert!(
        !html.contains("/admin/contacts/"),
        "a marketer is not offered the person's record"
    );
    assert!(html.contains("Scanned SPRING"));

    let r = write(&app, &phone, "Hi! Send me the offers SPRING").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), format!("{phone}#text"), "to the message box");
    app.settle().await;

    // The consent bot answered with the terms and two buttons; the person's own
    // words are on their phone too.
    let html = app.console_page(&phone).await;
    assert!(html.contains("Hi! Send me the offers SPRING</p>"), "{html}");
    let buttons = taps(&html);
    assert_eq!(
        buttons.keys().collect::<Vec<_>>(),
        ["Accept", "Decline"],
        "{html}"
    );
    assert_eq!(buttons["Accept"]["id"], "assent_terms_accept");
    assert!(buttons["Accept"]["context"].starts_with("wamid.sandbox."));
    assert!(!app.sent_to(WA_ID).await.is_empty());

    let r = tap(&app, &phone, "Accept").await;
    assert_eq!(r.status(), 303);
    app.settle().await;
    let consents = app.consents(&e164(WA_ID)).await;
    assert_eq!(chat::state_of(&consents, "offers"), "granted", "{consents}");
    let html = app.console_page(&phone).await;
    assert!(
        html.contains("Accept</p>"),
        "the tap shows as the person's answer"
    );

    // A template goes out through the API.
    let (status, sent) = app.send(&template_body(WA_ID, "spring_sale")).await;
    assert_eq!(status, 200, "{sent}");
    app.settle().await;
    let html = app.console_page(&phone).await;
    assert!(html.contains("spring_sale (en)"), "{html}");
    assert!(
        taps(&html).contains_key("Stop promotions"),
        "a marketing template carries WhatsApp's own button"
    );

    // STOP, typed on the phone: the next send is refused.
    assert_eq!(write(&app, &phone, "STOP").await.status(), 303);
    app.settle().await;
    let consents = app.consents(&e164(WA_ID)).await;
    assert_eq!(chat::state_of(&consents, "offers"), "withdrawn");
    let (status, refused) = app.send(&template_body(WA_ID, "spring_sale")).await;
    assert_eq!(status.as_u16(), 400, "{refused}");
}

#[tokio::test]
async fn opening_the_phone_reads_what_was_delivered_through_the_webhook() {
    let app = TestApp::spawn().await;
    app.signed_in_as("ana@acme.example", Role::Compliance).await;
    let phone = new_person(&app, "").await;
    assert_eq!(write(&app, &phone, "Hello").await.status(), 303);
    app.settle().await;
    assert_eq!(statuses_of(&app, WA_ID).await, ["delivered", "sent"]);
    let html = app.console_page(&phone).await;
    assert!(html.contains("Status: delivered"), "{html}");
    // The read status went in as Meta's webhook: a signed payload was stored.
    let (stored,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM webhook_payloads WHERE body LIKE '%\"status\":\"read\"%'",
    )
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!(stored, 1);
    assert!(html.contains("http-equiv=\"refresh\""), "it looks again");
    app.settle().await;
    assert_eq!(
        statuses_of(&app, WA_ID).await,
        ["delivered", "read", "sent"]
    );
    let html = app.console_page(&phone).await;
    assert!(html.contains("Status: read"), "{html}");
    assert!(
        !html.contains("http-equiv=\"refresh\""),
        "nothing in flight"
    );
}

#[tokio::test]
async fn declining_takes_the_persons_words_off_their_phone_too() {
    let app = TestApp::spawn().await;
    app.signed_in_as("ana@acme.example", Role::Admin).await;
    let phone = new_person(&app, "").await;
    write(&app, &phone, "my secret words").await;
    app.settle().await;
    let html = app.console_page(&phone).await;
    assert!(html.contains("my secret words"));
    assert!(html.contains(&format!("/admin/contacts/{}", &phone["/sandbox/".len()..])));
    assert_eq!(tap(&app, &phone, "Decline").await.status(), 303);
    app.settle().await;
    // The contact is gone with everything it said.
    let r = app.page(&phone).await;
    assert_eq!(r.status(), 404);
    assert!(!r.text().await.unwrap().contains("my secret words"));
}

#[tokio::test]
async fn a_bad_phone_number_or_an_empty_message_comes_back_with_what_was_typed() {
    let app = TestApp::spawn().await;
    app.signed_in_as("mia@acme.example", Role::Marketer).await;
    let token = app.form_token("/sandbox").await;
    let contacts = app.count("contacts").await;
    let r = app
        .post_form(
            "/sandbox/people",
            &[("csrf_token", &token), ("phone", "612 abc")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"612 abc\""), "{html}");
    assert!(html.contains("id=\"phone-error\""), "{html}");
    assert_eq!(app.count("contacts").await, contacts, "nobody made");

    let phone = new_person(&app, "").await;
    let payloads = app.count("webhook_payloads").await;
    let r = write(&app, &phone, "   ").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Type a message first."));
    let long = "x".repeat(4097);
    let r = write(&app, &phone, &long).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("at most 4096 characters"));
    assert!(
        html.contains(&format!(">{long}</textarea>")),
        "kept as typed"
    );
    assert_eq!(
        app.count("webhook_payloads").await,
        payloads,
        "nothing sent"
    );

    // A tap without its button, or one of an unknown kind, sends nothing.
    let token = app.form_token(&phone).await;
    let r = app
        .post_form(
            &format!("{phone}/tap"),
            &[
                ("csrf_token", &token),
                ("kind", "swipe"),
                ("id", "a"),
                ("label", "b"),
                ("context", "c"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    assert_eq!(app.count("webhook_payloads").await, payloads);
}

#[tokio::test]
async fn only_sandbox_people_have_a_phone_here() {
    let app = TestApp::spawn().await;
    app.signed_in_as("mia@acme.example", Role::Marketer).await;
    let r = app.page("/sandbox/no-such-person").await;
    assert_eq!(r.status(), 404);
    // A person of a real (cloud) number is not the simulator's; and once the
    // install has a real number, the sandbox's published secret opens nothing.
    let number = app
        .add_number(assent::numbers::NewNumber {
            provider: assent::numbers::ProviderKind::Cloud,
            access_token: Some("t0ken".into()),
            app_secret: Some("cloud-app-secret".into()),
            ..new_number("200000000000002", "+12025550111")
        })
        .await
        .id;
    let real = {
        let mut w = app.raw_db().write().await.unwrap();
        let c = assent::contacts::get_or_create(
            &mut w,
            &number,
            &assent::domain::Recipient::Phone(
                assent::domain::PhoneNumber::parse("+34699000222").unwrap(),
            ),
        )
        .await
        .unwrap();
        w.commit().await.unwrap();
        c.id
    };
    assert_eq!(app.page(&format!("/sandbox/{real}")).await.status(), 404);
    let html = app.console_page("/sandbox").await;
    assert!(html.contains("also has a real WhatsApp number"), "{html}");
    let phone = new_person(&app, "").await;
    let payloads = app.count("webhook_payloads").await;
    let r = write(&app, &phone, "Hello").await;
    assert_eq!(r.status(), 422, "the phone says why instead");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("also has a real WhatsApp number")
    );
    assert_eq!(
        app.count("webhook_payloads").await,
        payloads,
        "nothing stored"
    );
}

#[tokio::test]
async fn the_simulators_forms_refuse_a_missing_or_forged_token_and_send_nothing() {
    let app = TestApp::spawn().await;
    app.entry_point("SPRING", &["offers"], "en").await;
    app.signed_in_as("mia@acme.example", Role::Marketer).await;
    let phone = new_person(&app, "").await;
    let before = (
        app.count("contacts").await,
        app.count("webhook_payloads").await,
    );
    let stranger = app.visitor().form_token("/login").await;
    let forms: [(String, Vec<(&str, &str)>); 4] = [
        ("/sandbox/people".into(), vec![("phone", "+34699000999")]),
        (format!("{phone}/write"), vec![("text", "Hello")]),
        (
            format!("{phone}/tap"),
            vec![
                ("kind", "reply"),
                ("id", "assent_terms_accept"),
                ("label", "Accept"),
                ("context", "wamid.x"),
            ],
        ),
        (format!("{phone}/scan"), vec![("code", "SPRING")]),
    ];
    for (path, fields) in &forms {
        for token in [None, Some("forged"), Some(stranger.as_str())] {
            let mut sent: Vec<(&str, &str)> =
                token.map(|t| ("csrf_token", t)).into_iter().collect();
            sent.extend(fields.iter().copied());
            let r = app.post_form(path, &sent).await;
            assert_eq!(r.status(), 403, "{path} with {token:?}");
        }
    }
    assert_eq!(
        (
            app.count("contacts").await,
            app.count("webhook_payloads").await
        ),
        before
    );
    let (_, ep) = app
        .get_json("/api/v1/entry-points/SPRING", Some(&app.api_key))
        .await;
    assert_eq!(ep["stats"]["visits"], 0, "no scan counted");
}
