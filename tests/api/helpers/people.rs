//! A person with a history, as a compliance officer looks one up: consent given
//! in chat (the notice shown, the button's message id), a template sent, a
//! marketing send refused, a withdrawal through the API; and the console's,
//! the API's and the command line's doors to their record.

use super::chat::{e164, person, press, text};
use super::{SANDBOX_ID, TestApp, template_body};
use assent::users::Role;
use serde_json::{Value, json};

pub const COMPLIANCE: &str = "carla@acme.example";
pub const STAFF_PASSWORD: &str = "a long staff password";

/// What a history left behind, for the checks.
pub struct History {
    pub wa_id: String,
    pub contact_id: String,
    /// The message the person wrote first, and the Accept button's message.
    pub first_message: String,
    pub accept_message: String,
    /// The chat notice they were shown, and its text.
    pub notice_id: String,
    pub notice_text: String,
}

/// What person `n` writes first.
pub fn words(n: u32) -> String {
    format!("Hello, I ordered shoes (order {n})")
}

/// Person `n` writes, accepts the terms in chat, gets the `order_shipped` template,
/// withdraws product_news through the API (IP 203.0.113.7), and is refused the
/// `spring_sale` marketing template.
pub async fn history(app: &TestApp, n: u32) -> History {
    let wa_id = person(n);
    let first_message = text(app, &wa_id, &words(n)).await;
    let accept_message = press(app, &wa_id, "assent_terms_accept").await;
    let (notice_id, notice_text): (String, String) = sqlx::query_as(
        "SELECT n.id, n.body FROM notices n JOIN contacts c ON c.terms_notice_id = n.id WHERE c.wa_id = $1",
    )
    .bind(&wa_id)
    .fetch_one(&app.raw_db().pool)
    .await
    .unwrap();
    for (name, kind, category) in [
        ("order_shipped", "UTILITY", "order_updates"),
        ("spring_sale", "MARKETING", "product_news"),
    ] {
        let (status, body) = app.register_template(name, kind, category).await;
        assert!(status.is_success() || status == 409, "{body}");
    }
    let (status, body) = app
        .send(&template_body(&e164(&wa_id), "order_shipped"))
        .await;
    assert_eq!(status, 200, "{body}");
    app.drain().await;
    let (status, body) = app.consent(&e164(&wa_id), "product_news", "withdraw").await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = app.send(&template_body(&e164(&wa_id), "spring_sale")).await;
    assert_eq!(status, 400, "refused: {body}");
    app.settle().await;
    History {
        contact_id: app.contact_id(&wa_id).await,
        wa_id,
        first_message,
        accept_message,
        notice_id,
        notice_text,
    }
}

impl TestApp {
    /// The id of the sandbox number's contact with this wa_id.
    pub async fn contact_id(&self, wa_id: &str) -> String {
        let (id,): (String,) = sqlx::query_as("SELECT id FROM contacts WHERE wa_id = $1")
            .bind(wa_id)
            .fetch_one(&self.raw_db().pool)
            .await
            .unwrap_or_else(|e| panic!("no contact {wa_id}: {e}"));
        id
    }

    /// A staff member of this role, signed in on the app's client.
    pub async fn signed_in_as(&self, email: &str, role: Role) {
        self.add_staff(email, role, STAFF_PASSWORD).await;
        let r = self.sign_in(email, STAFF_PASSWORD).await;
        assert_eq!(r.status(), 303, "{email} signs in");
    }

    /// The compliance officer, signed in.
    pub async fn as_compliance(&self) {
        self.signed_in_as(COMPLIANCE, Role::Compliance).await;
    }

    /// A console page's HTML, expecting 200.
    pub async fn console_page(&self, path: &str) -> String {
        let r = self.page(path).await;
        assert_eq!(r.status(), 200, "{path}");
        r.text().await.unwrap()
    }

    /// A console JSON download, expecting 200 and an attachment.
    pub async fn console_download(&self, path: &str) -> Value {
        let r = self.page(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let disposition = r.headers()["content-disposition"].to_str().unwrap();
        assert!(disposition.starts_with("attachment"), "{disposition}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        r.json().await.unwrap()
    }

    /// `GET /api/v1/access?phone=` with `key`.
    pub async fn access_request(&self, key: &str, phone: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url("/api/v1/access"))
            .query(&[("phone", phone)])
            .bearer_auth(key)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// `POST /api/v1/erasures` with `key`.
    pub async fn erasure_request(&self, key: &str, body: &Value) -> (u16, Value) {
        let (status, answer) = self.post_json("/api/v1/erasures", key, body).await;
        (status.as_u16(), answer)
    }

    /// `POST /api/v1/erasures {"phone"}` with the app's key.
    pub async fn erase_through_api(&self, phone: &str) -> Value {
        let (status, answer) = self
            .erasure_request(&self.api_key, &json!({ "phone": phone }))
            .await;
        assert_eq!(status, 200, "{answer}");
        answer
    }

    /// Runs `assent` as an operator of this app: its database and its secret key.
    pub fn operator(&self, args: &[&str]) -> super::Run {
        super::cli_with_env(
            &self.db.url,
            args,
            &[(
                "ASSENT_SECRET_KEY",
                &String::from_utf8_lossy(&self.services.secret),
            )],
        )
    }
}

/// Audit entries about a target: (actor, actor_name, action, detail), oldest first.
pub async fn audit_of(app: &TestApp, target: &str) -> Vec<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT actor, actor_name, action, detail FROM audit_log WHERE target = $1 ORDER BY at, id",
    )
    .bind(target)
    .fetch_all(&app.raw_db().pool)
    .await
    .unwrap()
}

/// The document without the time it was made: what must be equal across doors.
pub fn content(mut document: Value) -> Value {
    document
        .as_object_mut()
        .expect("an access document is an object")
        .remove("generated_at")
        .expect("it says when it was made");
    document
}

/// The sandbox number's id for `--phone-number-id`.
pub const NUMBER: &str = SANDBOX_ID;
