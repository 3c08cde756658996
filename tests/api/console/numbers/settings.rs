//! `/admin/numbers`: adding a number and changing its settings through the
//! console, with the rules of `assent number add`; secrets are write-only; the
//! connection test; the HELP text and the "not live yet" answer in the chat.

use super::*;
use crate::helpers::chat::{self, accepted_people, last_reply, person};
use crate::helpers::graph::{
    CLOUD_APP_SECRET, CLOUD_ID, META_DISPLAY_NUMBER, ONPREM_ID, ONPREM_KEY, StandIn, TOKEN,
    VERIFIED_NAME, WABA_ID,
};

const VERIFY_TOKEN: &str = "cloud-verify-token-xyz";

fn cloud_fields(base_url: &str) -> Vec<(&str, &str)> {
    vec![
        ("provider", "cloud"),
        ("phone_number_id", CLOUD_ID),
        ("display_number", "+34 911 23 45 67"),
        ("api_base_url", base_url),
        ("api_version", "v23.0"),
        ("waba_id", WABA_ID),
        ("api_key_header", ""),
        ("access_token", TOKEN),
        ("app_secret", CLOUD_APP_SECRET),
        ("verify_token", VERIFY_TOKEN),
        ("rate_per_second", ""),
        ("rate_burst", ""),
        ("messaging_limit", "1000"),
        ("business_name", "Acme Shop"),
        ("default_categories", "offers"),
        ("default_categories", "order_updates"),
        ("contact_card", "on"),
        ("help_text", ""),
        ("not_live_reply", ""),
    ]
}

/// The secrets must appear nowhere in the page.
fn holds_no_secret(html: &str, page: &str) {
    for secret in [
        TOKEN,
        CLOUD_APP_SECRET,
        VERIFY_TOKEN,
        ONPREM_KEY,
        "a-new-token-typed-now",
    ] {
        assert!(!html.contains(secret), "{page} shows a secret {secret:?}");
    }
}

