//! Time zones as POSIX `TZ` rules (`CET-1CEST,M3.5.0,M10.5.0/3`): the standard offset and,
//! when the zone observes daylight time, its offset and the two yearly switch dates.
//!
//! This is the rule an IANA zone follows today (the server takes it from the footer of the
//! zone's TZif data), which is what business-hour clocks over recent weeks need. Historical
//! rule changes are not modelled. The rule is a few bytes, so the browser evaluates the same
//! clocks as the server without a time zone database in the WASM bundle.

use super::time::{days_from_civil, DAY_MS};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed POSIX `TZ` rule. Offsets are seconds *east* of UTC (the opposite sign of the
/// text, where `EST5` means five hours west).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    text: String,
    std_offset: i64,
    dst: Option<Daylight>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Daylight {
    offset: i64,
    start: Switch,
    end: Switch,
}

/// A yearly switch: a day rule and the local wall-clock second it happens at (may be negative
/// or past midnight: `M3.5.0/-1`, `J365/25`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Switch {
    day: DayRule,
    at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DayRule {
    /// `Jn`: day 1–365, February 29 never counted.
    Julian1(u16),
    /// `n`: day 0–365, February 29 counted in leap years.
    Julian0(u16),
    /// `Mm.w.d`: weekday `d` (0 = Sunday) of week `w` (1–4, 5 = last) of month `m`.
    Month { month: u8, week: u8, weekday: u8 },
}

/// The zones a team can pick, by IANA name, with the rule each follows today. The test
/// `rules_agree_with_the_iana_database` checks every one against the IANA database.
pub const NAMED: [(&str, &str); 18] = [
    ("UTC", "UTC0"),
    ("America/New_York", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Chicago", "CST6CDT,M3.2.0,M11.1.0"),
    ("America/Denver", "MST7MDT,M3.2.0,M11.1.0"),
    ("America/Phoenix", "MST7"),
    ("America/Los_Angeles", "PST8PDT,M3.2.0,M11.1.0"),
    ("America/Toronto", "EST5EDT,M3.2.0,M11.1.0"),
    ("America/Sao_Paulo", "<-03>3"),
    ("Europe/London", "GMT0BST,M3.5.0/1,M10.5.0"),
    ("Europe/Berlin", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Paris", "CET-1CEST,M3.5.0,M10.5.0/3"),
    ("Europe/Helsinki", "EET-2EEST,M3.5.0/3,M10.5.0/4"),
    ("Asia/Dubai", "<+04>-4"),
    ("Asia/Kolkata", "IST-5:30"),
    ("Asia/Singapore", "<+08>-8"),
    ("Asia/Tokyo", "JST-9"),
    ("Australia/Sydney", "AEST-10AEDT,M10.1.0,M4.1.0/3"),
    ("Pacific/Auckland", "NZST-12NZDT,M9.5.0,M4.1.0/3"),
];

/// The rule of a zone in [`NAMED`].
pub fn named(name: &str) -> Option<Zone> {
    NAMED
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, rule)| Zone::parse(rule).ok())
}

impl Zone {
    /// Coordinated Universal Time.
    pub fn utc() -> Zone {
        Zone::parse("UTC0").expect("a valid rule")
    }

    /// Parses a POSIX `TZ` rule; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Zone, String> {
        let mut p = Parser {
            s: text.as_bytes(),
            i: 0,
        };
        p.name()?;
        let std_offset = -p.offset()?;
        let dst = if p.done() {
            None
        } else {
            p.name()?;
            let offset = if p.peek() == Some(b',') || p.done() {
                std_offset + 3_600
            } else {
                -p.offset()?
            };
            let (start, end) = if p.done() {
                // POSIX leaves the default to the implementation; the common one is the US rule.
                (
                    Switch {
                        day: DayRule::Month {
                            month: 3,
                            week: 2,
                            weekday: 0,
                        },
                        at: 7_200,
                    },
                    Switch {
                        day: DayRule::Month {
                            month: 11,
                            week: 1,
                            weekday: 0,
                        },
                        at: 7_200,
                    },
                )
            } else {
                p.expect(b',')?;
                let start = p.switch()?;
                p.expect(b',')?;
                let end = p.switch()?;
                (start, end)
            };
            Some(Daylight { offset, start, end })
        };
        if !p.done() {
            return Err(format!("unexpected text at position {}", p.i + 1));
        }
        Ok(Zone {
            text: text.to_string(),
            std_offset,
            dst,
        })
    }

    /// The rule as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Seconds east of UTC in effect at `utc_ms`.
    pub fn offset_at(&self, utc_ms: i64) -> i64 {
        let Some(d) = self.dst else {
            return self.std_offset;
        };
        let utc = utc_ms.div_euclid(1_000);
        // The year on the standard-time wall clock; both switches of that year decide.
        let (start, end) = self.switches(d, year_of(utc + self.std_offset));
        let in_dst = if start < end {
            utc >= start && utc < end
        } else {
            // Southern hemisphere: daylight time spans new year.
            utc < end || utc >= start
        };
        if in_dst {
            d.offset
        } else {
            self.std_offset
        }
    }

    /// The UTC instant (ms) of a local wall-clock time (ms since the epoch, as if local time were
    /// UTC). A time skipped by a switch to daylight time is read with the offset before the
    /// switch, landing that much later; a repeated time takes its first occurrence.
    pub fn to_utc(&self, local_ms: i64) -> i64 {
        let Some(d) = self.dst else {
            return local_ms - self.std_offset * 1_000;
        };
        let (early, late) = if d.offset > self.std_offset {
            (
                local_ms - d.offset * 1_000,
                local_ms - self.std_offset * 1_000,
            )
        } else {
            (
                local_ms - self.std_offset * 1_000,
                local_ms - d.offset * 1_000,
            )
        };
        let fits = |u: i64| u + self.offset_at(u) * 1_000 == local_ms;
        if fits(early) {
            early
        } else if fits(late) {
            late
        } else {
            // In a gap: the offset in force just before it.
            local_ms - self.offset_at(early.min(late) - DAY_MS) * 1_000
        }
    }

    /// Wall-clock ms (as if local time were UTC) of a UTC instant.
    pub fn to_local(&self, utc_ms: i64) -> i64 {
        utc_ms + self.offset_at(utc_ms) * 1_000
    }

    /// The UTC seconds at which daylight time starts and ends in `year`.
    fn switches(&self, d: Daylight, year: i64) -> (i64, i64) {
        // The start is written in standard time, the end in daylight time.
        let start = day_of(d.start.day, year) * 86_400 + d.start.at - self.std_offset;
        let end = day_of(d.end.day, year) * 86_400 + d.end.at - d.offset;
        (start, end)
    }
}

