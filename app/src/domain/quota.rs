//! Quotas: a target per person for a month or a quarter, in won value, wins or (because
//! Closeloop pays for discipline) a follow-up score; who may set whose; and how far along a
//! person is: attainment and pace.
//!
//! A quota holds from the period it starts in until another one for the same person and
//! measure starts (a target of zero ends it), so a manager sets "$60,000 a month" once, not
//! every month. The figures are integers so the browser and the server agree to the digit.

use super::forecast::Month;
use super::money::{Currency, Money};
use super::time::{Timestamp, DAY_MS};
use super::zone::Zone;
use serde::{Deserialize, Serialize};

crate::keyed! {
    /// What a quota counts.
    #[derive(Hash, PartialOrd, Ord, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Measure {
        /// The value of the leads won in the period (one currency).
        WonValue => "won_value", "Won value";
        /// How many leads were won in the period.
        Wins => "wins", "Wins";
        /// The follow-up score (0–100) over the period so far.
        Score => "score", "Follow-up score";
    }
}

crate::keyed! {
    /// How long a quota's period is.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Cadence {
        Month => "month", "Monthly";
        Quarter => "quarter", "Quarterly";
    }
}

/// One quota as set: from the period starting in `starts` on, until a later one replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quota {
    pub id: i64,
    pub user_id: i64,
    pub measure: Measure,
    pub cadence: Cadence,
    /// The first month it holds for (a quarter's first month for a quarterly quota).
    pub starts: Month,
    /// Minor units for won value, a count for wins, points (1–100) for the score; zero: no
    /// quota from `starts` on.
    pub target: i64,
    /// The currency of a won-value target (the others carry the organisation's default).
    pub currency: Currency,
    pub set_by: Option<String>,
    pub set_at: Timestamp,
}

/// A quota as a manager types it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaInput {
    pub user_id: i64,
    /// A [`Measure`] key.
    pub measure: String,
    /// A [`Cadence`] key.
    pub cadence: String,
    /// `2027-01`: the first month it holds for.
    pub starts: String,
    /// `60,000` (won value), `8` (wins), `85` (score); empty: no quota from `starts` on.
    pub target: String,
    /// A currency code for a won-value target; empty: the organisation's (USD).
    #[serde(default)]
    pub currency: String,
}

/// A validated [`QuotaInput`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuotaChange {
    pub user_id: i64,
    pub measure: Measure,
    pub cadence: Cadence,
    pub starts: Month,
    pub target: i64,
    pub currency: Currency,
}

/// The largest won-value target: a billion in major units.
const MAX_VALUE_CENTS: i64 = 100_000_000_000;
const MAX_WINS: i64 = 10_000;

impl QuotaInput {
    /// The change typed, checked against `this_month` (none may start in the past); errors
    /// name the field.
    pub fn validate(&self, this_month: Month) -> Result<QuotaChange, (&'static str, String)> {
        let measure = Measure::parse(self.measure.trim()).ok_or((
            "measure",
            "Choose won value, wins or follow-up score".to_string(),
        ))?;
        let cadence = Cadence::parse(self.cadence.trim())
            .ok_or(("cadence", "Choose monthly or quarterly".to_string()))?;
        let starts = parse_month(self.starts.trim())
            .ok_or(("starts", "Enter a month like 2027-01".to_string()))?;
        if cadence == Cadence::Quarter && starts.0.rem_euclid(3) != 0 {
            return Err((
                "starts",
                "A quarterly quota starts in January, April, July or October".into(),
            ));
        }
        let earliest = match cadence {
            Cadence::Month => this_month,
            Cadence::Quarter => quarter_of(this_month),
        };
        if starts < earliest {
            return Err((
                "starts",
                format!(
                    "A quota starts in the current period or later ({} at the earliest)",
                    earliest.key()
                ),
            ));
        }
        let currency = match self.currency.trim() {
            "" => Currency::USD,
            code => Currency::parse(&code.to_ascii_uppercase()).map_err(|e| ("currency", e))?,
        };
        let raw = self.target.trim();
        let target = if raw.is_empty() {
            0
        } else {
            match measure {
                Measure::WonValue => {
                    let cents = super::activity::parse_amount(raw).map_err(|e| ("target", e))?;
                    if cents == 0 || cents > MAX_VALUE_CENTS {
                        return Err((
                            "target",
                            "Enter an amount above zero, up to 1,000,000,000".into(),
                        ));
                    }
                    cents
                }
                Measure::Wins => whole(raw, 1, MAX_WINS)
                    .ok_or(("target", "Enter a number of wins from 1 to 10,000".into()))?,
                Measure::Score => {
                    whole(raw, 1, 100).ok_or(("target", "Enter a score from 1 to 100".into()))?
                }
            }
        };
        Ok(QuotaChange {
            user_id: self.user_id,
            measure,
            cadence,
            starts,
            target,
            currency,
        })
    }
}

