//! Stand-ins for the providers, on real HTTP: a Graph API that checks each request
//! as Meta would (path, token, JSON shape) and an on-premises style BSP API. Both
//! take messages and read receipts, record the read receipts they accepted, and
//! can be told to fail the next requests.

use super::{TestApp, new_number};
use assent::numbers::ProviderKind;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

pub const TOKEN: &str = "EAAGtest0token";
pub const CLOUD_ID: &str = "200000000000002";
pub const ONPREM_KEY: &str = "onprem-secret-key";
pub const ONPREM_ID: &str = "300000000000003";
/// The app secrets Meta signs the two numbers' webhooks with.
pub const CLOUD_APP_SECRET: &str = "cloud-number-app-secret";
pub const ONPREM_APP_SECRET: &str = "onprem-number-app-secret";
/// The WhatsApp Business Account the Cloud API number belongs to.
pub const WABA_ID: &str = "500000000000005";
/// Meta's verified name and display number of the Cloud API number.
pub const VERIFIED_NAME: &str = "Acme Test Shop";
pub const META_DISPLAY_NUMBER: &str = "+34 911 23 45 67";
/// Templates a page of `GET /{waba}/message_templates` holds at most.
pub const TEMPLATES_PAGE: usize = 2;

#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this HTTP status and Meta error code.
    Error(u16, i64),
    /// Answer only after this long (longer than Assent's timeout = a timeout).
    Slow(Duration),
}

#[derive(Clone, Default)]
struct Script {
    faults: Arc<Mutex<VecDeque<Fault>>>,
    counter: Arc<AtomicU64>,
    invalid_contacts: Arc<Mutex<Vec<String>>>,
    read_receipts: Arc<Mutex<Vec<Request>>>,
    templates: Arc<Mutex<Vec<Value>>>,
}

