//! Days and times as the console writes them: UTC always, and said so on the page.

/// `2026-11-14` for a day since the epoch.
pub fn iso_date(day: i64) -> String {
    date(day).map_or_else(String::new, |d| d.to_string())
}

/// `14 Nov` for a day since the epoch.
pub fn short_date(day: i64) -> String {
    date(day).map_or_else(String::new, |d| {
        format!("{} {}", d.day(), &d.month().to_string()[..3])
    })
}

/// `2026-11-14 09:30:05` for an epoch-ms time, to the second.
pub fn moment(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000)).map_or_else(
        |_| String::new(),
        |t| {
            format!(
                "{} {:02}:{:02}:{:02}",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    )
}

/// `2026-11-14 09:30:05 UTC`: a moment where the page does not say UTC elsewhere.
pub fn when(ms: i64) -> String {
    let at = moment(ms);
    if at.is_empty() {
        at
    } else {
        format!("{at} UTC")
    }
}

fn date(day: i64) -> Option<time::Date> {
    // Julian day 2 440 588 is 1970-01-01.
    time::Date::from_julian_day(i32::try_from(day + 2_440_588).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_moments_read_as_utc() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(short_date(20_029), "2 Nov");
        assert_eq!(moment(1_793_491_205_678), "2026-11-01 00:00:05");
        assert_eq!(when(1_767_225_600_999), "2026-01-01 00:00:00 UTC");
        assert_eq!(when(i64::MAX), "");
    }
}
