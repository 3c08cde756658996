//! A webhook payload coming in: checked against the signature Meta puts on it,
//! stored, and the worker woken. Meta's POSTs come through here, and so does what
//! a person does in the sandbox's phone simulator, signed as Meta would sign it.

use crate::numbers::{BusinessNumber, ProviderKind};
use crate::services::Services;
use crate::signature;
use serde_json::Value;

/// What became of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intake {
    Stored,
    /// The very same bytes were stored before (a replay, or Meta's retry).
    Again,
    BadSignature,
    NotJson,
}

/// Checks `header` (`X-Hub-Signature-256`) on the raw bytes, then stores the
/// payload for the worker. Nothing is stored unless the signature holds.
pub async fn receive(services: &Services, bytes: &[u8], header: &str) -> anyhow::Result<Intake> {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let recent = services.numbers.all(&services.db).await?;
    let vouched = parsed
        .as_ref()
        .is_some_and(|p| vouched_by_known(&recent, p, bytes, header));
    if !vouched {
        let now = services.numbers.reload(&services.db).await?;
        if !signed(&now, parsed.as_ref(), bytes, header) {
            return Ok(Intake::BadSignature);
        }
    }
    let (Some(_), Ok(text)) = (parsed, std::str::from_utf8(bytes)) else {
        return Ok(Intake::NotJson);
    };
    if services
        .webhooks
        .write(&services.db, "webhooks", text.to_owned())
        .await?
    {
        services.inbound_wake.notify_one();
        Ok(Intake::Stored)
    } else {
        Ok(Intake::Again)
    }
}

/// Whether numbers read a moment ago (`numbers::Recent`) may settle the check:
/// the payload names only numbers among them, none of them the sandbox, and
/// verifies. Anything else (a number they do not know yet, one added elsewhere
/// since, a payload naming none, the sandbox whose trust depends on every other
/// number) is checked against a fresh read.
fn vouched_by_known(recent: &[BusinessNumber], payload: &Value, body: &[u8], header: &str) -> bool {
    let named: Vec<&str> = changes(payload)
        .filter_map(|c| c["value"]["metadata"]["phone_number_id"].as_str())
        .collect();
    !named.is_empty()
        && named.iter().all(|id| {
            recent
                .iter()
                .any(|n| n.phone_number_id == *id && n.provider() != ProviderKind::Sandbox)
        })
        && signed(recent, Some(payload), body, header)
}

fn changes(payload: &Value) -> impl Iterator<Item = &Value> {
    payload["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|e| e["changes"].as_array().into_iter().flatten())
}

/// Whether the payload names the number: by `metadata.phone_number_id`, or, in
/// a quality update (which carries no metadata), by its display number.
fn names(payload: &Value, n: &BusinessNumber) -> bool {
    changes(payload).any(|c| {
        let value = &c["value"];
        value["metadata"]["phone_number_id"].as_str() == Some(&n.phone_number_id)
            || (c["field"] == "phone_number_quality_update"
                && value["display_phone_number"].as_str().is_some_and(|d| {
                    d.chars()
                        .filter(char::is_ascii_digit)
                        .eq(n.display_digits().chars())
                }))
    })
}

/// The sandbox's app secret and verify token are published (README), so once
/// the install has a real number they vouch for nothing.
pub fn trusted(numbers: &[BusinessNumber], n: &BusinessNumber) -> bool {
    n.provider() != ProviderKind::Sandbox
        || numbers
            .iter()
            .all(|other| other.provider() == ProviderKind::Sandbox)
}

/// Whether the payload is signed as Meta signs. It must verify with the app secret
/// of every number of ours it names (`names`; a number without a secret accepts nothing),
/// so one app's secret never vouches for another's number; a payload naming none
/// of ours (account and template updates name only the business account) must
/// verify with some number's secret. The sandbox's secret is published, so on an
/// install with real numbers it vouches for nothing.
fn signed(numbers: &[BusinessNumber], payload: Option<&Value>, body: &[u8], header: &str) -> bool {
    let trusted = |n: &BusinessNumber| trusted(numbers, n);
    let verifies = |n: &BusinessNumber| {
        n.app_secret
            .as_deref()
            .is_some_and(|secret| signature::verify(secret, body, header))
    };
    let ours: Vec<&BusinessNumber> = numbers
        .iter()
        .filter(|n| payload.is_some_and(|p| names(p, n)))
        .collect();
    if ours.is_empty() {
        numbers
            .iter()
            .filter(|n| trusted(n))
            .fold(false, |ok, n| ok | verifies(n))
    } else {
        ours.iter().all(|n| trusted(n) && verifies(n))
    }
}
