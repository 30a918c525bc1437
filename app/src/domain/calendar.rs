//! Business hours: the opening hours of each weekday and the holidays of a team, in the team's
//! time zone. SLA clocks run only while the team is open.

use super::time::{civil_from_days, Timestamp, DAY_MS};
use super::zone::Zone;
use serde::{Deserialize, Serialize};

/// How far ahead a deadline is searched for before giving up (a calendar with no open hours).
const HORIZON_DAYS: i64 = 3 * 366;

/// A local date as `YYYY-MM-DD` day number (days since 1970-01-01).
pub type DayNumber = i64;

/// Opening hours of one weekday, in minutes after local midnight (`close` after `open`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Hours {
    pub open: u16,
    pub close: u16,
}

/// A team's working week, holidays and time zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BusinessCalendar {
    /// The IANA name shown to people (`Europe/Berlin`).
    pub zone_name: String,
    /// The rule the name follows today.
    pub zone: Zone,
    /// Monday first; `None` is closed all day.
    pub week: [Option<Hours>; 7],
    /// Closed days, sorted.
    pub holidays: Vec<DayNumber>,
}

impl BusinessCalendar {
    /// Monday to Friday, 09:00–17:00 UTC.
    pub fn office_hours_utc() -> Self {
        let day = Some(Hours {
            open: 9 * 60,
            close: 17 * 60,
        });
        BusinessCalendar {
            zone_name: "UTC".into(),
            zone: Zone::utc(),
            week: [day, day, day, day, day, None, None],
            holidays: Vec::new(),
        }
    }

