//! Meta's own send-request examples (its OpenAPI spec, in the fixture corpus) must
//! pass our validator: a drop-in must accept what Meta documents.

use crate::helpers::fixtures::corpus;
use serde_json::Value;

/// Meta's placeholders that are not valid values themselves, and what stands in.
const PLACEHOLDERS: [(&str, &str); 5] = [
    ("{{Recipient-WA-Phone-Number}}", "+16505551234"),
    ("{{Recipient-Phone-Number}}", "+16505551234"),
    ("<TEMPLATE_NAME>", "template_name"),
    ("template-name", "template_name"),
    ("language-and-locale-code", "en_US"),
];

/// Fills Meta's placeholders with real values, and `<http(s)://…>` links with URLs.
fn fill_placeholders(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some((_, real)) = PLACEHOLDERS.iter().find(|(p, _)| s == p) {
                *s = (*real).to_owned();
            } else if s.contains("http(s)://") {
                *s = format!(
                    "https://example.com/{}",
                    s.replace(['<', '>'], "").replace("http(s)://", "")
                );
            }
        }
        Value::Array(items) => items.iter_mut().for_each(fill_placeholders),
        Value::Object(map) => map.values_mut().for_each(fill_placeholders),
        _ => {}
    }
}

#[test]
fn every_meta_send_example_is_accepted() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("send_message_request_examples.json")).unwrap();
    let examples: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    assert!(examples.len() >= 50);
    let mut checked = 0;
    for (name, mut body) in examples {
        fill_placeholders(&mut body);
        // Read receipts and typing indicators are not messages to a person.
        if body.get("status").is_some() {
            let e = assent::sending::message::parse(body).unwrap_err();
            assert_eq!(e.field, "to", "{name}");
            continue;
        }
        if let Err(e) = assent::sending::message::parse(body.clone()) {
            panic!("Meta's example {name:?} was rejected: {e}\n{body}");
        }
        checked += 1;
    }
    assert!(checked >= 49);
}

#[test]
fn every_meta_send_response_example_has_the_shape_we_answer_with() {
    let Some(dir) = corpus() else { return };
    let text = std::fs::read_to_string(dir.join("send_message_response_examples.json")).unwrap();
    let examples: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
    for (name, body) in examples {
        if body.get("messages").is_none() {
            continue;
        }
        assert_eq!(body["messaging_product"], "whatsapp", "{name}");
        assert!(
            body["contacts"][0]["input"].is_string() && body["contacts"][0]["wa_id"].is_string(),
            "{name}"
        );
        assert!(body["messages"][0]["id"].is_string(), "{name}");
    }
}
