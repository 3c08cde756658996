//! What a row must be to be recorded, decided without I/O: its values parsed
//! into domain types (`check`), then set against what the ledger already holds
//! for the person (`decide`).

use super::parse::Row;
use crate::consent::{CategoryStatus, ConsentState, export::rfc3339};
use crate::domain::{CategoryName, PhoneNumber};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Bounds of the free-text columns, in characters.
pub const MAX_SOURCE: usize = 200;
pub const MAX_NOTICE_VERSION: usize = 64;
pub const MAX_EVIDENCE: usize = 2000;

/// A row that passed: a consent to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub phone: PhoneNumber,
    pub category: CategoryName,
    /// When the person gave it, as the file says (epoch ms).
    pub granted_at: i64,
    pub source: String,
    pub notice_version: String,
    pub evidence: Option<String>,
}

impl Consent {
    /// The time the person gave it, in UTC.
    pub fn granted_at_text(&self) -> String {
        rfc3339(self.granted_at)
    }
}

/// Checks every value of a row and names each problem, so one look at the
/// rejected rows shows everything to correct.
pub fn check(row: &Row, categories: &[CategoryName], now_ms: i64) -> Result<Consent, String> {
    let mut problems: Vec<String> = row.problem.iter().cloned().collect();
    let mut required = |column: &str| {
        let value = row.get(column);
        if value.is_none() {
            problems.push(format!("{column}: is empty"));
        }
        value
    };
    let phone = required("phone");
    let category = required("category");
    let granted_at = required("granted_at");
    let source = required("source");
    let notice_version = required("notice_version");
    let phone = phone.and_then(|p| {
        PhoneNumber::parse(p)
            .map_err(|e| problems.push(format!("phone: {e}")))
            .ok()
    });
    let category = category.and_then(|c| {
        let known = categories.iter().find(|k| k.as_str() == c).cloned();
        if known.is_none() {
            let names: Vec<&str> = categories.iter().map(CategoryName::as_str).collect();
            problems.push(format!(
                "category: \"{c}\" is not a category; known: {}",
                names.join(", ")
            ));
        }
        known
    });
    let granted_at = granted_at.and_then(|t| match OffsetDateTime::parse(t, &Rfc3339) {
        Err(_) => {
            problems.push(format!(
                "granted_at: \"{t}\" is not a time such as 2024-03-01T09:30:00Z (RFC 3339, with its offset)"
            ));
            None
        }
        Ok(at) => {
            let ms = (at.unix_timestamp_nanos() / 1_000_000) as i64;
            if ms > now_ms {
                problems.push(format!("granted_at: {t} is in the future"));
                None
            } else {
                Some(ms)
            }
        }
    });
    let source = source.and_then(|s| text(&mut problems, "source", s, MAX_SOURCE, false));
    let notice_version = notice_version.and_then(|v| {
        text(
            &mut problems,
            "notice_version",
            v,
            MAX_NOTICE_VERSION,
            false,
        )
    });
    let evidence = row
        .get("evidence")
        .and_then(|e| text(&mut problems, "evidence", e, MAX_EVIDENCE, true));
    match (phone, category, granted_at, source, notice_version) {
        (Some(phone), Some(category), Some(granted_at), Some(source), Some(notice_version))
            if problems.is_empty() =>
        {
            Ok(Consent {
                phone,
                category,
                granted_at,
                source,
                notice_version,
                evidence,
            })
        }
        _ => Err(problems.join("; ")),
    }
}

/// Free text that goes into the ledger's evidence: bounded, printable (line
/// breaks and tabs allowed where `lines`).
fn text(
    problems: &mut Vec<String>,
    column: &str,
    value: &str,
    max: usize,
    lines: bool,
) -> Option<String> {
    let allowed = |c: char| lines && matches!(c, '\n' | '\r' | '\t');
    if value.chars().count() > max {
        problems.push(format!("{column}: is longer than {max} characters"));
        None
    } else if value.chars().any(|c| c.is_control() && !allowed(c)) {
        problems.push(format!("{column}: contains control characters"));
        None
    } else {
        Some(value.to_owned())
    }
}

/// What to do with a consent, given the person's current state in its
/// category and whether they are on the suppression list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Record,
    /// Granted already: nothing to add.
    AlreadyGranted,
    Reject(String),
}

