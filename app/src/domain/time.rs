//! Instants as UTC milliseconds since the Unix epoch, and the calendar arithmetic the UI needs.
//!
//! Stored as a plain integer in both databases so SQLite and PostgreSQL compare and index them the
//! same way; shown in the viewer's zone by passing its UTC offset.

use serde::{Deserialize, Serialize};

/// Milliseconds in one day.
pub const DAY_MS: i64 = 86_400_000;
/// Milliseconds in one hour.
pub const HOUR_MS: i64 = 3_600_000;

/// A UTC instant, in milliseconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// The instant `days` whole days later (or earlier, when negative).
    pub fn plus_days(self, days: i64) -> Self {
        Timestamp(self.0 + days * DAY_MS)
    }

    /// The instant `ms` milliseconds later.
    pub fn plus_ms(self, ms: i64) -> Self {
        Timestamp(self.0 + ms)
    }

    /// The civil day number (days since the epoch) this instant falls on at `offset_minutes`
    /// east of UTC.
    pub fn day_number(self, offset_minutes: i32) -> i64 {
        (self.0 + i64::from(offset_minutes) * 60_000).div_euclid(DAY_MS)
    }

    /// `YYYY-MM-DD` at `offset_minutes` east of UTC.
    pub fn date_string(self, offset_minutes: i32) -> String {
        let (y, m, d) = civil_from_days(self.day_number(offset_minutes));
        format!("{y:04}-{m:02}-{d:02}")
    }

    /// `HH:MM` at `offset_minutes` east of UTC.
    pub fn time_of_day(self, offset_minutes: i32) -> String {
        let minutes = (self.0 + i64::from(offset_minutes) * 60_000).rem_euclid(DAY_MS) / 60_000;
        format!("{:02}:{:02}", minutes / 60, minutes % 60)
    }

    /// A short human date such as `Mar 4`, at `offset_minutes` east of UTC.
    pub fn short_date(self, offset_minutes: i32) -> String {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        let (_, m, d) = civil_from_days(self.day_number(offset_minutes));
        format!("{} {d}", MONTHS[(m - 1) as usize])
    }
}

/// The months' full names, January first.
pub const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// How long ago `then` was at `now`, in whole days as people say it: "today",
/// "yesterday", "3 days ago" (a time in the future reads "today").
pub fn ago(then: Timestamp, now: Timestamp) -> String {
    match (now.0 - then.0).div_euclid(DAY_MS) {
        ..=0 => "today".to_string(),
        1 => "yesterday".to_string(),
        n => format!("{n} days ago"),
    }
}

/// `YYYY-MM-DD` of a day number (days since 1970-01-01).
pub fn date_text(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The day number of a `YYYY-MM-DD` date; none for anything else, including dates that do
/// not exist (2026-02-30).
pub fn parse_date(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.trim().split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() <= 2 && d.len() <= 2 => {
            match (y.parse::<i64>(), m.parse::<u32>(), d.parse::<u32>()) {
                (Ok(y), Ok(m), Ok(d)) if (1..=12).contains(&m) && d >= 1 => {
                    let day = days_from_civil(y, m, d);
                    (civil_from_days(day) == (y, m, d)).then_some(day)
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// Converts a day count since 1970-01-01 to a proleptic Gregorian (year, month, day).
///
/// Howard Hinnant's `civil_from_days` algorithm: exact for every day an `i64` of milliseconds
/// can reach, without a calendar library in the WASM bundle.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// The day count since 1970-01-01 of a proleptic Gregorian date (`civil_from_days` inverted;
/// Howard Hinnant's `days_from_civil`). Months outside 1–12 and days past the month's end roll
/// over arithmetically.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ago_counts_whole_days() {
        let now = Timestamp(100 * DAY_MS);
        assert_eq!(ago(now.plus_ms(-HOUR_MS), now), "today");
        assert_eq!(ago(now.plus_ms(HOUR_MS), now), "today");
        assert_eq!(ago(now.plus_days(-1), now), "yesterday");
        assert_eq!(ago(now.plus_days(-3).plus_ms(-5), now), "3 days ago");
    }

    #[test]
    fn the_epoch_is_the_first_of_january_1970() {
        assert_eq!(Timestamp(0).date_string(0), "1970-01-01");
    }

    #[test]
    fn a_known_instant_formats_as_its_calendar_date() {
        // 2026-11-29T06:00:00Z
        let t = Timestamp(1_795_932_000_000);
        assert_eq!(t.date_string(0), "2026-11-29");
        assert_eq!(t.short_date(0), "Nov 29");
    }

    #[test]
    fn the_viewers_offset_can_move_an_instant_to_the_previous_day() {
        // 2026-11-29T06:00:00Z is still the 28th in Los Angeles (UTC-8).
        let t = Timestamp(1_795_932_000_000);
        assert_eq!(t.date_string(-8 * 60), "2026-11-28");
    }

    #[test]
    fn leap_days_exist() {
        let t = Timestamp(951_782_400_000); // 2000-02-29T00:00:00Z
        assert_eq!(t.date_string(0), "2000-02-29");
        assert_eq!(t.plus_days(1).date_string(0), "2000-03-01");
    }

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        for day in [-800_000, -1, 0, 1, 10_957, 11_016, 20_786, 2_932_896] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(2026, 11, 29), 20_786);
    }

    #[test]
    fn instants_before_the_epoch_are_on_the_right_day() {
        assert_eq!(Timestamp(-1).date_string(0), "1969-12-31");
    }
}