/// A whole number within `lo..=hi`, with thousands separators allowed.
fn whole(raw: &str, lo: i64, hi: i64) -> Option<i64> {
    let t: String = raw.chars().filter(|c| !matches!(c, ',' | '_')).collect();
    t.parse::<i64>().ok().filter(|n| (lo..=hi).contains(n))
}

/// `2027-01` → that month.
pub fn parse_month(text: &str) -> Option<Month> {
    let (y, m) = text.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let y: i64 = y.parse().ok()?;
    let m: i64 = m.parse().ok()?;
    ((2000..=2100).contains(&y) && (1..=12).contains(&m)).then_some(Month(y * 12 + m - 1))
}

/// The first month of the quarter `m` is in.
pub fn quarter_of(m: Month) -> Month {
    Month(m.0 - m.0.rem_euclid(3))
}

/// The month of `at` in `zone`.
pub fn month_at(at: Timestamp, zone: &Zone) -> Month {
    Month::of_day(zone.to_local(at.0).div_euclid(DAY_MS))
}

/// The quota that holds for `user` and `measure` in `month`: the latest to start by then, if
/// its target is not zero.
pub fn current(quotas: &[Quota], user: i64, measure: Measure, month: Month) -> Option<&Quota> {
    quotas
        .iter()
        .filter(|q| q.user_id == user && q.measure == measure && q.starts <= month)
        .max_by_key(|q| (q.starts, q.set_at, q.id))
        .filter(|q| q.target > 0)
}

/// The quota that will replace the current one (or start one) after `month`, for the
/// settings page's "from Jan 2027: $70,000".
pub fn next(quotas: &[Quota], user: i64, measure: Measure, month: Month) -> Option<&Quota> {
    quotas
        .iter()
        .filter(|q| q.user_id == user && q.measure == measure && q.starts > month)
        .min_by_key(|q| (q.starts, std::cmp::Reverse((q.set_at, q.id))))
}

/// The period a quota of `cadence` counts in `month`: its first month and how many months.
pub fn period_of(cadence: Cadence, month: Month) -> (Month, i64) {
    match cadence {
        Cadence::Month => (month, 1),
        Cadence::Quarter => (quarter_of(month), 3),
    }
}

/// "December 2026" or "Q4 2026".
pub fn period_label(cadence: Cadence, first: Month) -> String {
    let (y, m) = (first.0.div_euclid(12), first.0.rem_euclid(12));
    match cadence {
        Cadence::Month => format!("{} {y}", super::time::MONTH_NAMES[m as usize]),
        Cadence::Quarter => format!("Q{} {y}", m / 3 + 1),
    }
}

/// The instants a period starts and ends at (midnight in `zone`), `[from, to)`.
pub fn period_span(first: Month, months: i64, zone: &Zone) -> (Timestamp, Timestamp) {
    let at = |m: Month| Timestamp(zone.to_utc(m.first_day() * DAY_MS));
    (at(first), at(first.plus(months)))
}

/// How a person stands against a quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pace {
    /// The target is reached.
    Met,
    /// At or above the straight line from zero to the target.
    OnPace,
    /// Below it.
    Behind,
}

impl Pace {
    pub fn label(self) -> &'static str {
        match self {
            Pace::Met => "target met",
            Pace::OnPace => "on pace",
            Pace::Behind => "behind pace",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Pace::Met => "met",
            Pace::OnPace => "on-pace",
            Pace::Behind => "behind",
        }
    }
}

/// One quota against what was done in its current period.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attainment {
    pub user_id: i64,
    pub measure: Measure,
    pub cadence: Cadence,
    /// "December 2026", "Q4 2026".
    pub period: String,
    pub from: Timestamp,
    pub to: Timestamp,
    pub target: i64,
    /// Won value (minor units), wins, or the score (whole points; none: nothing to score yet).
    pub actual: Option<i64>,
    pub currency: Currency,
    /// How much of the period has gone, in thousandths.
    pub elapsed_permille: i64,
}

