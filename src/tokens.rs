//! Tokens for links people receive: the preference center's, a form's pre-filled
//! number, a public form's CSRF token. Each is sealed (AES-256-GCM) under a key
//! derived from the instance secret for its purpose, so a token cannot be read,
//! changed, or used for another purpose, and carries its expiry; nothing about it
//! is kept in the database. What it carries (a phone number) never shows in a URL.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// What a token is for; a token made for one is refused by every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `/p/{token}`: a person's preferences with one business number.
    Preferences,
    /// `/f/{slug}?t=…`: a form with the person's number filled in.
    Prefill,
    /// The hidden field of a public form: it came from this site, recently.
    FormCsrf,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Preferences => b"preferences",
            Self::Prefill => b"prefill",
            Self::FormCsrf => b"form-csrf",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Not a token we made for this purpose (altered, truncated, made up).
    #[error("the token is not valid")]
    Forged,
    #[error("the token has expired")]
    Expired,
}

fn cipher(secret: &[u8], purpose: Purpose) -> Aes256Gcm {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(secret)
        .expect("HMAC takes keys of any length");
    mac.update(b"assent token key: ");
    mac.update(purpose.label());
    let key = mac.finalize().into_bytes();
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(&key))
}

/// Seals `data` for `purpose`, valid for `ttl` from `now_ms`.
pub fn seal(secret: &[u8], purpose: Purpose, data: &[u8], ttl: Duration, now_ms: i64) -> String {
    let expires = now_ms.saturating_add(ttl.as_millis() as i64);
    let mut plain = expires.to_be_bytes().to_vec();
    plain.extend_from_slice(data);
    let nonce: [u8; 12] = rand::random();
    let sealed = cipher(secret, purpose)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: &plain,
                aad: purpose.label(),
            },
        )
        .expect("AES-GCM encrypts any message this size");
    let mut token = nonce.to_vec();
    token.extend_from_slice(&sealed);
    URL_SAFE_NO_PAD.encode(token)
}

/// What `token` carries, if it was sealed for `purpose` and has not expired at
/// `now_ms`.
pub fn open(
    secret: &[u8],
    purpose: Purpose,
    token: &str,
    now_ms: i64,
) -> Result<Vec<u8>, TokenError> {
    let raw = URL_SAFE_NO_PAD
        .decode(token.trim())
        .map_err(|_| TokenError::Forged)?;
    if raw.len() < 12 + 8 + 16 {
        return Err(TokenError::Forged);
    }
    let (nonce, sealed) = raw.split_at(12);
    let plain = cipher(secret, purpose)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: purpose.label(),
            },
        )
        .map_err(|_| TokenError::Forged)?;
    let (expires, data) = plain.split_at(8);
    let expires = i64::from_be_bytes(expires.try_into().map_err(|_| TokenError::Forged)?);
    if now_ms >= expires {
        return Err(TokenError::Expired);
    }
    Ok(data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef-test";
    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn a_token_opens_for_its_purpose_until_it_expires() {
        let token = seal(SECRET, Purpose::Prefill, b"+34612345678", HOUR, 1_000);
        assert!(!token.contains("34612345678"), "nothing in clear: {token}");
        assert_eq!(
            open(SECRET, Purpose::Prefill, &token, 2_000).unwrap(),
            b"+34612345678"
        );
        assert_eq!(
            open(SECRET, Purpose::Prefill, &token, 1_000 + 3_600_000),
            Err(TokenError::Expired)
        );
        assert_eq!(
            open(SECRET, Purpose::Preferences, &token, 2_000),
            Err(TokenError::Forged),
            "not for another purpose"
        );
        assert_eq!(
            open(
                b"another secret, another instance!!",
                Purpose::Prefill,
                &token,
                2_000
            ),
            Err(TokenError::Forged)
        );
    }

    #[test]
    fn altered_or_made_up_tokens_are_forged() {
        let token = seal(SECRET, Purpose::Preferences, b"contact", HOUR, 0);
        // A character in the middle: the last one may carry only padding bits.
        let mut altered = token.clone().into_bytes();
        let middle = altered.len() / 2;
        altered[middle] = if altered[middle] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        for bad in [
            altered.as_str(),
            "",
            "abc",
            "not a token!",
            &token[..token.len() - 4],
        ] {
            assert_eq!(
                open(SECRET, Purpose::Preferences, bad, 1),
                Err(TokenError::Forged),
                "{bad}"
            );
        }
    }
}
