//! Search filters as typed in a console page's query string → domain values,
//! each mistake a message beside its field. Shared by the ledger search, its
//! export and the blocked-sends report.

use super::text::Filters;
use crate::domain::PhoneNumber;
use crate::numbers::BusinessNumber;
use crate::web::form::FieldErrors;

/// A business number chosen from the list, by Meta's id; empty means every one.
pub fn number(
    raw: &str,
    numbers: &[BusinessNumber],
    t: &Filters,
    errors: &mut FieldErrors,
) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if numbers.iter().any(|n| n.phone_number_id == raw) {
        Some(raw.to_owned())
    } else {
        errors.add("number", t.choose_number);
        None
    }
}

/// A person's phone number, exactly: with its country code.
pub fn phone(raw: &str, t: &Filters, errors: &mut FieldErrors) -> Option<PhoneNumber> {
    if raw.trim().is_empty() {
        return None;
    }
    match PhoneNumber::parse(raw) {
        Ok(phone) => Some(phone),
        Err(e) => {
            errors.add("phone", (t.bad_phone)(&e));
            None
        }
    }
}

/// One of `choices`, or none when empty.
pub fn one_of<T: Copy>(
    field: &'static str,
    raw: &str,
    choices: &[(&'static str, T)],
    t: &Filters,
    errors: &mut FieldErrors,
) -> Option<T> {
    if raw.is_empty() {
        return None;
    }
    let found = choices
        .iter()
        .find(|(name, _)| *name == raw)
        .map(|(_, v)| *v);
    if found.is_none() {
        errors.add(field, t.choose_one);
    }
    found
}

/// `from` and `to` (both days included, UTC, as `2026-11-30`) as epoch-ms
/// bounds: from the start of `from` to the end of `to`.
pub fn days(
    from: &str,
    to: &str,
    t: &Filters,
    errors: &mut FieldErrors,
) -> (Option<i64>, Option<i64>) {
    let start = date(from, "from", t, errors);
    let end = date(to, "to", t, errors);
    if let (Some(a), Some(b)) = (start, end)
        && b < a
    {
        errors.add("to", t.to_before_from);
    }
    let ms = |d: time::Date| d.midnight().assume_utc().unix_timestamp() * 1000;
    (start.map(ms), end.and_then(|d| d.next_day()).map(ms))
}

fn date(
    raw: &str,
    field: &'static str,
    t: &Filters,
    errors: &mut FieldErrors,
) -> Option<time::Date> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let parsed = raw.split('-').collect::<Vec<_>>();
    let date = match parsed.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse::<i32>(), m.parse::<u8>(), d.parse::<u8>()) {
                (Ok(y), Ok(m), Ok(d)) => time::Month::try_from(m)
                    .ok()
                    .and_then(|m| time::Date::from_calendar_date(y, m, d).ok()),
                _ => None,
            }
        }
        _ => None,
    };
    if date.is_none() {
        errors.add(field, t.bad_day);
    }
    date
}

/// A query string of the filters that are set, for links that keep them.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    let set: Vec<(&str, &str)> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .copied()
        .collect();
    serde_urlencoded::to_string(set).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::console::text::EN;

    #[test]
    fn days_include_both_ends() {
        let mut errors = FieldErrors::default();
        let (since, until) = days("2026-11-01", "2026-11-01", &EN.filters, &mut errors);
        assert!(errors.is_empty());
        assert_eq!(until.unwrap() - since.unwrap(), 24 * 60 * 60 * 1000);
        assert_eq!(since, Some(1_793_491_200_000));
    }

    #[test]
    fn bad_days_are_named() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            days("2026-13-01", "yesterday", &EN.filters, &mut errors),
            (None, None)
        );
        assert!(errors.has("from") && errors.has("to"));
        let mut errors = FieldErrors::default();
        days("2026-11-02", "2026-11-01", &EN.filters, &mut errors);
        assert!(errors.has("to") && !errors.has("from"));
    }

    #[test]
    fn phones_are_parsed_with_a_reason() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            phone("+34 612 34 56 78", &EN.filters, &mut errors).map(|p| p.as_e164().to_owned()),
            Some("+34612345678".into())
        );
        assert_eq!(phone("", &EN.filters, &mut errors), None);
        assert!(errors.is_empty());
        assert_eq!(phone("call me", &EN.filters, &mut errors), None);
        assert!(errors.of("phone")[0].starts_with("This number contains letters"));
    }
}