impl Attainment {
    /// `quota`'s period around `at`, with `actual` done in it.
    pub fn of(quota: &Quota, at: Timestamp, zone: &Zone, actual: Option<i64>) -> Attainment {
        let (first, months) = period_of(quota.cadence, month_at(at, zone));
        let (from, to) = period_span(first, months, zone);
        let length = (to.0 - from.0).max(1);
        let gone = (at.0 - from.0).clamp(0, length);
        Attainment {
            user_id: quota.user_id,
            measure: quota.measure,
            cadence: quota.cadence,
            period: period_label(quota.cadence, first),
            from,
            to,
            target: quota.target,
            actual,
            currency: quota.currency,
            elapsed_permille: gone * 1000 / length,
        }
    }

    /// Whole percent of the target reached (rounded down, so 100 % means met).
    pub fn percent(&self) -> i64 {
        match self.actual {
            Some(a) if self.target > 0 => (i128::from(a) * 100 / i128::from(self.target)) as i64,
            _ => 0,
        }
    }

    /// Where a straight line from zero to the target stands now (rounded up); the score has
    /// no line: its target holds from the first day.
    pub fn expected(&self) -> i64 {
        match self.measure {
            Measure::Score => self.target,
            _ => {
                ((i128::from(self.target) * i128::from(self.elapsed_permille) + 999) / 1000) as i64
            }
        }
    }

    pub fn pace(&self) -> Pace {
        let actual = self.actual.unwrap_or(0);
        if actual >= self.target {
            Pace::Met
        } else if self.measure != Measure::Score && actual >= self.expected() {
            Pace::OnPace
        } else {
            Pace::Behind
        }
    }

    /// What the period ends at if it goes on as it went (won value and wins; none before a
    /// twentieth of the period has gone, when the line says little).
    pub fn projected(&self) -> Option<i64> {
        if self.measure == Measure::Score || self.elapsed_permille < 50 {
            return None;
        }
        let actual = i128::from(self.actual.unwrap_or(0));
        Some((actual * 1000 / i128::from(self.elapsed_permille)) as i64)
    }

    /// A figure of this quota's measure: `$60,000`, `8 wins`, `85`.
    pub fn figure(&self, n: i64) -> String {
        figure(self.measure, n, self.currency)
    }

    /// "$43,000 of $60,000 won (71 %)".
    pub fn summary(&self) -> String {
        let of = |what: &str| {
            format!(
                "{} of {}{what} ({} %)",
                self.actual.map_or_else(|| "–".into(), |a| self.figure(a)),
                self.figure(self.target),
                self.percent()
            )
        };
        match self.measure {
            Measure::WonValue => of(" won"),
            Measure::Wins => of(""),
            Measure::Score => format!(
                "Score {} of target {}",
                self.actual.map_or_else(|| "–".into(), |a| a.to_string()),
                self.target
            ),
        }
    }

    /// For a table cell: "71 % of $60,000", "7 of 9 wins", "score 80 of 85".
    pub fn short(&self) -> String {
        let actual = self.actual.map_or_else(|| "–".into(), |a| a.to_string());
        match self.measure {
            Measure::WonValue => format!("{} % of {}", self.percent(), self.figure(self.target)),
            Measure::Wins => format!("{actual} of {}", self.figure(self.target)),
            Measure::Score => format!("score {actual} of {}", self.target),
        }
    }

    /// "on pace: $21,290 expected by today", "behind pace: $9,000 short of today's line".
    pub fn pace_text(&self) -> String {
        let pace = self.pace();
        let actual = self.actual.unwrap_or(0);
        match (pace, self.measure) {
            (Pace::Met, _) => pace.label().to_string(),
            (_, Measure::Score) => format!("{} points to go", self.target - actual),
            (Pace::OnPace, _) => format!(
                "on pace (projected {})",
                self.figure(self.projected().unwrap_or(actual))
            ),
            (Pace::Behind, _) => format!(
                "behind pace: {} short of today's line",
                self.figure(self.expected() - actual)
            ),
        }
    }
}

/// A team's won-value quotas summed, for the wall: the members' quotas of the most common
/// period and currency (sums of unlike periods or currencies mean nothing), as one
/// attainment of the team (user 0).
pub fn team_total(members: &[Attainment]) -> Option<Attainment> {
    let won: Vec<&Attainment> = members
        .iter()
        .filter(|a| a.measure == Measure::WonValue)
        .collect();
    let mut kinds: Vec<(Cadence, Currency, usize)> = Vec::new();
    for a in &won {
        match kinds
            .iter_mut()
            .find(|(c, cur, _)| *c == a.cadence && *cur == a.currency)
        {
            Some(k) => k.2 += 1,
            None => kinds.push((a.cadence, a.currency, 1)),
        }
    }
    let (cadence, currency, _) = kinds.into_iter().max_by_key(|k| k.2)?;
    let alike: Vec<&&Attainment> = won
        .iter()
        .filter(|a| a.cadence == cadence && a.currency == currency)
        .collect();
    let first = alike.first()?;
    Some(Attainment {
        user_id: 0,
        target: alike.iter().map(|a| a.target).sum(),
        actual: Some(alike.iter().map(|a| a.actual.unwrap_or(0)).sum()),
        ..(**first).clone()
    })
}

