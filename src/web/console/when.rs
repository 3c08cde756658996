//! Times as staff read them: UTC, to the second, without the T and fractions of
//! RFC 3339 (exports keep those).

use time::OffsetDateTime;

pub fn when(ms: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_time_reads_as_utc_to_the_second() {
        assert_eq!(super::when(1_767_225_600_999), "2026-01-01 00:00:00 UTC");
        assert_eq!(super::when(i64::MAX), "");
    }
}
