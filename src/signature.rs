//! Meta's webhook signature, `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>` of the
//! raw body: checked on what Meta sends us, made on what we forward to the business.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const HEADER: &str = "X-Hub-Signature-256";

fn mac(secret: &str, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(body);
    mac
}

pub fn sign(secret: &str, body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(mac(secret, body).finalize().into_bytes())
    )
}

/// Whether `header` is `body` signed with `secret`; the comparison takes the same
/// time wherever the first wrong byte is.
pub fn verify(secret: &str, body: &[u8], header: &str) -> bool {
    let Some(given) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Ok(given) = hex::decode(given) else {
        return false;
    };
    mac(secret, body).verify_slice(&given).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_raw_bytes() {
        let body = br#"{"object":"whatsapp_business_account"}"#;
        let header = sign("s3cret", body);
        assert!(verify("s3cret", body, &header));
        assert!(!verify("other", body, &header));
        assert!(!verify(
            "s3cret",
            b"{\"object\": \"whatsapp_business_account\"}",
            &header
        ));
        assert!(!verify(
            "s3cret",
            body,
            header.trim_start_matches("sha256=")
        ));
        assert!(!verify("s3cret", body, "sha256=zz"));
    }
}