/// The civil year of a count of local seconds since the epoch.
fn year_of(local_secs: i64) -> i64 {
    super::time::civil_from_days(local_secs.div_euclid(86_400)).0
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The day number (days since 1970-01-01) a rule names in `year`.
fn day_of(rule: DayRule, year: i64) -> i64 {
    let jan1 = days_from_civil(year, 1, 1);
    match rule {
        DayRule::Julian1(n) => {
            let n = i64::from(n);
            // Days 60+ are March 1 onwards whatever the year.
            jan1 + n - 1 + i64::from(is_leap(year) && n >= 60)
        }
        DayRule::Julian0(n) => jan1 + i64::from(n),
        DayRule::Month {
            month,
            week,
            weekday,
        } => {
            let first = days_from_civil(year, u32::from(month), 1);
            // 1970-01-01 was a Thursday (weekday 4, Sunday = 0).
            let first_weekday = (first + 4).rem_euclid(7);
            let mut day = first + (i64::from(weekday) - first_weekday).rem_euclid(7);
            day += 7 * (i64::from(week) - 1);
            let next_month = if month == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, u32::from(month) + 1, 1)
            };
            while day >= next_month {
                day -= 7;
            }
            day
        }
    }
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Result<(), String> {
        if self.peek() == Some(c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!(
                "expected '{}' at position {}",
                c as char,
                self.i + 1
            ))
        }
    }

    /// `EST` or `<+0530>`.
    fn name(&mut self) -> Result<(), String> {
        let start = self.i;
        if self.peek() == Some(b'<') {
            self.i += 1;
            while let Some(c) = self.peek() {
                self.i += 1;
                if c == b'>' {
                    return if self.i - start >= 5 {
                        Ok(())
                    } else {
                        Err("a zone abbreviation needs at least 3 characters".into())
                    };
                }
                if !(c.is_ascii_alphanumeric() || c == b'+' || c == b'-') {
                    break;
                }
            }
            return Err(format!("unclosed '<' at position {}", start + 1));
        }
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        if self.i - start >= 3 {
            Ok(())
        } else {
            Err(format!(
                "expected a zone abbreviation of 3 or more letters at position {}",
                start + 1
            ))
        }
    }

    fn number(&mut self, max: i64) -> Result<i64, String> {
        let start = self.i;
        let mut n: i64 = 0;
        while let Some(c) = self.peek().filter(u8::is_ascii_digit) {
            n = n * 10 + i64::from(c - b'0');
            self.i += 1;
            if n > max {
                return Err(format!("number too large at position {}", start + 1));
            }
        }
        if self.i == start {
            return Err(format!("expected a number at position {}", start + 1));
        }
        Ok(n)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds, west positive as written; hours up to 167 (TZif v3).
    fn offset(&mut self) -> Result<i64, String> {
        let sign = match self.peek() {
            Some(b'-') => {
                self.i += 1;
                -1
            }
            Some(b'+') => {
                self.i += 1;
                1
            }
            _ => 1,
        };
        let mut secs = self.number(167)? * 3_600;
        if self.peek() == Some(b':') {
            self.i += 1;
            secs += self.number(59)? * 60;
            if self.peek() == Some(b':') {
                self.i += 1;
                secs += self.number(59)?;
            }
        }
        Ok(sign * secs)
    }

    fn switch(&mut self) -> Result<Switch, String> {
        let day = match self.peek() {
            Some(b'J') => {
                self.i += 1;
                let n = self.number(365)?;
                if n == 0 {
                    return Err("J days count from 1".into());
                }
                DayRule::Julian1(n as u16)
            }
            Some(b'M') => {
                self.i += 1;
                let month = self.number(12)?;
                self.expect(b'.')?;
                let week = self.number(5)?;
                self.expect(b'.')?;
                let weekday = self.number(6)?;
                if month == 0 || week == 0 {
                    return Err("month and week count from 1".into());
                }
                DayRule::Month {
                    month: month as u8,
                    week: week as u8,
                    weekday: weekday as u8,
                }
            }
            _ => DayRule::Julian0(self.number(365)? as u16),
        };
        let at = if self.peek() == Some(b'/') {
            self.i += 1;
            // A switch time is a wall-clock time; the sign means before midnight.
            self.offset()?
        } else {
            7_200
        };
        Ok(Switch { day, at })
    }
}