    /// Checks the calendar is usable; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.week.iter().all(Option::is_none) {
            return Err(("week", "Open on at least one day of the week".into()));
        }
        for h in self.week.iter().flatten() {
            if h.close <= h.open || h.close > 24 * 60 {
                return Err((
                    "week",
                    "Each day closes after it opens, by midnight at the latest".into(),
                ));
            }
        }
        Ok(())
    }

    fn is_holiday(&self, day: DayNumber) -> bool {
        self.holidays.binary_search(&day).is_ok()
    }

    /// The open interval of local day `day` as UTC ms, if the team works that day.
    fn open_interval(&self, day: DayNumber) -> Option<(i64, i64)> {
        // 1970-01-01 was a Thursday: Monday-first index 3.
        let weekday = (day + 3).rem_euclid(7) as usize;
        let hours = self.week[weekday]?;
        if self.is_holiday(day) {
            return None;
        }
        let midnight = day * DAY_MS;
        let open = self.zone.to_utc(midnight + i64::from(hours.open) * 60_000);
        let close = self.zone.to_utc(midnight + i64::from(hours.close) * 60_000);
        (close > open).then_some((open, close))
    }

    fn local_day(&self, at: Timestamp) -> DayNumber {
        self.zone.to_local(at.0).div_euclid(DAY_MS)
    }

    /// Business time between two instants, in ms (0 when `to` is not after `from`).
    pub fn business_ms(&self, from: Timestamp, to: Timestamp) -> i64 {
        if to <= from {
            return 0;
        }
        let mut total = 0;
        let last = self.local_day(to);
        // A day's hours may start the UTC day before: begin one local day early.
        let mut day = self.local_day(from) - 1;
        while day <= last {
            if let Some((open, close)) = self.open_interval(day) {
                let (a, b) = (open.max(from.0), close.min(to.0));
                if b > a {
                    total += b - a;
                }
            }
            day += 1;
        }
        total
    }

    /// The instant `ms` of business time after `from` (`from` itself for 0), or `None` when
    /// the calendar has no open hours within three years.
    pub fn add_business_ms(&self, from: Timestamp, ms: i64) -> Option<Timestamp> {
        if ms <= 0 {
            return Some(from);
        }
        let mut left = ms;
        let first = self.local_day(from) - 1;
        for day in first..first + HORIZON_DAYS {
            let Some((open, close)) = self.open_interval(day) else {
                continue;
            };
            let start = open.max(from.0);
            if close <= start {
                continue;
            }
            if start + left <= close {
                return Some(Timestamp(start + left));
            }
            left -= close - start;
        }
        None
    }

    /// `YYYY-MM-DD` of a holiday, for forms.
    pub fn day_text(day: DayNumber) -> String {
        let (y, m, d) = civil_from_days(day);
        format!("{y:04}-{m:02}-{d:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::days_from_civil;

    const MIN: i64 = 60_000;
    const HOUR: i64 = 60 * MIN;

    fn berlin() -> BusinessCalendar {
        let day = Some(Hours {
            open: 9 * 60,
            close: 18 * 60,
        });
        BusinessCalendar {
            zone_name: "Europe/Berlin".into(),
            zone: Zone::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap(),
            week: [day, day, day, day, day, None, None],
            holidays: vec![days_from_civil(2026, 12, 25), days_from_civil(2026, 12, 26)],
        }
    }

    /// A Berlin wall-clock time as a UTC instant.
    fn local(c: &BusinessCalendar, y: i64, m: u32, d: u32, h: i64, min: i64) -> Timestamp {
        Timestamp(
            c.zone
                .to_utc(days_from_civil(y, m, d) * DAY_MS + h * HOUR + min * MIN),
        )
    }

    #[test]
    fn an_inquiry_at_friday_1759_has_one_business_minute_before_monday() {
        let c = berlin();
        // Friday 2026-11-27 17:59; four business hours later is Monday 12:59.
        let at = local(&c, 2026, 11, 27, 17, 59);
        let due = c.add_business_ms(at, 4 * HOUR).unwrap();
        assert_eq!(due, local(&c, 2026, 11, 30, 12, 59));
        assert_eq!(c.business_ms(at, due), 4 * HOUR);
        // Over the weekend the clock stands still.
        let saturday = local(&c, 2026, 11, 28, 12, 0);
        assert_eq!(c.business_ms(at, saturday), MIN);
    }

    #[test]
    fn holidays_stop_the_clock() {
        let c = berlin();
        // Thursday 2026-12-24 17:00 + 2 h: Friday 25th and the weekend are closed (26th too).
        let at = local(&c, 2026, 12, 24, 17, 0);
        let due = c.add_business_ms(at, 2 * HOUR).unwrap();
        assert_eq!(due, local(&c, 2026, 12, 28, 10, 0));
    }

    #[test]
    fn a_business_day_across_the_dst_change_is_still_nine_hours() {
        let c = berlin();
        // Clocks go back on Sunday 2026-10-25; Friday 17:00 to Monday 17:00 is 9 business
        // hours although 73 hours pass on the clock (one of them repeated).
        let from = local(&c, 2026, 10, 23, 17, 0);
        let to = local(&c, 2026, 10, 26, 17, 0);
        assert_eq!(to.0 - from.0, 73 * HOUR);
        assert_eq!(c.business_ms(from, to), 9 * HOUR);
        // Friday's last hour, then Monday from 09:00 CET, which is 08:00 UTC (07:00 UTC the
        // week before).
        let due = c.add_business_ms(from, 2 * HOUR).unwrap();
        assert_eq!(due, local(&c, 2026, 10, 26, 10, 0));
        assert_eq!(due.0 % DAY_MS, 9 * HOUR);
    }

    #[test]
    fn open_hours_that_start_in_the_previous_utc_day_count() {
        // Auckland (UTC+13 in summer): Monday 09:00 is Sunday 20:00 UTC.
        let day = Some(Hours {
            open: 9 * 60,
            close: 17 * 60,
        });
        let c = BusinessCalendar {
            zone_name: "Pacific/Auckland".into(),
            zone: Zone::parse("NZST-12NZDT,M9.5.0,M4.1.0/3").unwrap(),
            week: [day, day, day, day, day, None, None],
            holidays: vec![],
        };
        let from = Timestamp(days_from_civil(2026, 11, 29) * DAY_MS + 20 * HOUR);
        let to = Timestamp(from.0 + HOUR);
        assert_eq!(c.business_ms(from, to), HOUR);
    }

    #[test]
    fn a_calendar_without_open_days_is_refused_and_never_reaches_a_deadline() {
        let mut c = berlin();
        c.week = [None; 7];
        assert_eq!(c.validate().unwrap_err().0, "week");
        assert_eq!(c.add_business_ms(Timestamp(0), HOUR), None);
        let mut c = berlin();
        c.week[0] = Some(Hours {
            open: 600,
            close: 500,
        });
        assert_eq!(c.validate().unwrap_err().0, "week");
        assert!(berlin().validate().is_ok());
    }
}
