//! Stand-ins for the providers, on real HTTP: a Graph API that checks each request
//! as Meta would (path, token, JSON shape) and an on-premises style BSP API. Both
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

struct CloudResponder(Script);

impl Respond for CloudResponder {
    fn respond(&self, req: &Request) -> ResponseTemplate {
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
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return onprem_error(400, 1000, "Invalid JSON");
        };
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
            messaging_limit: Some(1000),
            ..new_number(CLOUD_ID, "+34911234567")
        })
        .await;
    app.api_key_for(&number, "cloud").await
}

/// `POST /v23.0/{cloud number}/messages` with `key`.
pub async fn cloud_send(app: &TestApp, key: &str, body: &Value) -> (reqwest::StatusCode, Value) {
    app.post_json(&format!("/v23.0/{CLOUD_ID}/messages"), key, body)
        .await
}
