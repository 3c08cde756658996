use std::fmt;

/// A phone number in E.164 form (`+` and digits), checked against libphonenumber's
/// metadata. Input may carry spaces, dashes, dots and parentheses, with or without a
/// leading `+`; digits without `+` are read as international, never as local.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("is empty")]
    Empty,
    #[error("contains letters; write digits only, e.g. +34612345678")]
    Letters,
    #[error("contains characters other than digits, spaces, + - ( ) and .")]
    BadCharacters,
    #[error("starts with 0; write the country code instead of a 0 or 00 prefix, e.g. +34612345678")]
    LeadingZero,
    #[error("has more than 15 digits, the E.164 maximum")]
    TooLong,
    #[error(
        "is too short to be a phone number; write it whole, with its country code, e.g. +34612345678"
    )]
    TooShort,
    #[error("does not start with a country code; write it first, e.g. +34612345678")]
    NoCountryCode,
    #[error(
        "is not a valid number for country code +{0}; check the digits, and that the number starts with its country code"
    )]
    InvalidForCountry(u16),
}

impl PhoneNumber {
    /// A number that can be dialled: valid in libphonenumber's metadata.
    pub fn parse(raw: &str) -> Result<Self, PhoneError> {
        Self::parse_with(raw, phonenumber::is_valid)
    }

    /// A business's own number: one of a length its country allows is enough.
    /// Meta hands developers test numbers from the fictional +1 555 range, which
    /// libphonenumber (rightly) calls invalid.
    pub fn parse_business(raw: &str) -> Result<Self, PhoneError> {
        Self::parse_with(raw, |parsed| {
            phonenumber::is_valid(parsed) || possible_length(parsed)
        })
    }

    /// A number typed by a person who chose their country (ISO 3166 code such as
    /// `ES`): national digits (`612 34 56 78`, `0612…` where that is how the
    /// country writes them) are read in that country; one written with `+` or
    /// `00` is international, whatever the country says.
    pub fn parse_in(raw: &str, country: &str) -> Result<Self, PhoneError> {
        let trimmed = raw.trim();
        if trimmed.starts_with('+') {
            return Self::parse(trimmed);
        }
        if let Some(rest) = trimmed.strip_prefix("00") {
            return Self::parse(&format!("+{rest}"));
        }
        let Ok(region) = country.parse::<phonenumber::country::Id>() else {
            return Self::parse(trimmed);
        };
        if trimmed.is_empty() {
            return Err(PhoneError::Empty);
        }
        if trimmed.chars().any(char::is_alphabetic) {
            return Err(PhoneError::Letters);
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " -().".contains(c))
        {
            return Err(PhoneError::BadCharacters);
        }
        let parsed = phonenumber::parse(Some(region), trimmed).map_err(|_| PhoneError::TooShort)?;
        if !phonenumber::is_valid(&parsed) {
            return Err(PhoneError::InvalidForCountry(parsed.code().value()));
        }
        Self::parse(&parsed.format().mode(phonenumber::Mode::E164).to_string())
    }

    fn parse_with(
        raw: &str,
        acceptable: impl Fn(&phonenumber::PhoneNumber) -> bool,
    ) -> Result<Self, PhoneError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(PhoneError::Empty);
        }
        if raw.chars().any(char::is_alphabetic) {
            return Err(PhoneError::Letters);
        }
        // One `+` at most, before any digit: "+34 …" and "(+34) …" but not "34+…".
        let first_digit = raw.find(|c: char| c.is_ascii_digit()).unwrap_or(raw.len());
        let plus_ok =
            raw.matches('+').count() <= 1 && raw.find('+').is_none_or(|i| i < first_digit);
        if !plus_ok
            || !raw
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            return Err(PhoneError::BadCharacters);
        }
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(PhoneError::Empty);
        }
        if digits.starts_with('0') {
            return Err(PhoneError::LeadingZero);
        }
        if digits.len() > 15 {
            return Err(PhoneError::TooLong);
        }
        let parsed = phonenumber::parse(None, format!("+{digits}")).map_err(|e| match e {
            phonenumber::ParseError::InvalidCountryCode => PhoneError::NoCountryCode,
            _ => PhoneError::TooShort,
        })?;
        if !acceptable(&parsed) {
            return Err(PhoneError::InvalidForCountry(parsed.code().value()));
        }
        let e164 = parsed.format().mode(phonenumber::Mode::E164).to_string();
        Ok(Self(e164))
    }

    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// WhatsApp's id for the number: the E.164 digits without `+`.
    pub fn wa_id(&self) -> &str {
        &self.0[1..]
    }

    /// For logs and reports: country code and the last three digits only.
    pub fn masked(&self) -> String {
        mask(self.wa_id())
    }
}

/// Every country with its calling code (`ES`, 34), sorted by code of country:
/// what a person picks before typing their number.
pub fn countries() -> &'static [(String, u16)] {
    static COUNTRIES: std::sync::LazyLock<Vec<(String, u16)>> = std::sync::LazyLock::new(|| {
        let mut all: Vec<(String, u16)> = phonenumber::metadata::DATABASE
            .iter()
            .filter(|m| m.id().len() == 2 && m.id().chars().all(|c| c.is_ascii_uppercase()))
            .map(|m| (m.id().to_owned(), m.country_code()))
            .collect();
        all.sort();
        all.dedup();
        all
    });
    &COUNTRIES
}

