//! A stand-in for the business's own webhook endpoint, on real HTTP: it records
//! every forward it gets and can be taken down (answers 500). And readers for what
//! it got: Meta-format messages and statuses, consent events, signatures.

use super::TestApp;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

/// Answers 500 while `down` is set, 200 otherwise.
struct Switch(Arc<AtomicBool>);

impl Respond for Switch {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if self.0.load(Ordering::SeqCst) {
            ResponseTemplate::new(500).set_body_string("down for maintenance")
        } else {
            ResponseTemplate::new(200).set_body_string("ok")
        }
    }
}

/// The business's own webhook endpoint: records every request it gets.
pub struct Business {
    pub server: MockServer,
    down: Arc<AtomicBool>,
}

impl Business {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let down = Arc::new(AtomicBool::new(false));
        Mock::given(any())
            .respond_with(Switch(down.clone()))
            .mount(&server)
            .await;
        Self { server, down }
    }

    pub fn url(&self) -> String {
        format!("{}/hooks/whatsapp", self.server.uri())
    }

    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    pub async fn requests(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Steps `app`'s background work (or, when it runs its own workers, waits) until
    /// what the endpoint received satisfies `done`; 15 s at most.
    pub async fn wait_for(
        &self,
        app: &TestApp,
        what: &str,
        done: impl Fn(&[Request]) -> bool,
    ) -> Vec<Request> {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.requests().await;
            if done(&got) {
                return got;
            }
            if Instant::now() > deadline {
                let bodies: Vec<String> = got
                    .iter()
                    .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                    .collect();
                panic!("the business endpoint never got {what}; it got {bodies:#?}");
            }
            if !app.step().await {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

pub fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).unwrap_or_else(|e| {
        panic!(
            "forward is not JSON ({e}): {}",
            String::from_utf8_lossy(&r.body)
        )
    })
}

pub fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The request is signed as Meta signs its webhooks, with the forwarding secret.
pub fn assert_signed(r: &Request, secret: &str) {
    let sig = header(r, "x-hub-signature-256").expect("forward carries X-Hub-Signature-256");
    assert!(
        assent::signature::verify(secret, &r.body, sig),
        "signature {sig} does not verify with the config secret over {}",
        String::from_utf8_lossy(&r.body)
    );
}

/// Meta-format inbound messages forwarded (each `value.messages[0]`).
pub fn messages(rs: &[Request]) -> Vec<(Value, Request)> {
    rs.iter()
        .filter_map(|r| {
            let b = body(r);
            let m = b["entry"][0]["changes"][0]["value"]["messages"][0].clone();
            (b["object"] == "whatsapp_business_account" && m.is_object()).then(|| (m, r.clone()))
        })
        .collect()
}

/// Meta-format statuses forwarded (each `value.statuses[0]`).
pub fn statuses(rs: &[Request]) -> Vec<Value> {
    rs.iter()
        .map(body)
        .filter(|b| b["object"] == "whatsapp_business_account")
        .filter_map(|b| {
            let st = b["entry"][0]["changes"][0]["value"]["statuses"][0].clone();
            st.is_object().then_some(st)
        })
        .collect()
}

/// Consent events forwarded.
pub fn consent_events(rs: &[Request]) -> Vec<(Value, Request)> {
    rs.iter()
        .filter_map(|r| {
            let b = body(r);
            (b["object"] == "assent").then(|| (b, r.clone()))
        })
        .collect()
}