pub fn decide(consent: &Consent, current: Option<&CategoryStatus>, suppressed: bool) -> Verdict {
    if suppressed {
        return Verdict::Reject(
            "the person's data was erased at their request; only they can opt in again".into(),
        );
    }
    match current {
        Some(s) if s.state == ConsentState::Granted => Verdict::AlreadyGranted,
        // An opt-out recorded after the consent in the file is the person's
        // latest word: an older consent must not undo it.
        Some(s) if s.state == ConsentState::Withdrawn && s.since >= consent.granted_at => {
            Verdict::Reject(format!(
                "the person withdrew this category on {}, after granted_at",
                rfc3339(s.since)
            ))
        }
        _ => Verdict::Record,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::parse::COLUMNS;

    const NOW: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

    fn row(values: [&str; 6]) -> Row {
        Row {
            line: 2,
            values: values.map(|v| (!v.is_empty()).then(|| v.to_owned())),
            problem: None,
        }
    }

    fn good() -> [&'static str; 6] {
        [
            "+34612345678",
            "offers",
            "2024-03-01T10:30:00+01:00",
            "paper form, shop 12",
            "2023-09",
            "signed slip 4411",
        ]
    }

    fn categories() -> Vec<CategoryName> {
        ["offers", "order_updates"]
            .map(|c| CategoryName::parse(c).unwrap())
            .to_vec()
    }

    fn problem(values: [&str; 6]) -> String {
        check(&row(values), &categories(), NOW).unwrap_err()
    }

    #[test]
    fn a_good_row_is_a_consent_with_its_time_in_utc() {
        let c = check(&row(good()), &categories(), NOW).unwrap();
        assert_eq!(c.phone.as_e164(), "+34612345678");
        assert_eq!(c.category.as_str(), "offers");
        assert_eq!(c.granted_at_text(), "2024-03-01T09:30:00Z");
        assert_eq!(c.evidence.as_deref(), Some("signed slip 4411"));
        let mut no_evidence = good();
        no_evidence[5] = "";
        assert_eq!(
            check(&row(no_evidence), &categories(), NOW)
                .unwrap()
                .evidence,
            None
        );
    }

    #[test]
    fn each_required_column_must_have_a_value() {
        for (i, column) in COLUMNS.iter().enumerate().take(5) {
            let mut values = good();
            values[i] = "";
            assert_eq!(problem(values), format!("{column}: is empty"));
        }
    }

    #[test]
    fn the_phone_is_a_whole_international_number() {
        let mut values = good();
        values[0] = "0612345678";
        assert!(problem(values).starts_with("phone: starts with 0"));
        values[0] = "+34 61234 letters";
        assert!(problem(values).starts_with("phone: contains letters"));
    }

    #[test]
    fn the_category_must_be_known() {
        let mut values = good();
        values[1] = "Offers";
        assert_eq!(
            problem(values),
            "category: \"Offers\" is not a category; known: offers, order_updates"
        );
    }

    #[test]
    fn the_time_is_rfc_3339_and_not_in_the_future() {
        let mut values = good();
        values[2] = "01/03/2024";
        assert!(problem(values).starts_with("granted_at: \"01/03/2024\" is not a time"));
        values[2] = "2024-03-01T09:30:00";
        assert!(problem(values).contains("is not a time"), "no offset");
        values[2] = "2026-01-01T00:00:01Z";
        assert_eq!(
            problem(values),
            "granted_at: 2026-01-01T00:00:01Z is in the future"
        );
        values[2] = "2026-01-01T00:00:00Z";
        assert!(
            check(&row(values), &categories(), NOW).is_ok(),
            "now is fine"
        );
    }

    #[test]
    fn free_text_is_bounded_and_printable() {
        let long = "x".repeat(MAX_SOURCE + 1);
        let mut values = good();
        values[3] = &long;
        assert_eq!(problem(values), "source: is longer than 200 characters");
        let mut values = good();
        values[4] = "v\u{7}1";
        assert_eq!(
            problem(values),
            "notice_version: contains control characters"
        );
        let mut values = good();
        values[5] = "line one\nline two";
        assert!(check(&row(values), &categories(), NOW).is_ok());
    }

    #[test]
    fn every_problem_of_a_row_is_named_at_once() {
        let mut r = row(["0612", "nope", "", "paper", "v1", ""]);
        r.problem = Some("the line has 5 values where the first line names 6 columns".into());
        let p = check(&r, &categories(), NOW).unwrap_err();
        assert!(p.starts_with("the line has 5 values"), "{p}");
        assert!(p.contains("; granted_at: is empty; phone: "), "{p}");
        assert!(p.contains("; category: \"nope\""), "{p}");
    }

    fn status(state: ConsentState, since: i64) -> CategoryStatus {
        CategoryStatus {
            state,
            since,
            pending_template: None,
            source: None,
            source_ref: None,
        }
    }

    #[test]
    fn granted_already_adds_nothing() {
        let c = check(&row(good()), &categories(), NOW).unwrap();
        let granted = status(ConsentState::Granted, NOW - 1);
        assert_eq!(decide(&c, Some(&granted), false), Verdict::AlreadyGranted);
        assert_eq!(decide(&c, None, false), Verdict::Record);
        for state in [
            ConsentState::Pending,
            ConsentState::Expired,
            ConsentState::None,
        ] {
            assert_eq!(
                decide(&c, Some(&status(state, NOW)), false),
                Verdict::Record
            );
        }
    }

    #[test]
    fn a_later_opt_out_wins_over_an_older_consent() {
        let c = check(&row(good()), &categories(), NOW).unwrap();
        let later = status(ConsentState::Withdrawn, c.granted_at + 1);
        assert_eq!(
            decide(&c, Some(&later), false),
            Verdict::Reject(format!(
                "the person withdrew this category on {}, after granted_at",
                rfc3339(c.granted_at + 1)
            ))
        );
        let earlier = status(ConsentState::Withdrawn, c.granted_at - 1);
        assert_eq!(decide(&c, Some(&earlier), false), Verdict::Record);
    }

    #[test]
    fn an_erased_person_is_never_opted_in_by_an_import() {
        let c = check(&row(good()), &categories(), NOW).unwrap();
        assert!(matches!(decide(&c, None, true), Verdict::Reject(_)));
    }
}