/// (access token, app secret, verify token) as stored.
async fn secrets(app: &TestApp, id: &str) -> (Option<String>, Option<String>, Option<String>) {
    sqlx::query_as(
        "SELECT access_token, app_secret, verify_token FROM business_numbers WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap()
}

/// Adds the Cloud API number through the console; its internal id.
async fn add_cloud(app: &TestApp, base_url: &str) -> String {
    let r = post(
        app,
        "/admin/numbers",
        "/admin/numbers",
        &cloud_fields(base_url),
    )
    .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
    let id = number_id(app, CLOUD_ID).await;
    assert_eq!(location(&r), format!("/admin/numbers/{id}"));
    id
}

#[tokio::test]
async fn an_admin_adds_a_cloud_number_and_no_page_ever_shows_its_secrets() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    admin(&app).await;
    let id = add_cloud(&app, &standin.server.uri()).await;

    let page = html(&app, &format!("/admin/numbers/{id}"), 200).await;
    holds_no_secret(&page, "the number's page");
    let said = text(&page);
    assert!(
        said.contains("+34911234567 is added. Test its connection below."),
        "{said}"
    );
    for label in ["Access token", "App secret", "Webhook verify token"] {
        let at = said
            .find(label)
            .unwrap_or_else(|| panic!("{label}: {said}"));
        assert!(said[at..].contains("(set)"), "{label} says it is set");
    }
    assert!(
        page.contains(&format!(r#"value="{WABA_ID}""#)),
        "the WABA id is kept"
    );
    assert!(page.contains(r#"id="contact_card" name="contact_card" value="on" checked"#));
    let list = html(&app, "/admin/numbers", 200).await;
    holds_no_secret(&list, "the list");
    for other in ["/admin/templates", "/admin/audit", "/admin"] {
        holds_no_secret(&html(&app, other, 200).await, other);
    }
    assert!(
        text(&list).contains("+34911234567 Acme Shop Meta Cloud API 200000000000002"),
        "{}",
        text(&list)
    );

    // Stored as typed, with the provider's default rate.
    assert_eq!(
        secrets(&app, &id).await,
        (
            Some(TOKEN.into()),
            Some(CLOUD_APP_SECRET.into()),
            Some(VERIFY_TOKEN.into())
        )
    );
    let (rate, limit, categories): (f64, Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT rate_per_second, messaging_limit, default_categories FROM business_numbers WHERE id = $1",
    )
    .bind(&id)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_eq!((rate, limit), (80.0, Some(1000)));
    assert!(categories.unwrap().contains("order_updates"));

    let entries = audit(&app).await;
    let added = entries
        .iter()
        .find(|e| e.1 == "number.added" && e.2 == format!("number:{id}"))
        .expect("the addition is audited");
    assert_eq!(added.0, ADMIN);
    assert!(added.3.contains("provider cloud"), "{added:?}");
    for e in &entries {
        assert!(
            !e.3.contains(TOKEN) && !e.3.contains(CLOUD_APP_SECRET),
            "{e:?}"
        );
    }
}

#[tokio::test]
async fn saving_with_the_secret_fields_empty_keeps_the_stored_secrets() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    admin(&app).await;
    let id = add_cloud(&app, &standin.server.uri()).await;
    let path = format!("/admin/numbers/{id}");
    let uri = standin.server.uri();
    let base = cloud_fields(&uri);
    let unchanged_secrets = [
        ("access_token", ""),
        ("app_secret", ""),
        ("verify_token", ""),
    ];

    let fields = settings(
        &base,
        &[
            unchanged_secrets.as_slice(),
            &[("business_name", "Acme Outlet")],
        ]
        .concat(),
    );
    let r = post(&app, &path, &path, &fields).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), path);
    assert_eq!(
        secrets(&app, &id).await,
        (
            Some(TOKEN.into()),
            Some(CLOUD_APP_SECRET.into()),
            Some(VERIFY_TOKEN.into())
        ),
        "empty fields keep what is stored"
    );
    let page = html(&app, &path, 200).await;
    assert!(text(&page).contains("The settings are saved."));
    assert!(page.contains(r#"value="Acme Outlet""#));
    holds_no_secret(&page, "the saved page");

    // A new token replaces the old one; the audit names the setting, not the value.
    let fields = settings(
        &base,
        &[
            ("access_token", "a-new-token-typed-now"),
            ("app_secret", ""),
            ("verify_token", ""),
        ],
    );
    assert_eq!(post(&app, &path, &path, &fields).await.status(), 303);
    assert_eq!(
        secrets(&app, &id).await.0.as_deref(),
        Some("a-new-token-typed-now")
    );
    holds_no_secret(&html(&app, &path, 200).await, "the page after a new token");

    let changes: Vec<String> = audit(&app)
        .await
        .into_iter()
        .filter(|e| e.1 == "number.changed" && e.2 == format!("number:{id}"))
        .map(|e| {
            assert_eq!(e.0, ADMIN);
            e.3
        })
        .collect();
    assert_eq!(
        changes,
        [
            "changed: business_name",
            "changed: access_token, business_name"
        ],
        "each save is audited with what changed (the second also puts the name back)"
    );
    assert!(changes.iter().all(|c| !c.contains("a-new-token-typed-now")));

    // Saving what is already there changes nothing and records nothing.
    let before = app.count("audit_log").await;
    let same = settings(
        &base,
        &[
            ("access_token", ""),
            ("app_secret", ""),
            ("verify_token", ""),
        ],
    );
    assert_eq!(post(&app, &path, &path, &same).await.status(), 303);
    assert_eq!(app.count("audit_log").await, before);
}

#[tokio::test]
async fn bad_settings_come_back_with_what_was_typed_and_change_nothing() {
    let app = TestApp::spawn().await;
    let standin = StandIn::cloud().await;
    admin(&app).await;
    let id = add_cloud(&app, &standin.server.uri()).await;
    let path = format!("/admin/numbers/{id}");
    let uri = standin.server.uri();
    let base = cloud_fields(&uri);
    let row = |app: &TestApp| {
        let pool = app.raw_db().pool.clone();
        let id = id.clone();
        async move {
            let row: (String, String, String, Option<String>, f64, Option<String>, Option<String>) = sqlx::query_as(
                "SELECT phone_number_id, display_number, provider, api_base_url, rate_per_second, access_token, help_text \
                 FROM business_numbers WHERE id = $1",
            )
            .bind(&id)
            .fetch_one(&pool)
            .await
            .unwrap();
            row
        }
    };
    let before = row(&app).await;
    let audited = app.count("audit_log").await;
    let long = "x".repeat(1001);
    for (change, field, says, kept) in [
        (
            vec![("phone_number_id", "12ab")],
            "phone_number_id",
            "must be digits only",
            "12ab",
        ),
        (
            vec![("display_number", "+34 12")],
            "display_number",
            "",
            "+34 12",
        ),
        (
            vec![("provider", "onprem"), ("api_base_url", "")],
            "api_base_url",
            "is required for provider onprem",
            "",
        ),
        (
            vec![("api_base_url", "ftp://x.example")],
            "api_base_url",
            "must be an http:// or https:// URL",
            "ftp://x.example",
        ),
        (
            vec![("api_version", "23")],
            "api_version",
            "must be a Graph API version such as v23.0",
            "23",
        ),
        (
            vec![("rate_per_second", "fast")],
            "rate_per_second",
            "Enter a number, such as 80.",
            "fast",
        ),
        (
            vec![("rate_burst", "0.5")],
            "rate_burst",
            "must be at least 1",
            "0.5",
        ),
        (
            vec![("messaging_limit", "lots")],
            "messaging_limit",
            "Enter a whole number",
            "lots",
        ),
        (
            vec![("waba_id", "WABA-1")],
            "waba_id",
            "must be digits only",
            "WABA-1",
        ),
        (
            vec![("help_text", long.as_str())],
            "help_text",
            "at most 1000 characters",
            long.as_str(),
        ),
        (
            vec![("default_categories", "no_such_topic")],
            "default_categories",
            "unknown category",
            "",
        ),
        (vec![("provider", "")], "provider", "Choose a provider.", ""),
    ] {
        let typed_token = [
            ("access_token", "a-new-token-typed-now"),
            ("app_secret", ""),
            ("verify_token", ""),
        ];
        let fields = settings(&base, &[typed_token.as_slice(), &change].concat());
        let r = post(&app, &path, &path, &fields).await;
        assert_eq!(r.status(), 422, "{change:?}");
        let page = r.text().await.unwrap();
        let message = error_of(&page, field);
        assert!(message.contains(says), "{field}: {message}");
        if !kept.is_empty() {
            assert!(page.contains(kept), "{field}: what was typed is kept");
        }
        assert!(
            page.contains(r#"value="Acme Shop""#),
            "the other fields are kept"
        );
        holds_no_secret(&page, "a re-rendered form");
        assert!(
            text(&page).contains("What you typed is not shown again"),
            "the typed token is asked for again"
        );
        assert_eq!(row(&app).await, before, "{change:?}: nothing changed");
        assert_eq!(app.count("audit_log").await, audited);
    }

    // A number that is not there.
    html(&app, "/admin/numbers/no-such-number", 404).await;
    let r = post(&app, "/admin/numbers/no-such-number", &path, &base).await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.count("audit_log").await, audited);

    // Adding a phone number id that exists: nothing is added.
    let numbers = app.count("business_numbers").await;
    let r = post(&app, "/admin/numbers", "/admin/numbers", &base).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(error_of(&page, "phone_number_id").contains("has this phone number id already"));
    holds_no_secret(&page, "the add form again");
    assert_eq!(app.count("business_numbers").await, numbers);
    assert_eq!(app.count("audit_log").await, audited);
}

#[tokio::test]
async fn testing_the_connection_tells_the_admin_what_the_provider_answered() {
    let app = TestApp::spawn().await;
    let cloud = StandIn::cloud().await;
    let onprem = StandIn::onprem().await;
    admin(&app).await;
    let id = add_cloud(&app, &cloud.server.uri()).await;
    let path = format!("/admin/numbers/{id}");

    // The right token: Meta's name of the number.
    let said = tested(&app, id.clone()).await;
    assert!(
        said.contains(&format!(
            "Connected: Meta knows this number as {VERIFIED_NAME} ({META_DISPLAY_NUMBER})"
        )),
        "{said}"
    );
    let asked: Vec<_> = cloud
        .requests()
        .await
        .into_iter()
        .filter(|r| r.method.as_str() == "GET")
        .collect();
    assert_eq!(asked.len(), 1);
    assert_eq!(asked[0].url.path(), format!("/v23.0/{CLOUD_ID}"));
    assert_eq!(asked[0].headers["authorization"], format!("Bearer {TOKEN}"));

    // A token Meta does not take.
    let uri = cloud.server.uri();
    let base = cloud_fields(&uri);
    let fields = settings(
        &base,
        &[
            ("access_token", "EAAGexpired"),
            ("app_secret", ""),
            ("verify_token", ""),
        ],
    );
    assert_eq!(post(&app, &path, &path, &fields).await.status(), 303);
    let said = tested(&app, id.clone()).await;
    assert!(
        said.contains(
            "The provider refused the access token (API key): Invalid OAuth access token"
        ),
        "{said}"
    );
    assert!(said.contains("enter a new one under Secrets"), "{said}");

    // A phone number id Meta does not know.
    let fields = settings(
        &base,
        &[
            ("phone_number_id", "200000000000099"),
            ("app_secret", ""),
            ("verify_token", ""),
        ],
    );
    assert_eq!(post(&app, &path, &path, &fields).await.status(), 303);
    let said = tested(&app, id.clone()).await;
    assert!(
        said.contains("does not know this phone number id"),
        "{said}"
    );

    // Nobody listening at the base URL.
    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let fields = settings(
        &base,
        &[
            ("api_base_url", &nowhere),
            ("access_token", ""),
            ("app_secret", ""),
            ("verify_token", ""),
        ],
    );
    assert_eq!(post(&app, &path, &path, &fields).await.status(), 303);
    let said = tested(&app, id.clone()).await;
    assert!(
        said.contains("Nobody answered at the provider's base URL"),
        "{said}"
    );
    assert!(said.contains("Check the base URL"), "{said}");

    // An on-premises style number: its health endpoint with the API-key header.
    let onprem_uri = onprem.server.uri();
    let onprem_fields = vec![
        ("provider", "onprem"),
        ("phone_number_id", ONPREM_ID),
        ("display_number", "+34911234568"),
        ("api_base_url", onprem_uri.as_str()),
        ("api_version", "v23.0"),
        ("access_token", ONPREM_KEY),
        ("messaging_limit", "250"),
    ];
    assert_eq!(
        post(&app, "/admin/numbers", "/admin/numbers", &onprem_fields)
            .await
            .status(),
        303
    );
    let said = tested(&app, number_id(&app, ONPREM_ID).await).await;
    assert!(
        said.contains("Connected: the provider knows this number"),
        "{said}"
    );
    let health = onprem.requests().await;
    assert_eq!(health.last().unwrap().url.path(), "/v1/health");
    assert_eq!(health.last().unwrap().headers["d360-api-key"], ONPREM_KEY);

    // The sandbox needs nothing.
    let said = tested(&app, number_id(&app, SANDBOX_ID).await).await;
    assert!(
        said.contains("The built-in sandbox needs no connection"),
        "{said}"
    );
}

/// Presses "Test the connection" on the number's page; the answer, as text.
async fn tested(app: &TestApp, id: String) -> String {
    let path = format!("/admin/numbers/{id}");
    let r = post(app, &format!("{path}/test"), &path, &[]).await;
    assert_eq!(r.status(), 200);
    let page = r.text().await.unwrap();
    holds_no_secret(&page, "the test's answer");
    let at = page.find(r#"id="tested""#).expect("the answer is shown");
    text(&page[at..at + page[at..].find("</div>").unwrap()])
}

/// The sandbox number's settings with the chat texts changed.
async fn set_chat_texts(app: &TestApp, help: &str, not_live: &str) {
    let id = number_id(app, SANDBOX_ID).await;
    let path = format!("/admin/numbers/{id}");
    let fields = [
        ("provider", "sandbox"),
        ("phone_number_id", SANDBOX_ID),
        ("display_number", "+12025550100"),
        ("api_version", "v23.0"),
        ("messaging_limit", "250"),
        ("help_text", help),
        ("not_live_reply", not_live),
    ];
    let r = post(app, &path, &path, &fields).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap());
}

#[tokio::test]
async fn the_help_reply_tells_how_to_reach_a_person() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let noa = person(1);
    chat::text(&app, &noa, "HELP").await;
    let plain = last_reply(&app, &noa).await;
    assert!(plain.contains("reply STOP"), "{plain}");
    assert!(!plain.contains("Maria"));

    let reach = "Talk to Maria at +34 910 000 000,\nMonday to Friday 9 to 18.";
    set_chat_texts(&app, reach, "").await;
    chat::text(&app, &noa, "HELP").await;
    let reply = last_reply(&app, &noa).await;
    assert!(reply.starts_with(&plain), "the usual help first: {reply}");
    assert!(reply.ends_with(&format!("\n\n{reach}")), "{reply}");
    let (changed,): (String,) = sqlx::query_as(
        "SELECT detail FROM audit_log WHERE action = 'number.changed' AND actor_name = $1",
    )
    .bind(ADMIN)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert!(changed.contains("help_text"), "{changed}");
}

#[tokio::test]
async fn while_not_live_every_chat_message_gets_the_answer_through_the_sending_core() {
    let app = TestApp::spawn().await;
    admin(&app).await;
    let ana = person(2);
    let new = person(3);
    accepted_people(&app, &[(ana.clone(), None)]).await;
    let not_live = "Thanks for writing! We open on 1 March; until then nobody reads this chat.";
    set_chat_texts(&app, "", not_live).await;

    chat::text(&app, &ana, "Do you have size 42?").await;
    let sent = app.sent_to(&ana).await;
    assert_eq!(chat::said(sent.last().unwrap()), not_live);
    // Through the sending core: a message of the number, handed to the provider.
    let (status, actor): (String, String) = sqlx::query_as(
        "SELECT m.status, m.actor FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1 \
         ORDER BY m.created_at DESC, m.id DESC LIMIT 1",
    )
    .bind(&ana)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    assert_ne!(status, "failed");
    assert!(actor.contains("chat"), "{actor}");

    // A keyword gets its own answer, not the not-live one.
    chat::text(&app, &ana, "HELP").await;
    assert!(last_reply(&app, &ana).await.contains("reply STOP"));
    // Someone who has not accepted the terms gets the terms, alone.
    chat::text(&app, &new, "Hello").await;
    let first = app.sent_to(&new).await;
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(chat::is_terms(&first[0]));

    // Emptied: messages get no answer again.
    set_chat_texts(&app, "", "").await;
    let before = app.sent_to(&ana).await.len();
    chat::text(&app, &ana, "Hello again").await;
    assert_eq!(app.sent_to(&ana).await.len(), before);
}

#[tokio::test]
async fn a_number_added_on_the_command_line_is_audited_and_keeps_its_waba_id() {
    let db = TestDb::new().await;
    cli_ok(
        &db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            "555000111",
            "--display-number",
            "+34 911 234 569",
            "--provider",
            "cloud",
            "--waba-id",
            WABA_ID,
        ],
        None,
    );
    let entries = scalar_strings(
        &db.url,
        "SELECT actor_name || ' ' || action || ' ' || detail FROM audit_log",
    )
    .await;
    assert_eq!(
        entries,
        ["command line number.added phone_number_id 555000111, provider cloud"]
    );
    let waba = scalar_strings(
        &db.url,
        "SELECT waba_id FROM business_numbers WHERE phone_number_id = '555000111'",
    )
    .await;
    assert_eq!(waba, [WABA_ID]);
    let refused = cli(
        &db.url,
        &[
            "number",
            "add",
            "--phone-number-id",
            "555000112",
            "--display-number",
            "+34 911 234 568",
            "--provider",
            "cloud",
            "--waba-id",
            "WABA",
        ],
        None,
    );
    assert!(!refused.ok());
    assert!(
        refused.stderr.contains("--waba-id must be digits only"),
        "{refused}"
    );
}
