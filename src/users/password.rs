//! Staff passwords: the policy a new one must meet, and argon2id hashing (off the
//! async threads: a hash takes tens of milliseconds on purpose).

use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 128;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("use at least {MIN_LENGTH} characters")]
    TooShort,
    #[error("use at most {MAX_LENGTH} characters")]
    TooLong,
    #[error("do not use your email address, or its name before the @, in your password")]
    HasEmail,
    #[error("use more than one different character")]
    OneCharacter,
}

/// Whether `password` may be the password of the account `email`. Length is
/// what makes a password strong; the email is the first thing an attacker tries.
pub fn check(email: &str, password: &str) -> Result<(), PasswordError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(PasswordError::TooShort);
    }
    if length > MAX_LENGTH {
        return Err(PasswordError::TooLong);
    }
    let lower = password.to_lowercase();
    let email = email.trim().to_lowercase();
    let name = email.split('@').next().unwrap_or_default();
    if !email.is_empty()
        && (lower.contains(&email) || (name.chars().count() >= 3 && lower.contains(name)))
    {
        return Err(PasswordError::HasEmail);
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(PasswordError::OneCharacter);
    }
    Ok(())
}

pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
    })
    .await?
    .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

pub async fn verify(stored: String, password: String) -> anyhow::Result<bool> {
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
    })
    .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_what_is_wrong() {
        let email = "ana.garcia@acme.example";
        assert_eq!(check(email, "short"), Err(PasswordError::TooShort));
        assert_eq!(check(email, &"x".repeat(129)), Err(PasswordError::TooLong));
        assert_eq!(
            check(email, "ANA.GARCIA@acme.example"),
            Err(PasswordError::HasEmail)
        );
        assert_eq!(
            check(email, "my name is ana.garcia!"),
            Err(PasswordError::HasEmail)
        );
        assert_eq!(
            check(email, "aaaaaaaaaaaaaaa"),
            Err(PasswordError::OneCharacter)
        );
        assert_eq!(check(email, "correct horse battery"), Ok(()));
        // A short name before the @ is too common a word to refuse.
        assert_eq!(check("al@acme.example", "always albatross"), Ok(()));
    }
}
