//! Consent receipts: one ledger event as a receipt shaped after the Kantara
//! Initiative Consent Receipt Specification v1.1 (its field names, as JSON), with
//! the ISO/IEC TS 27560 event state, plus what makes it checkable against the
//! ledger: the notice version and its SHA-256, and the event's chain hash.
//!
//! A pure function of what the ledger and the person's record hold; the console
//! serves it as a JSON download and as a printable page, both from this.

use crate::categories::Category;
use crate::consent::export::rfc3339;
use crate::consent::{ConsentAction, Evidence, Source};
use crate::people::{EventRecord, Record};
use serde::Serialize;

/// The Kantara version string receipts carry.
pub const VERSION: &str = "KI-CR-v1.1.0";

/// Whose messages the person agreed to, as the receipt names the controller.
pub struct Controller<'a> {
    /// The business's name as people see it in chat.
    pub name: &'a str,
    /// The business number (E.164), which is how the person reaches it.
    pub phone: &'a str,
}

/// Everything a receipt is made of.
pub struct Input<'a> {
    pub event: &'a EventRecord,
    /// The person as they know themselves: phone number, else Meta's user id,
    /// else (once erased) the contact's random id.
    pub principal: &'a str,
    pub controller: Controller<'a>,
    /// Every category, so an event about one (or all, `*`) can be described.
    pub categories: &'a [Category],
    /// Where it is configured (`ASSENT_JURISDICTION`).
    pub jurisdiction: Option<&'a str>,
    /// Base of the notice's public page.
    pub public_url: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Receipt {
    pub version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// Seconds since the Unix epoch (UTC), as Kantara's example writes it.
    pub consent_timestamp: i64,
    pub collection_method: String,
    #[serde(rename = "consentReceiptID")]
    pub consent_receipt_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub pii_principal_id: String,
    pub pii_controllers: Vec<PiiController>,
    /// The public page of the notice the person was shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_url: Option<String>,
    pub services: Vec<Service>,
    pub sensitive: bool,
    pub spi_cat: Vec<String>,
    /// The notice version and the SHA-256 of its exact text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<NoticeRef>,
    pub consent_event: ConsentEvent,
    /// Evidence kept beside the event (gone once the person is erased).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PiiController {
    pub pii_controller: String,
    pub contact: String,
    pub phone: String,
    pub on_behalf: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Service {
    pub service: String,
    pub purposes: Vec<Purpose>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Purpose {
    pub purpose: String,
    /// The category's name and its kind (marketing, utility, authentication).
    pub purpose_category: Vec<String>,
    pub consent_type: &'static str,
    pub pii_category: Vec<&'static str>,
    pub primary_purpose: bool,
    pub termination: &'static str,
    pub third_party_disclosure: bool,
    pub third_party_name: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NoticeRef {
    pub version: String,
    pub sha256: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// The ledger event the receipt is for, as the chain holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConsentEvent {
    pub id: String,
    pub seq: i64,
    /// The category, or `*` for an event about the whole person.
    pub category: String,
    pub action: &'static str,
    /// ISO/IEC TS 27560's event state: requested, given, refused, withdrawn,
    /// expired, terminated.
    pub state: &'static str,
    /// RFC 3339, UTC.
    pub at: String,
    pub source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_ref: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    pub hash: String,
    pub prev_hash: String,
}

/// How people withdraw, in every receipt (GDPR Art. 7(3), 27560's withdrawal
/// method).
const TERMINATION: &str = "Until withdrawn: reply STOP in WhatsApp (or STOP and the topic), use the \
     preference link in any message, or ask the business to erase your data.";

/// A jurisdiction as the operator configures it: a country or region code or a
/// short name, such as `ES`, `EU` or `BR`.
pub fn jurisdiction(raw: &str) -> Result<String, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > 64 || raw.chars().any(char::is_control) {
        return Err("must be 1 to 64 characters without control characters, such as ES or EU");
    }
    Ok(raw.to_owned())
}

pub fn build(input: &Input<'_>) -> Receipt {
    let event = &input.event.event;
    let purposes = input
        .categories
        .iter()
        .filter(|c| event.category == "*" || c.name.as_str() == event.category)
        .map(|c| Purpose {
            purpose: c.title.clone(),
            purpose_category: vec![c.name.to_string(), c.kind.as_str().to_owned()],
            consent_type: "EXPLICIT",
            pii_category: vec!["Contact (WhatsApp number or user id)", "Messages exchanged"],
            primary_purpose: true,
            termination: TERMINATION,
            third_party_disclosure: true,
            third_party_name: "Meta Platforms (WhatsApp Business Platform), which carries the messages",
        })
        .collect();
    let notice = input.event.notice.as_ref();
    let language = event
        .language
        .clone()
        .or_else(|| notice.map(|n| n.language.clone()));
    Receipt {
        version: VERSION,
        jurisdiction: input.jurisdiction.map(str::to_owned),
        consent_timestamp: event.created_at.div_euclid(1000),
        collection_method: collection_method(event.source, event.source_ref.as_deref()),
        consent_receipt_id: event.id.clone(),
        language,
        pii_principal_id: input.principal.to_owned(),
        pii_controllers: vec![PiiController {
            pii_controller: input.controller.name.to_owned(),
            contact: input.controller.name.to_owned(),
            phone: input.controller.phone.to_owned(),
            on_behalf: false,
        }],
        policy_url: notice.map(|n| format!("{}/notices/{}", input.public_url, n.id)),
        services: vec![Service {
            service: format!("WhatsApp messages from {}", input.controller.name),
            purposes,
        }],
        sensitive: false,
        spi_cat: Vec::new(),
        notice: match (&event.notice_version, &event.notice_sha256) {
            (Some(version), Some(sha256)) => Some(NoticeRef {
                version: version.clone(),
                sha256: sha256.clone(),
                language: notice.map(|n| n.language.clone()),
            }),
            _ => None,
        },
        consent_event: ConsentEvent {
            id: event.id.clone(),
            seq: event.seq,
            category: event.category.clone(),
            action: event.action.as_str(),
            state: state(event.action, event.confirmation_template.is_some()),
            at: rfc3339(event.created_at),
            source: event.source.as_str(),
            source_ref: event.source_ref.clone(),
            actor: event.actor.as_ref().map(ToString::to_string),
            hash: event.hash.clone(),
            prev_hash: event.prev_hash.clone(),
        },
        evidence: input.event.evidence.clone(),
    }
}

/// The receipt of one event of a person's record; `None` when the record has no
/// such event.
pub fn of_record(
    record: &Record,
    event_id: &str,
    jurisdiction: Option<&str>,
    public_url: &str,
) -> Option<Receipt> {
    let event = record.events.iter().find(|e| e.event.id == event_id)?;
    let principal = match &record.contact {
        Some(c) => c
            .wa_id
            .as_ref()
            .map(|w| format!("+{w}"))
            .or_else(|| c.user_id.clone()),
        None => None,
    }
    .unwrap_or_else(|| format!("contact:{}", record.subject_id));
    Some(build(&Input {
        event,
        principal: &principal,
        controller: Controller {
            name: record.number.name(),
            phone: &record.number.display_number,
        },
        categories: &record.categories,
        jurisdiction,
        public_url,
    }))
}

/// ISO/IEC TS 27560's state of consent after an event of this action; a grant
/// that waits for its double opt-in confirmation is only requested.
pub fn state(action: ConsentAction, awaits_confirmation: bool) -> &'static str {
    match action {
        ConsentAction::Granted if awaits_confirmation => "requested",
        ConsentAction::Granted | ConsentAction::Confirmed => "given",
        ConsentAction::Declined => "refused",
        ConsentAction::Withdrawn => "withdrawn",
        ConsentAction::Expired => "expired",
        ConsentAction::Erased => "terminated",
    }
}

/// Kantara's collection method: how the decision reached Assent, in words, with
/// the form, entry point, keyword or key behind it.
pub fn collection_method(source: Source, source_ref: Option<&str>) -> String {
    let how = match source {
        Source::WebForm => "Web opt-in form, active tick of each topic",
        Source::Chat => "WhatsApp chat: terms shown, answered with a reply button",
        Source::Keyword => "WhatsApp chat: a keyword the person sent",
        Source::PreferenceCenter => "Preference center page, reached by the person's own link",
        Source::MetaSignal => "WhatsApp's own marketing preference, reported by Meta",
        Source::Api => "The business's own systems, through the Assent API",
        Source::Import => "Imported from an earlier consent record",
        Source::Staff => "Staff of the business, in Assent",
    };
    match source_ref {
        Some(r) => format!("{how} ({r})"),
        None => how.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::RecordedEvent;
    use crate::domain::{Actor, CategoryKind, CategoryName};
    use crate::notices::Notice;

    fn categories() -> Vec<Category> {
        [
            ("offers", CategoryKind::Marketing, "Offers and promotions"),
            ("order_updates", CategoryKind::Utility, "Order updates"),
        ]
        .into_iter()
        .map(|(name, kind, title)| Category {
            name: CategoryName::parse(name).unwrap(),
            kind,
            title: title.into(),
            keywords: Vec::new(),
        })
        .collect()
    }

    fn event(category: &str, action: ConsentAction, source: Source) -> RecordedEvent {
        RecordedEvent {
            seq: 7,
            id: "0190-event".into(),
            prev_hash: "a".repeat(64),
            hash: "b".repeat(64),
            created_at: 1_767_225_600_123,
            business_number_id: "n".into(),
            subject_id: "s".into(),
            category: category.into(),
            action,
            source,
            source_ref: Some("form:join".into()),
            notice_version: Some("join-v2".into()),
            notice_sha256: Some("c".repeat(64)),
            language: Some("es".into()),
            actor: Some(Actor::system("forms")),
            confirmation_template: None,
            evidence_sha256: None,
        }
    }

    fn notice() -> Notice {
        Notice {
            id: "notice-1".into(),
            business_number_id: "n".into(),
            language: "es".into(),
            version: "join-v2".into(),
            body: "Acme te enviará ofertas.".into(),
            sha256: "c".repeat(64),
        }
    }

    fn receipt(record: &EventRecord, jurisdiction: Option<&str>) -> Receipt {
        build(&Input {
            event: record,
            principal: "+34612345678",
            controller: Controller {
                name: "Acme",
                phone: "+12025550100",
            },
            categories: &categories(),
            jurisdiction,
            public_url: "https://assent.example",
        })
    }

    #[test]
    fn a_web_form_grant_has_every_kantara_field_and_the_ledger_links() {
        let record = EventRecord {
            event: event("offers", ConsentAction::Granted, Source::WebForm),
            evidence: Some(Evidence {
                ip: Some("203.0.113.7".into()),
                user_agent: Some("Mozilla/5.0".into()),
                ..Evidence::default()
            }),
            notice: Some(notice()),
        };
        let json = serde_json::to_value(receipt(&record, Some("ES"))).unwrap();
        assert_eq!(json["version"], "KI-CR-v1.1.0");
        assert_eq!(json["jurisdiction"], "ES");
        assert_eq!(json["consentTimestamp"], 1_767_225_600);
        assert_eq!(json["consentReceiptID"], "0190-event");
        assert_eq!(json["language"], "es");
        assert_eq!(json["piiPrincipalId"], "+34612345678");
        assert_eq!(json["piiControllers"][0]["piiController"], "Acme");
        assert_eq!(json["piiControllers"][0]["phone"], "+12025550100");
        assert_eq!(json["policyUrl"], "https://assent.example/notices/notice-1");
        assert!(
            json["collectionMethod"]
                .as_str()
                .unwrap()
                .starts_with("Web opt-in form")
                && json["collectionMethod"]
                    .as_str()
                    .unwrap()
                    .ends_with("(form:join)")
        );
        let purposes = json["services"][0]["purposes"].as_array().unwrap();
        assert_eq!(purposes.len(), 1, "only the event's category");
        assert_eq!(purposes[0]["purpose"], "Offers and promotions");
        assert_eq!(
            purposes[0]["purposeCategory"],
            serde_json::json!(["offers", "marketing"])
        );
        assert_eq!(purposes[0]["consentType"], "EXPLICIT");
        assert!(
            purposes[0]["termination"]
                .as_str()
                .unwrap()
                .contains("STOP")
        );
        assert_eq!(json["sensitive"], false);
        assert_eq!(json["notice"]["version"], "join-v2");
        assert_eq!(json["notice"]["sha256"], "c".repeat(64));
        assert_eq!(json["consentEvent"]["hash"], "b".repeat(64));
        assert_eq!(json["consentEvent"]["prevHash"], "a".repeat(64));
        assert_eq!(json["consentEvent"]["seq"], 7);
        assert_eq!(json["consentEvent"]["state"], "given");
        assert_eq!(json["consentEvent"]["at"], "2026-01-01T00:00:00.123Z");
        assert_eq!(json["consentEvent"]["actor"], "system:forms");
        assert_eq!(json["evidence"]["ip"], "203.0.113.7");
    }

    #[test]
    fn what_is_not_known_is_left_out_not_made_up() {
        let mut e = event("offers", ConsentAction::Withdrawn, Source::Keyword);
        e.notice_version = None;
        e.notice_sha256 = None;
        e.language = None;
        e.source_ref = None;
        let record = EventRecord {
            event: e,
            evidence: None,
            notice: None,
        };
        let json = serde_json::to_value(receipt(&record, None)).unwrap();
        for absent in [
            "jurisdiction",
            "policyUrl",
            "notice",
            "language",
            "evidence",
        ] {
            assert!(json.get(absent).is_none(), "{absent} in {json}");
        }
        assert_eq!(json["consentEvent"]["state"], "withdrawn");
        assert_eq!(
            json["collectionMethod"],
            "WhatsApp chat: a keyword the person sent"
        );
    }

    #[test]
    fn an_erasure_covers_every_category_and_terminates_consent() {
        let record = EventRecord {
            event: event("*", ConsentAction::Erased, Source::Staff),
            evidence: None,
            notice: None,
        };
        let r = receipt(&record, None);
        assert_eq!(r.services[0].purposes.len(), 2);
        assert_eq!(r.consent_event.state, "terminated");
    }

    #[test]
    fn a_jurisdiction_is_short_plain_text() {
        assert_eq!(jurisdiction(" ES "), Ok("ES".to_owned()));
        assert!(jurisdiction("").is_err());
        assert!(jurisdiction("E\nS").is_err());
        assert!(jurisdiction(&"x".repeat(65)).is_err());
    }

    #[test]
    fn each_action_has_its_27560_state() {
        assert_eq!(state(ConsentAction::Granted, true), "requested");
        assert_eq!(state(ConsentAction::Granted, false), "given");
        assert_eq!(state(ConsentAction::Confirmed, false), "given");
        assert_eq!(state(ConsentAction::Declined, false), "refused");
        assert_eq!(state(ConsentAction::Expired, false), "expired");
    }
}