/// Whether the national number has a length some region of its country code uses.
fn possible_length(parsed: &phonenumber::PhoneNumber) -> bool {
    let length = parsed.national().to_string().len();
    let code = parsed.code().value();
    // The metadata keeps lengths per kind of number (fixed line, mobile, …).
    phonenumber::metadata::DATABASE
        .by_code(&code)
        .is_some_and(|regions| {
            regions.iter().any(|r| {
                let d = r.descriptors();
                std::iter::once(Some(d.general()))
                    .chain([
                        d.fixed_line(),
                        d.mobile(),
                        d.toll_free(),
                        d.premium_rate(),
                        d.shared_cost(),
                        d.personal_number(),
                        d.voip(),
                        d.uan(),
                    ])
                    .flatten()
                    .any(|kind| kind.possible_length().contains(&(length as u16)))
            })
        })
}

/// Keeps the first two and last three digits: enough to tell numbers apart in a
/// report, never enough to dial.
pub fn mask(digits: &str) -> String {
    let n = digits.chars().count();
    if n <= 5 {
        return "•".repeat(n);
    }
    let head: String = digits.chars().take(2).collect();
    let tail: String = digits.chars().skip(n - 3).collect();
    format!("+{head}{}{tail}", "•".repeat(n - 5))
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Meta's business-scoped user id (BSUID), e.g. `US.13491208655302741918`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UserId(String);

impl UserId {
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let raw = raw.trim();
        let well_formed = (3..=64).contains(&raw.len())
            && raw.contains('.')
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
            && raw.chars().take(2).all(|c| c.is_ascii_uppercase());
        if well_formed {
            Ok(Self(raw.to_owned()))
        } else {
            Err("is not a business-scoped user id such as US.13491208655302741918")
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Who a message goes to: a phone number or, for users known only by it, a BSUID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    Phone(PhoneNumber),
    User(UserId),
}

impl Recipient {
    pub fn masked(&self) -> String {
        match self {
            Recipient::Phone(p) => p.masked(),
            Recipient::User(u) => mask(u.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_plus_spaces_and_punctuation() {
        for raw in [
            "+34 612 34 56 78",
            "34612345678",
            "+34-612-345-678",
            " (+34) 612.345.678 ",
        ] {
            assert_eq!(
                PhoneNumber::parse(raw).unwrap().as_e164(),
                "+34612345678",
                "{raw}"
            );
        }
        assert_eq!(
            PhoneNumber::parse("+34612345678").unwrap().wa_id(),
            "34612345678"
        );
    }

    #[test]
    fn rejects_bad_numbers_with_the_reason() {
        assert_eq!(PhoneNumber::parse(""), Err(PhoneError::Empty));
        assert_eq!(
            PhoneNumber::parse("+1 800 FLOWERS"),
            Err(PhoneError::Letters)
        );
        assert_eq!(
            PhoneNumber::parse("0034612345678"),
            Err(PhoneError::LeadingZero)
        );
        assert_eq!(
            PhoneNumber::parse("+3461234567812345"),
            Err(PhoneError::TooLong)
        );
        assert_eq!(
            PhoneNumber::parse("34+612345678"),
            Err(PhoneError::BadCharacters)
        );
        assert_eq!(PhoneNumber::parse("+34 612;drop"), Err(PhoneError::Letters));
        assert_eq!(
            PhoneNumber::parse("612345678"),
            Err(PhoneError::InvalidForCountry(61))
        );
        assert_eq!(
            PhoneNumber::parse("+999 1234 5678"),
            Err(PhoneError::NoCountryCode)
        );
        assert_eq!(PhoneNumber::parse("12"), Err(PhoneError::TooShort));
        assert!(
            PhoneError::InvalidForCountry(61)
                .to_string()
                .contains("country code +61")
        );
    }

    #[test]
    fn a_person_types_their_number_in_their_country() {
        for (raw, country) in [
            ("612 34 56 78", "ES"),
            ("+34 612 34 56 78", "BR"),
            ("0034612345678", "US"),
        ] {
            assert_eq!(
                PhoneNumber::parse_in(raw, country).map(|p| p.as_e164().to_owned()),
                Ok("+34612345678".to_owned()),
                "{raw} in {country}"
            );
        }
        assert_eq!(
            PhoneNumber::parse_in("(11) 98765-4321", "BR")
                .unwrap()
                .as_e164(),
            "+5511987654321"
        );
        assert_eq!(
            PhoneNumber::parse_in("612 34 56", "ES"),
            Err(PhoneError::InvalidForCountry(34))
        );
        assert_eq!(
            PhoneNumber::parse_in("call me", "ES"),
            Err(PhoneError::Letters)
        );
        assert!(countries().contains(&("ES".to_owned(), 34)));
        assert!(countries().contains(&("BR".to_owned(), 55)));
        assert!(countries().iter().all(|(id, _)| id.len() == 2));
    }

    #[test]
    fn a_business_number_may_be_one_of_metas_test_numbers() {
        assert_eq!(
            PhoneNumber::parse("+1 555 078 3881"),
            Err(PhoneError::InvalidForCountry(1))
        );
        let test_number = PhoneNumber::parse_business("+1 555 078 3881").unwrap();
        assert_eq!(test_number.as_e164(), "+15550783881");
        assert_eq!(
            PhoneNumber::parse_business("+1 555 078"),
            Err(PhoneError::InvalidForCountry(1)),
            "too short for +1"
        );
        assert!(PhoneNumber::parse_business("+34612345678").is_ok());
    }

    #[test]
    fn masks_all_but_country_and_last_digits() {
        let p = PhoneNumber::parse("+34612345678").unwrap();
        assert_eq!(p.masked(), "+34••••••678");
        assert!(!p.masked().contains("612345"));
    }

    #[test]
    fn user_ids() {
        assert!(UserId::parse("US.13491208655302741918").is_ok());
        assert!(UserId::parse("US.ENT.11815799212886844830").is_ok());
        assert!(UserId::parse("13491208655302741918").is_err());
        assert!(UserId::parse("us.1").is_err());
    }
}
