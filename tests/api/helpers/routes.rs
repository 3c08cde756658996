//! One helper per route (SPEC §11), so a test reads as the requests it makes.

use super::{SANDBOX_APP_SECRET, SANDBOX_ID, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    // --- any route -------------------------------------------------------------------

    /// POSTs JSON with `Authorization: Bearer key`.
    pub async fn post_json(&self, path: &str, key: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(key)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A raw POST: any bytes, any headers (content type JSON unless overridden).
    pub async fn post_raw(
        &self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<reqwest::Body>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// GET, with `Authorization: Bearer key` when given; the body as text.
    pub async fn get_text(&self, path: &str, key: Option<&str>) -> (StatusCode, String) {
        let mut request = self.client.get(self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        (status, r.text().await.unwrap())
    }

    /// GET, with `Authorization: Bearer key` when given; the body as JSON (null if
    /// it is not).
    pub async fn get_json(&self, path: &str, key: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(self.url(path));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let r = request.send().await.unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    // --- sending ------------------------------------------------------------------------

    /// `POST /v23.0/{sandbox}/messages`: Meta-compatible send through the sandbox number.
    pub async fn send(&self, body: &Value) -> (StatusCode, Value) {
        self.post_json(
            &format!("/v23.0/{SANDBOX_ID}/messages"),
            &self.api_key,
            body,
        )
        .await
    }

    // --- templates ----------------------------------------------------------------------

    /// `POST /api/v1/templates`.
    pub async fn register_template(
        &self,
        name: &str,
        category: &str,
        consent_category: &str,
    ) -> (StatusCode, Value) {
        let body = json!({"name": name, "language": "en", "category": category, "consent_category": consent_category});
        self.post_json("/api/v1/templates", &self.api_key, &body)
            .await
    }

    // --- consent ------------------------------------------------------------------------

    /// `POST /api/v1/consents` with evidence (notice v1, IP 203.0.113.7).
    pub async fn consent(&self, phone: &str, category: &str, action: &str) -> (StatusCode, Value) {
        let body = json!({"phone": phone, "category": category, "action": action,
            "evidence": {"notice_version": "v1", "notice_text": "You agree to receive offers from Acme.", "ip": "203.0.113.7", "user_agent": "test"}});
        self.post_json("/api/v1/consents", &self.api_key, &body)
            .await
    }

    /// `GET /api/v1/consents?phone=`, expecting 200.
    pub async fn consents(&self, phone: &str) -> Value {
        let r = self
            .client
            .get(self.url("/api/v1/consents"))
            .query(&[("phone", phone)])
            .bearer_auth(&self.api_key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    // --- entry points -------------------------------------------------------------------

    /// `POST /api/v1/entry-points`.
    pub async fn new_entry_point(&self, body: &Value) -> (StatusCode, Value) {
        self.post_json("/api/v1/entry-points", &self.api_key, body)
            .await
    }

    /// Makes an entry point and expects 201.
    pub async fn entry_point(&self, code: &str, categories: &[&str], language: &str) {
        let (status, body) = self
            .new_entry_point(
                &json!({"code": code, "name": format!("Campaign {code}"), "categories": categories,
                        "language": language}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    // --- webhook forwarding configuration -----------------------------------------------

    /// `GET /v1/configs/webhook`.
    pub async fn webhook_config(&self, key: &str) -> (StatusCode, Value) {
        self.get_json("/v1/configs/webhook", Some(key)).await
    }

    /// `POST /v1/configs/webhook`: points the sandbox number's forwards at `url`
    /// (header X-Api-Token: abc), expects 200 and returns the signing secret.
    pub async fn configure_forwarding(&self, url: &str) -> String {
        let (status, answer) = self
            .post_json(
                "/v1/configs/webhook",
                &self.api_key,
                &json!({"url": url, "headers": {"X-Api-Token": "abc"}}),
            )
            .await;
        assert_eq!(status, 200, "{answer}");
        answer["secret"].as_str().unwrap().to_owned()
    }

    // --- Meta's webhooks in -------------------------------------------------------------

    /// `GET /webhooks/whatsapp`: the verification handshake.
    pub async fn handshake(&self, query: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .client
            .get(self.url("/webhooks/whatsapp"))
            .query(query)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// `POST /webhooks/whatsapp` with these bytes and this X-Hub-Signature-256 header
    /// value (None: no header).
    pub async fn webhook_raw(&self, body: &[u8], signature: Option<String>) -> (u16, String) {
        let mut req = self
            .client
            .post(self.url("/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            req = req.header("X-Hub-Signature-256", signature);
        }
        let r = req.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap_or_default())
    }

    /// POSTs a webhook payload signed with `secret` (None: no signature header).
    pub async fn webhook_signed(&self, body: &[u8], secret: Option<&str>) -> reqwest::Response {
        let mut req = self
            .client
            .post(self.url("/webhooks/whatsapp"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(secret) = secret {
            req = req.header("X-Hub-Signature-256", assent::signature::sign(secret, body));
        }
        req.send().await.unwrap()
    }

    /// POSTs a payload as Meta would for the sandbox number and expects 200, without
    /// waiting for it to be processed (call `settle` after a batch).
    pub async fn webhook_unsettled(&self, payload: &Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let r = self.webhook_signed(&body, Some(SANDBOX_APP_SECRET)).await;
        assert_eq!(
            r.status(),
            200,
            "webhook refused: {}",
            r.text().await.unwrap_or_default()
        );
    }

    /// POSTs a payload as Meta would for the sandbox number, expects 200, and
    /// settles: every stored payload processed and every reply dispatched.
    pub async fn webhook(&self, payload: &Value) {
        self.webhook_unsettled(payload).await;
        self.settle().await;
    }

    /// POSTs a payload signed with `app_secret` (another number's Meta app), expects
    /// 200, and settles.
    pub async fn webhook_with_secret(&self, payload: &Value, app_secret: &str) {
        let body = serde_json::to_vec(payload).unwrap();
        let r = self.webhook_signed(&body, Some(app_secret)).await;
        assert_eq!(
            r.status(),
            200,
            "webhook refused: {}",
            r.text().await.unwrap_or_default()
        );
        self.settle().await;
    }

    // --- pages --------------------------------------------------------------------------

    /// GET a page as a browser would (no key): the response itself.
    pub async fn page(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }
}