fn meta_error(status: u16, code: i64, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({"error": {"message": message, "type": "OAuthException", "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "standin"}}))
}

/// What Meta checks of a send before accepting it.
fn check_message(body: &Value) -> Result<(), String> {
    if body["messaging_product"] != "whatsapp" {
        return Err("messaging_product must be whatsapp".into());
    }
    let to = body["to"].as_str().ok_or("to is required")?;
    if !to.starts_with('+') || !to[1..].chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("to must be + and digits, got {to:?}"));
    }
    let kind = body["type"].as_str().ok_or("type is required")?;
    if body.get(kind).is_none() {
        return Err(format!("type {kind} needs a {kind} object"));
    }
    if body.get("verify_contact").is_some() {
        return Err("unknown field verify_contact".into());
    }
    Ok(())
}

/// Whether a body is Meta's mark-as-read rather than a message (it has a status).
fn is_read_receipt(body: &Value) -> bool {
    body.get("status").is_some()
}

/// What Meta checks of a read receipt: `{"messaging_product":"whatsapp",
/// "status":"read","message_id":…}`, optionally with a text typing indicator,
/// and nothing else.
fn check_read_receipt(body: &Value) -> Result<(), String> {
    let obj = body.as_object().ok_or("the body must be an object")?;
    if let Some(key) = obj.keys().find(|k| {
        ![
            "messaging_product",
            "status",
            "message_id",
            "typing_indicator",
        ]
        .contains(&k.as_str())
    }) {
        return Err(format!("unknown field {key} in a read receipt"));
    }
    if body["messaging_product"] != "whatsapp" {
        return Err("messaging_product must be whatsapp".into());
    }
    if body["status"] != "read" {
        return Err("status must be read".into());
    }
    if body["message_id"].as_str().is_none_or(str::is_empty) {
        return Err("message_id is required".into());
    }
    if obj
        .get("typing_indicator")
        .is_some_and(|t| t != &json!({"type": "text"}))
    {
        return Err("typing_indicator must be {\"type\": \"text\"}".into());
    }
    Ok(())
}

struct CloudResponder(Script);

/// Meta's GET endpoints the console uses, with the token checked first as Meta
/// does: the phone number (`GET /{version}/{phone_number_id}`) and the business
/// account's templates (`GET /{version}/{waba_id}/message_templates`, paged by
/// `after` cursors, `TEMPLATES_PAGE` to a page, with `paging.next` while more
/// follow).
fn cloud_get(script: &Script, req: &Request) -> ResponseTemplate {
    let auth = req
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {TOKEN}")) {
        return meta_error(
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let path = req.url.path();
    if path == format!("/v23.0/{CLOUD_ID}") {
        return ResponseTemplate::new(200).set_body_json(json!({
            "verified_name": VERIFIED_NAME, "code_verification_status": "VERIFIED",
            "display_phone_number": META_DISPLAY_NUMBER, "quality_rating": "GREEN", "id": CLOUD_ID}));
    }
    if path == format!("/v23.0/{WABA_ID}/message_templates") {
        let all = script.templates.lock().unwrap().clone();
        let query: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
        let after = query
            .iter()
            .find(|(k, _)| k == "after")
            .map(|(_, v)| v.clone());
        let start = match after {
            None => 0,
            Some(cursor) => match cursor.strip_prefix("cursor-").and_then(|n| n.parse().ok()) {
                Some(n) => n,
                None => return meta_error(400, 100, "Invalid parameter: after"),
            },
        };
        let end = (start + TEMPLATES_PAGE).min(all.len());
        let mut paging = json!({"cursors": {"before": format!("cursor-{start}"), "after": format!("cursor-{end}")}});
        if end < all.len() {
            paging["next"] = json!(format!(
                "https://graph.facebook.com/v23.0/{WABA_ID}/message_templates?limit={TEMPLATES_PAGE}&after=cursor-{end}"
            ));
        }
        return ResponseTemplate::new(200)
            .set_body_json(json!({"data": all[start.min(end)..end], "paging": paging}));
    }
    let id = path.trim_start_matches("/v23.0/");
    meta_error(
        400,
        100,
        &format!(
            "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
        ),
    )
}

impl Respond for CloudResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.method.as_str() == "GET" {
            return cloud_get(&self.0, req);
        }
        if req.method.as_str() != "POST" || req.url.path() != format!("/v23.0/{CLOUD_ID}/messages")
        {
            return meta_error(400, 100, "Unsupported post request");
        }
        let auth = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok());
        if auth != Some(&format!("Bearer {TOKEN}")) {
            return meta_error(401, 190, "Invalid OAuth access token");
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return meta_error(400, 100, "Invalid JSON");
        };
        if is_read_receipt(&body) {
            if let Err(problem) = check_read_receipt(&body) {
                return meta_error(400, 100, &problem);
            }
            self.0.read_receipts.lock().unwrap().push(req.clone());
            return ResponseTemplate::new(200).set_body_json(json!({"success": true}));
        }
        if let Err(problem) = check_message(&body) {
            return meta_error(400, 100, &problem);
        }
        if let Some(fault) = self.0.faults.lock().unwrap().pop_front() {
            match fault {
                Fault::Error(status, code) => return meta_error(status, code, "scripted failure"),
                Fault::Slow(d) => return accepted(&self.0, &body).set_delay(d),
            }
        }
        accepted(&self.0, &body)
    }
}

fn accepted(script: &Script, body: &Value) -> ResponseTemplate {
    let n = script.counter.fetch_add(1, Ordering::SeqCst);
    let to = body["to"].as_str().unwrap_or_default();
    ResponseTemplate::new(200).set_body_json(json!({"messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to.trim_start_matches('+')}],
        "messages": [{"id": format!("wamid.STANDIN{n}"), "message_status": "accepted"}]}))
}

pub struct StandIn {
    pub server: MockServer,
    script: Script,
}

impl StandIn {
    pub async fn cloud() -> Self {
        let server = MockServer::start().await;
        let script = Script::default();
        Mock::given(any())
            .respond_with(CloudResponder(script.clone()))
            .mount(&server)
            .await;
        Self { server, script }
    }

    pub async fn onprem() -> Self {
        let server = MockServer::start().await;
        let script = Script::default();
        Mock::given(any())
            .respond_with(OnpremResponder(script.clone()))
            .mount(&server)
            .await;
        Self { server, script }
    }

    pub fn fail_next(&self, faults: &[Fault]) {
        self.script
            .faults
            .lock()
            .unwrap()
            .extend(faults.iter().cloned());
    }

    pub fn mark_invalid(&self, phone: &str) {
        self.script
            .invalid_contacts
            .lock()
            .unwrap()
            .push(phone.to_owned());
    }

    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Bodies of requests to `path`.
    pub async fn bodies(&self, path: &str) -> Vec<Value> {
        self.requests()
            .await
            .into_iter()
            .filter(|r| r.url.path() == path)
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect()
    }