#[cfg(feature = "ssr")]
impl utoipa::PartialSchema for Zone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .description(Some("POSIX TZ rule, e.g. CET-1CEST,M3.5.0,M10.5.0/3"))
            .into()
    }
}

#[cfg(feature = "ssr")]
impl utoipa::ToSchema for Zone {}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Zone {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Zone::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i64, m: u32, d: u32, h: i64, min: i64) -> i64 {
        (days_from_civil(y, m, d) * 86_400 + h * 3_600 + min * 60) * 1_000
    }

    #[test]
    fn berlin_switches_on_the_last_sundays_of_march_and_october() {
        let z = Zone::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        // 2026-03-29 01:00 UTC is when Berlin goes from 02:00 CET to 03:00 CEST.
        assert_eq!(z.offset_at(utc(2026, 3, 29, 0, 59)), 3_600);
        assert_eq!(z.offset_at(utc(2026, 3, 29, 1, 0)), 7_200);
        // 2026-10-25 01:00 UTC: back from 03:00 CEST to 02:00 CET.
        assert_eq!(z.offset_at(utc(2026, 10, 25, 0, 59)), 7_200);
        assert_eq!(z.offset_at(utc(2026, 10, 25, 1, 0)), 3_600);
        assert_eq!(z.offset_at(utc(2026, 12, 31, 23, 0)), 3_600);
    }

    #[test]
    fn new_york_uses_the_second_sunday_of_march_and_first_of_november() {
        let z = Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        assert_eq!(z.offset_at(utc(2026, 3, 8, 6, 59)), -5 * 3_600);
        assert_eq!(z.offset_at(utc(2026, 3, 8, 7, 0)), -4 * 3_600);
        assert_eq!(z.offset_at(utc(2026, 11, 1, 5, 59)), -4 * 3_600);
        assert_eq!(z.offset_at(utc(2026, 11, 1, 6, 0)), -5 * 3_600);
    }

    #[test]
    fn southern_zones_have_daylight_time_across_new_year() {
        // Sydney: AEDT from the first Sunday of October to the first Sunday of April.
        let z = Zone::parse("AEST-10AEDT,M10.1.0,M4.1.0/3").unwrap();
        assert_eq!(z.offset_at(utc(2026, 1, 15, 0, 0)), 11 * 3_600);
        assert_eq!(z.offset_at(utc(2026, 7, 15, 0, 0)), 10 * 3_600);
        assert_eq!(z.offset_at(utc(2026, 12, 31, 14, 0)), 11 * 3_600);
    }

    #[test]
    fn quoted_names_and_fractional_offsets_parse() {
        let z = Zone::parse("<+0530>-5:30").unwrap();
        assert_eq!(z.offset_at(0), 5 * 3_600 + 1_800);
        let z = Zone::parse("<-03>3").unwrap();
        assert_eq!(z.offset_at(0), -3 * 3_600);
    }

    #[test]
    fn a_skipped_wall_time_lands_after_the_gap_and_a_repeated_one_on_its_first_occurrence() {
        let z = Zone::parse("CET-1CEST,M3.5.0,M10.5.0/3").unwrap();
        let local = |d: u32, m: u32, h: i64, min: i64| utc(2026, m, d, h, min);
        // 02:30 on 2026-03-29 does not exist in Berlin: read as CET, it is 03:30 CEST.
        assert_eq!(z.to_utc(local(29, 3, 2, 30)), utc(2026, 3, 29, 1, 30));
        // 02:30 on 2026-10-25 happens twice: the first time is still CEST (00:30 UTC).
        assert_eq!(z.to_utc(local(25, 10, 2, 30)), utc(2026, 10, 25, 0, 30));
        // Ordinary times round-trip.
        let u = utc(2026, 6, 1, 7, 0);
        assert_eq!(z.to_utc(z.to_local(u)), u);
    }

    /// The footer rules of these zones in the IANA database, checked against jiff's copy of it
    /// every 30 minutes from 2025 to 2030, both ways: offsets of instants, and instants of
    /// wall-clock times (including the skipped and repeated ones).
    #[test]
    fn rules_agree_with_the_iana_database() {
        let mut zones: Vec<(&str, &str)> = NAMED.to_vec();
        zones.push((
            "Australia/Lord_Howe",
            "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
        ));
        let start = days_from_civil(2025, 1, 1) * 86_400;
        let end = days_from_civil(2030, 12, 31) * 86_400;
        for (name, rule) in zones {
            let z = Zone::parse(rule).unwrap();
            let tz = jiff::tz::TimeZone::get(name).unwrap();
            let mut t = start;
            while t < end {
                let ts = jiff::Timestamp::from_second(t).unwrap();
                let want = i64::from(tz.to_offset(ts).seconds());
                assert_eq!(z.offset_at(t * 1_000), want, "{name}: offset at {ts}");
                // The same number read as a wall-clock time in the zone.
                let wall = ts.to_zoned(jiff::tz::TimeZone::UTC).datetime();
                let want = wall.to_zoned(tz.clone()).unwrap().timestamp().as_second();
                assert_eq!(
                    z.to_utc(t * 1_000),
                    want * 1_000,
                    "{name}: instant of {wall}"
                );
                t += 1_800;
            }
        }
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        assert!(Zone::parse("").unwrap_err().contains("abbreviation"));
        assert!(Zone::parse("CET").unwrap_err().contains("number"));
        assert!(Zone::parse("CET-1CEST,M13.5.0,M10.5.0").is_err());
        assert!(Zone::parse("CET-1CEST,M3.5.0").unwrap_err().contains("','"));
        assert!(Zone::parse("UTC0 junk").unwrap_err().contains("position 5"));
        assert!(Zone::parse("EST5EDT,M3.2.0,M11.1.0x")
            .unwrap_err()
            .contains("unexpected"));
    }
}
