//! The links a person follows to the chat: wa.me, as WhatsApp requires it, and
//! Assent's own tracking link that counts a visit on the way.

use crate::numbers::BusinessNumber;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// `https://wa.me/<digits>?text=<text>`, as WhatsApp requires it: the display
/// number's digits alone (no `+`, no spaces or dashes, no leading zeros), and the
/// text percent-encoded as UTF-8 (spaces as %20, which every WhatsApp client
/// reads; emoji and every script too).
pub fn wa_me_url(number: &BusinessNumber, text: &str) -> String {
    wa_me(&number.display_number, text)
}

fn wa_me(display_number: &str, text: &str) -> String {
    let digits: String = display_number
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    format!(
        "https://wa.me/{}?text={}",
        digits.trim_start_matches('0'),
        utf8_percent_encode(text, NON_ALPHANUMERIC)
    )
}

/// The tracking link: `{public_url}/l/{code}` counts a visit and redirects to the
/// wa.me link. Codes are letters, digits, `-` and `_`: safe in a path as they are.
pub fn tracking_url(public_url: &str, code: &str) -> String {
    format!("{public_url}/l/{code}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Hi";

    #[test]
    fn wa_me_links_carry_the_display_numbers_digits_alone() {
        for (display, digits) in [
            ("+1 202-555-0100", "12025550100"),
            ("+12025550100", "12025550100"),
            ("+34 612 34 56 78", "34612345678"),
            ("+55 (11) 91234-5678", "5511912345678"),
            ("+91 98765 43210", "919876543210"),
            ("+44 20 7946 0958", "442079460958"),
            // Written the international way with 00: still no leading zeros.
            ("0044 20 7946 0958", "442079460958"),
        ] {
            assert_eq!(
                wa_me(display, TEXT),
                format!("https://wa.me/{digits}?text=Hi"),
                "{display}"
            );
        }
    }

    #[test]
    fn wa_me_texts_are_percent_encoded_as_utf8() {
        for (text, encoded) in [
            (
                "Send me the spring offers SPRING26",
                "Send%20me%20the%20spring%20offers%20SPRING26",
            ),
            // Accents (precomposed) and Spanish punctuation.
            (
                "¿Qué tal? Ofertas de café SPRING-26",
                "%C2%BFQu%C3%A9%20tal%3F%20Ofertas%20de%20caf%C3%A9%20SPRING%2D26",
            ),
            (
                "Olá, promoção ☀️ 🎉 SUN_1",
                "Ol%C3%A1%2C%20promo%C3%A7%C3%A3o%20%E2%98%80%EF%B8%8F%20%F0%9F%8E%89%20SUN%5F1",
            ),
            // Arabic: right to left, encoded in logical order.
            ("مرحبا EID24", "%D9%85%D8%B1%D8%AD%D8%A8%D8%A7%20EID24"),
            ("你好 CNY", "%E4%BD%A0%E5%A5%BD%20CNY"),
            ("Привет RU1", "%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%20RU1"),
            // What would break the query string is encoded too.
            ("a&b=c+d#e/f?g", "a%26b%3Dc%2Bd%23e%2Ff%3Fg"),
            ("line\nbreak", "line%0Abreak"),
        ] {
            assert_eq!(
                wa_me("+1 202 555 0100", text),
                format!("https://wa.me/12025550100?text={encoded}"),
                "{text}"
            );
            let decoded = percent_encoding::percent_decode_str(encoded)
                .decode_utf8()
                .unwrap();
            assert_eq!(decoded, text);
        }
    }

    #[test]
    fn tracking_links_name_the_code() {
        assert_eq!(
            tracking_url("https://assent.example", "SPRING-26"),
            "https://assent.example/l/SPRING-26"
        );
    }
}