    /// How many messages the stand-in accepted (answered 200).
    pub fn accepted(&self) -> u64 {
        self.script.counter.load(Ordering::SeqCst)
    }

    /// The templates of the business account, as Meta lists them.
    pub fn set_templates(&self, templates: Vec<Value>) {
        *self.script.templates.lock().unwrap() = templates;
    }

    /// The read receipts the stand-in accepted, as they arrived.
    pub fn read_receipts(&self) -> Vec<Request> {
        self.script.read_receipts.lock().unwrap().clone()
    }
}

struct OnpremResponder(Script);

impl Respond for OnpremResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let key = req
            .headers
            .get("d360-api-key")
            .and_then(|v| v.to_str().ok());
        let onprem_error = |status: u16, code: i64, title: &str| {
            ResponseTemplate::new(status)
                .set_body_json(json!({"errors": [{"code": code, "title": title}]}))
        };
        if key != Some(ONPREM_KEY) {
            return onprem_error(401, 1005, "Access denied");
        }
        if req.method.as_str() == "GET" && req.url.path() == "/v1/health" {
            return ResponseTemplate::new(200)
                .set_body_json(json!({"health": {"gateway_status": "connected"}}));
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return onprem_error(400, 1000, "Invalid JSON");
        };
        // `PUT /v1/messages/{id}` with `{"status":"read"}` marks a message read.
        if let Some(id) = req.url.path().strip_prefix("/v1/messages/") {
            let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
            if req.method.as_str() != "PUT" || id.is_empty() || body != json!({"status": "read"}) {
                return onprem_error(400, 1008, "Required parameter is missing or invalid");
            }
            self.0.read_receipts.lock().unwrap().push(req.clone());
            return ResponseTemplate::new(200).set_body_json(json!({}));
        }
        match req.url.path() {
            "/v1/contacts" => {
                let invalid = self.0.invalid_contacts.lock().unwrap().clone();
                let contacts: Vec<Value> = body["contacts"]
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|c| {
                        if invalid.iter().any(|i| i == c) {
                            json!({"input": c, "status": "invalid"})
                        } else {
                            json!({"input": c, "status": "valid", "wa_id": c.trim_start_matches('+')})
                        }
                    })
                    .collect();
                ResponseTemplate::new(200).set_body_json(json!({"contacts": contacts}))
            }
            "/v1/messages" => {
                let to_ok = body["to"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii_digit()));
                if body.get("messaging_product").is_some()
                    || !to_ok
                    || body["type"].as_str().is_none()
                {
                    return onprem_error(400, 1008, "Required parameter is missing or invalid");
                }
                let n = self.0.counter.fetch_add(1, Ordering::SeqCst);
                ResponseTemplate::new(201)
                    .set_body_json(json!({"messages": [{"id": format!("gBEGonprem{n}")}]}))
            }
            _ => onprem_error(404, 1006, "Resource not found"),
        }
    }
}

/// Registers a Cloud API number pointing at the stand-in and returns an API key for it.
pub async fn cloud_number(app: &TestApp, standin: &StandIn) -> String {
    let number = app
        .add_number(assent::numbers::NewNumber {
            provider: ProviderKind::Cloud,
            api_base_url: Some(standin.server.uri()),
            access_token: Some(TOKEN.into()),
            app_secret: Some(CLOUD_APP_SECRET.into()),
            messaging_limit: Some(1000),
            ..new_number(CLOUD_ID, "+34911234567")
        })
        .await;
    app.api_key_for(&number, "cloud").await
}

/// Registers an on-premises style number pointing at the stand-in and returns an
/// API key for it.
pub async fn onprem_number(app: &TestApp, standin: &StandIn) -> String {
    let number = app
        .add_number(assent::numbers::NewNumber {
            provider: ProviderKind::Onprem,
            api_base_url: Some(standin.server.uri()),
            access_token: Some(ONPREM_KEY.into()),
            app_secret: Some(ONPREM_APP_SECRET.into()),
            ..new_number(ONPREM_ID, "+34911234568")
        })
        .await;
    app.api_key_for(&number, "onprem").await
}

/// `POST /v23.0/{cloud number}/messages` with `key`.
pub async fn cloud_send(app: &TestApp, key: &str, body: &Value) -> (reqwest::StatusCode, Value) {
    app.post_json(&format!("/v23.0/{CLOUD_ID}/messages"), key, body)
        .await
}