/// A figure of `measure`: `$60,000`, `8 wins` (`1 win`), `85`.
pub fn figure(measure: Measure, n: i64, currency: Currency) -> String {
    match measure {
        Measure::WonValue => Money::new(n, currency).display(),
        Measure::Wins if n == 1 => "1 win".into(),
        Measure::Wins => format!("{n} wins"),
        Measure::Score => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::days_from_civil;

    fn ts(y: i64, m: u32, d: u32, h: i64) -> Timestamp {
        Timestamp(days_from_civil(y, m, d) * DAY_MS + h * 3_600_000)
    }

    fn quota(user: i64, measure: Measure, cadence: Cadence, starts: &str, target: i64) -> Quota {
        Quota {
            id: 0,
            user_id: user,
            measure,
            cadence,
            starts: parse_month(starts).unwrap(),
            target,
            currency: Currency::USD,
            set_by: None,
            set_at: Timestamp(0),
        }
    }

    fn input(measure: &str, cadence: &str, starts: &str, target: &str) -> QuotaInput {
        QuotaInput {
            user_id: 5,
            measure: measure.into(),
            cadence: cadence.into(),
            starts: starts.into(),
            target: target.into(),
            currency: String::new(),
        }
    }

    #[test]
    fn a_typed_quota_is_checked_field_by_field() {
        let dec = parse_month("2026-12").unwrap();
        let ok = input("won_value", "month", "2026-12", "$60,000")
            .validate(dec)
            .unwrap();
        assert_eq!(ok.target, 6_000_000);
        assert_eq!(ok.starts, dec);
        assert_eq!(
            input("wins", "quarter", "2026-10", "8")
                .validate(dec)
                .unwrap()
                .target,
            8,
            "the current quarter began in October"
        );
        let field = |i: QuotaInput| i.validate(dec).unwrap_err().0;
        assert_eq!(field(input("revenue", "month", "2026-12", "1")), "measure");
        assert_eq!(field(input("wins", "weekly", "2026-12", "1")), "cadence");
        assert_eq!(field(input("wins", "month", "Dec 2026", "1")), "starts");
        assert_eq!(field(input("wins", "month", "2026-11", "1")), "starts");
        assert_eq!(field(input("wins", "quarter", "2027-02", "1")), "starts");
        assert_eq!(field(input("wins", "month", "2026-12", "2.5")), "target");
        assert_eq!(field(input("score", "month", "2026-12", "101")), "target");
        assert_eq!(field(input("won_value", "month", "2026-12", "0")), "target");
        assert_eq!(
            field(input("won_value", "month", "2026-12", "abc")),
            "target"
        );
        let mut eur = input("won_value", "month", "2026-12", "1");
        eur.currency = "DOLLARS".into();
        assert_eq!(field(eur), "currency");
        assert_eq!(
            input("score", "month", "2027-01", "")
                .validate(dec)
                .unwrap()
                .target,
            0,
            "empty ends the quota"
        );
    }

    #[test]
    fn the_latest_quota_to_start_holds_until_a_zero_ends_it() {
        let qs = vec![
            quota(5, Measure::WonValue, Cadence::Month, "2026-10", 5_000_000),
            quota(5, Measure::WonValue, Cadence::Month, "2027-01", 7_000_000),
            quota(5, Measure::WonValue, Cadence::Month, "2027-03", 0),
            quota(6, Measure::WonValue, Cadence::Month, "2026-01", 1),
        ];
        let at = |m: &str| current(&qs, 5, Measure::WonValue, parse_month(m).unwrap());
        assert!(at("2026-09").is_none(), "not yet");
        assert_eq!(at("2026-12").unwrap().target, 5_000_000);
        assert_eq!(at("2027-02").unwrap().target, 7_000_000);
        assert!(at("2027-04").is_none(), "ended");
        assert!(current(&qs, 5, Measure::Wins, parse_month("2026-12").unwrap()).is_none());
        assert_eq!(
            next(&qs, 5, Measure::WonValue, parse_month("2026-12").unwrap())
                .unwrap()
                .target,
            7_000_000
        );
    }

    #[test]
    fn attainment_and_pace_follow_a_straight_line_through_the_period() {
        let utc = Zone::utc();
        // December has 31 days; noon on the 16th is 15.5 days in: exactly half.
        let q = quota(5, Measure::WonValue, Cadence::Month, "2026-12", 6_000_000);
        let noon = ts(2026, 12, 16, 12);
        let a = Attainment::of(&q, noon, &utc, Some(3_000_000));
        assert_eq!(a.period, "December 2026");
        assert_eq!(a.elapsed_permille, 500);
        assert_eq!(a.expected(), 3_000_000);
        assert_eq!(a.percent(), 50);
        assert_eq!(a.pace(), Pace::OnPace);
        assert_eq!(a.projected(), Some(6_000_000));
        assert_eq!(a.summary(), "$30,000 of $60,000 won (50 %)");
        assert_eq!(a.short(), "50 % of $60,000");
        let behind = Attainment::of(&q, noon, &utc, Some(2_100_000));
        assert_eq!(behind.pace(), Pace::Behind);
        assert_eq!(
            behind.pace_text(),
            "behind pace: $9,000 short of today's line"
        );
        assert_eq!(
            Attainment::of(&q, noon, &utc, Some(6_000_000)).pace(),
            Pace::Met
        );
        // A quarter: Q4 runs Oct 1 – Dec 31 (92 days).
        let wins = quota(5, Measure::Wins, Cadence::Quarter, "2026-10", 9);
        let w = Attainment::of(&wins, ts(2026, 12, 16, 12), &utc, Some(7));
        assert_eq!(w.period, "Q4 2026");
        assert_eq!(w.from, ts(2026, 10, 1, 0));
        assert_eq!(w.to, ts(2027, 1, 1, 0));
        assert_eq!(w.elapsed_permille, (76 * 24 + 12) * 1000 / (92 * 24));
        assert_eq!(w.summary(), "7 wins of 9 wins (77 %)");
        assert_eq!(w.short(), "7 of 9 wins");
        // The score's target holds from the first day.
        let s = quota(5, Measure::Score, Cadence::Month, "2026-12", 85);
        let early = Attainment::of(&s, ts(2026, 12, 2, 0), &utc, Some(80));
        assert_eq!(early.pace(), Pace::Behind);
        assert_eq!(early.pace_text(), "5 points to go");
        assert_eq!(early.projected(), None);
        assert_eq!(
            Attainment::of(&s, ts(2026, 12, 2, 0), &utc, None).summary(),
            "Score – of target 85"
        );
    }

    #[test]
    fn a_teams_won_value_quotas_add_up_in_one_period_and_currency() {
        let utc = Zone::utc();
        let noon = ts(2026, 12, 16, 12);
        let monthly = |user, target, actual| {
            let q = quota(user, Measure::WonValue, Cadence::Month, "2026-12", target);
            Attainment::of(&q, noon, &utc, Some(actual))
        };
        let mut odd = Attainment::of(
            &quota(9, Measure::WonValue, Cadence::Quarter, "2026-10", 9_000_000),
            noon,
            &utc,
            Some(1),
        );
        odd.currency = Currency::USD;
        let wins = Attainment::of(
            &quota(3, Measure::Wins, Cadence::Month, "2026-12", 5),
            noon,
            &utc,
            Some(9),
        );
        let team = team_total(&[
            monthly(1, 6_000_000, 4_000_000),
            monthly(2, 4_000_000, 1_000_000),
            odd,
            wins,
        ])
        .unwrap();
        assert_eq!(team.target, 10_000_000, "the quarterly quota is left out");
        assert_eq!(team.actual, Some(5_000_000));
        assert_eq!(team.percent(), 50);
        assert_eq!(team.period, "December 2026");
        assert!(team_total(&[]).is_none());
    }

    #[test]
    fn a_period_begins_at_midnight_in_the_organisations_zone() {
        let ny = Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 02:00 UTC on Jan 1 is still Dec 31 in New York.
        assert_eq!(
            month_at(ts(2027, 1, 1, 2), &ny),
            parse_month("2026-12").unwrap()
        );
        let (from, to) = period_span(parse_month("2026-12").unwrap(), 1, &ny);
        assert_eq!(from, ts(2026, 12, 1, 5));
        assert_eq!(to, ts(2027, 1, 1, 5));
    }
}
