//! Marketing's return per channel, source and campaign over a period: what the money bought
//! (inquiries, how far they got, wins and revenue) and what each of those cost.
//!
//! Two clocks, both shown: the period's *inquiries* are the leads created in it, followed to
//! wherever they are now (contacted, qualified, quoted, won so far); its *close-outs* (wins,
//! losses by reason, won revenue) are the leads closed in it, whenever they came in. Spend is
//! what was spent in the period. Costs divide the period's spend by the period's counts;
//! ROI compares the period's won revenue with its spend.
//!
//! Amounts are integer minor units of one reporting currency; divisions round half up to the
//! cent. Leads and spend in other currencies are counted in the counts but not in the money
//! (the report names those currencies).

use super::lead::{Channel, CloseReason};
use super::money::{Currency, Money};
use super::time::{civil_from_days, days_from_civil, Timestamp, DAY_MS};
use super::zone::Zone;
use serde::{Deserialize, Serialize};

/// The raw figures of one row (a channel, a source, a campaign, or everything).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    /// Leads created in the period.
    pub inquiries: u32,
    /// Of those, touched at least once.
    pub contacted: u32,
    /// Of those, in or past the qualifying stage at some point.
    pub qualified: u32,
    /// Of those, in or past the quoting stage at some point.
    pub quoted: u32,
    /// Of those, won by now.
    pub converted: u32,
    /// Leads won in the period.
    pub won: u32,
    /// Leads lost in the period, by reason (in [`CloseReason::ALL`] order).
    pub lost: [u32; 7],
    /// Value of the leads won in the period, in the reporting currency.
    pub revenue_cents: i64,
    /// Spent in the period, in the reporting currency.
    pub spend_cents: i64,
}

/// `total / count`, rounded half up; none when nothing was counted.
pub fn per(total_cents: i64, count: u32) -> Option<i64> {
    if count == 0 {
        return None;
    }
    let n = i64::from(count);
    Some((total_cents + n / 2).div_euclid(n))
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.inquiries += o.inquiries;
        self.contacted += o.contacted;
        self.qualified += o.qualified;
        self.quoted += o.quoted;
        self.converted += o.converted;
        self.won += o.won;
        for (a, b) in self.lost.iter_mut().zip(o.lost) {
            *a += b;
        }
        self.revenue_cents += o.revenue_cents;
        self.spend_cents += o.spend_cents;
    }

    /// Leads lost in the period.
    pub fn lost_total(&self) -> u32 {
        self.lost.iter().sum()
    }

    /// Leads lost in the period for `reason`.
    pub fn lost_for(&self, reason: CloseReason) -> u32 {
        CloseReason::ALL
            .iter()
            .position(|r| *r == reason)
            .map_or(0, |i| self.lost[i])
    }

    /// Share of the period's inquiries contacted.
    pub fn contacted_share(&self) -> Option<f64> {
        share(self.contacted, self.inquiries)
    }

    pub fn cost_per_lead(&self) -> Option<i64> {
        per(self.spend_cents, self.inquiries)
    }

    pub fn cost_per_qualified(&self) -> Option<i64> {
        per(self.spend_cents, self.qualified)
    }

    pub fn cost_per_win(&self) -> Option<i64> {
        per(self.spend_cents, self.won)
    }

    /// (revenue − spend) / spend, in percent; none without spend.
    pub fn roi_percent(&self) -> Option<f64> {
        (self.spend_cents > 0).then(|| {
            (self.revenue_cents - self.spend_cents) as f64 * 100.0 / self.spend_cents as f64
        })
    }

    /// Revenue per unit of spend ($ won per $ spent); none without spend.
    pub fn revenue_per_spend(&self) -> Option<f64> {
        (self.spend_cents > 0).then(|| self.revenue_cents as f64 / self.spend_cents as f64)
    }

    /// Share of the period's close-outs that were "not a buyer" or "spam / bad data": how
    /// much of what a channel brings is not worth a rep's time.
    pub fn junk_share(&self) -> Option<f64> {
        let junk = self.lost_for(CloseReason::NotABuyer) + self.lost_for(CloseReason::SpamBadData);
        share(junk, self.won + self.lost_total())
    }
}

/// One row of a table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiRow {
    /// Stable within the report: `channel:web`, `source:3`, `campaign:12`, `campaign:none:3`.
    pub key: String,
    pub label: String,
    pub channel: Channel,
    /// The campaign's source, for campaign rows.
    pub source: Option<String>,
    /// The campaign's budget, in the reporting currency.
    pub budget_cents: Option<i64>,
    pub tally: Tally,
}

crate::keyed! {
    /// A column the tables sort by.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Column {
        Name => "name", "Name";
        Inquiries => "inquiries", "Inquiries";
        Contacted => "contacted", "Contacted";
        Qualified => "qualified", "Qualified";
        Quoted => "quoted", "Quoted";
        Won => "won", "Won";
        Lost => "lost", "Lost";
        Revenue => "revenue", "Won revenue";
        Spend => "spend", "Spend";
        CostPerLead => "cost_per_lead", "Cost per lead";
        CostPerQualified => "cost_per_qualified", "Cost per qualified";
        CostPerWin => "cost_per_win", "Cost per win";
        Roi => "roi", "ROI";
        RevenuePerSpend => "revenue_per_spend", "Revenue per $1";
        Junk => "junk", "Not a buyer or spam";
    }
}

impl Column {
    /// The row's value in this column as a number to order by; none sorts last.
    fn value(self, r: &RoiRow) -> Option<f64> {
        let t = &r.tally;
        let n = |v: u32| Some(f64::from(v));
        let cents = |v: Option<i64>| v.map(|c| c as f64);
        match self {
            Column::Name => None,
            Column::Inquiries => n(t.inquiries),
            Column::Contacted => t.contacted_share(),
            Column::Qualified => n(t.qualified),
            Column::Quoted => n(t.quoted),
            Column::Won => n(t.won),
            Column::Lost => n(t.lost_total()),
            Column::Revenue => Some(t.revenue_cents as f64),
            Column::Spend => Some(t.spend_cents as f64),
            Column::CostPerLead => cents(t.cost_per_lead()),
            Column::CostPerQualified => cents(t.cost_per_qualified()),
            Column::CostPerWin => cents(t.cost_per_win()),
            Column::Roi => t.roi_percent(),
            Column::RevenuePerSpend => t.revenue_per_spend(),
            Column::Junk => t.junk_share(),
        }
    }
}

/// Orders rows by `column`, largest first when `descending`; rows without a value (no spend,
/// nothing counted) come last either way, and ties keep name order.
pub fn sort(rows: &mut [RoiRow], column: Column, descending: bool) {
    rows.sort_by_key(|r| r.label.to_lowercase());
    if column == Column::Name {
        if descending {
            rows.reverse();
        }
        return;
    }
    rows.sort_by(|a, b| match (column.value(a), column.value(b)) {
        (Some(x), Some(y)) if descending => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// A count with thousands separators: `12345` → `12,345`.
pub fn count_text(n: u32) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// How long something took, over many cases: the median and the 80th percentile (nearest
/// rank: the smallest value at least that share of the cases do not exceed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spread {
    pub count: u32,
    pub median_ms: i64,
    pub p80_ms: i64,
}

impl Spread {
    /// The spread of `values` (in any order); none when there are none.
    pub fn of(mut values: Vec<i64>) -> Option<Spread> {
        if values.is_empty() {
            return None;
        }
        values.sort_unstable();
        let rank = |q: f64| {
            let i = (q * values.len() as f64).ceil() as usize;
            values[i.clamp(1, values.len()) - 1]
        };
        Some(Spread {
            count: u32::try_from(values.len()).unwrap_or(u32::MAX),
            median_ms: rank(0.5),
            p80_ms: rank(0.8),
        })
    }
}

/// A duration in days for a reader: `0.5 days`, `12 days`.
pub fn days_text(ms: i64) -> String {
    let days = ms as f64 / 86_400_000.0;
    if days < 10.0 {
        format!("{days:.1} days")
    } else {
        format!("{days:.0} days")
    }
}

/// `0.25` → `25%`; none → `–`.
pub fn percent(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{:.0}%", v * 100.0))
}

/// An ROI in percent → `+250%`, `-40%`; none → `–`.
pub fn roi_text(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:+.0}%"))
}

/// Cents of `currency` → `$1,234`; none → `–`.
pub fn money_text(v: Option<i64>, currency: Currency) -> String {
    v.map_or_else(|| "–".into(), |c| Money::new(c, currency).display())
}

/// A cell of a CSV file: quoted when it holds a separator, quote or line break, and text a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage
/// return) prefixed with `'` so it stays text.
pub fn csv_cell(text: &str) -> String {
    let guarded = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Cents as a plain decimal for a spreadsheet: `123456` → `1234.56`.
pub fn decimal(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A table as CSV: a header line, then one line per row; money as plain decimals in
/// `currency`, shares as fractions, empty where there is no value.
pub fn csv(rows: &[RoiRow], currency: Currency) -> String {
    let mut out = String::new();
    let mut header = vec![
        "name".to_string(),
        "channel".into(),
        "source".into(),
        "inquiries".into(),
        "contacted".into(),
        "qualified".into(),
        "quoted".into(),
        "won_of_inquiries".into(),
        "won".into(),
    ];
    header.extend(CloseReason::ALL.iter().map(|r| format!("lost_{}", r.key())));
    header.extend(
        [
            "won_revenue",
            "spend",
            "cost_per_lead",
            "cost_per_qualified",
            "cost_per_win",
            "roi_percent",
            "revenue_per_spend",
            "budget",
            "currency",
        ]
        .map(String::from),
    );
    out.push_str(&header.join(","));
    out.push('\n');
    for r in rows {
        let t = &r.tally;
        let opt = |v: Option<i64>| v.map(decimal).unwrap_or_default();
        let mut cells = vec![
            csv_cell(&r.label),
            r.channel.key().to_string(),
            csv_cell(r.source.as_deref().unwrap_or("")),
            t.inquiries.to_string(),
            t.contacted.to_string(),
            t.qualified.to_string(),
            t.quoted.to_string(),
            t.converted.to_string(),
            t.won.to_string(),
        ];
        cells.extend(t.lost.iter().map(u32::to_string));
        cells.extend([
            decimal(t.revenue_cents),
            decimal(t.spend_cents),
            opt(t.cost_per_lead()),
            opt(t.cost_per_qualified()),
            opt(t.cost_per_win()),
            t.roi_percent()
                .map(|v| format!("{v:.1}"))
                .unwrap_or_default(),
            t.revenue_per_spend()
                .map(|v| format!("{v:.2}"))
                .unwrap_or_default(),
            opt(r.budget_cents),
            currency.code().to_string(),
        ]);
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, spend: i64, revenue: i64, inquiries: u32, won: u32) -> RoiRow {
        RoiRow {
            key: label.into(),
            label: label.into(),
            channel: Channel::Web,
            source: None,
            budget_cents: None,
            tally: Tally {
                inquiries,
                won,
                spend_cents: spend,
                revenue_cents: revenue,
                ..Tally::default()
            },
        }
    }

    #[test]
    fn costs_divide_spend_and_round_half_up_to_the_cent() {
        let t = row("a", 100_000, 350_000, 3, 2).tally;
        // $1,000 / 3 = $333.333… → $333.33; $1,000 / 2 = $500.
        assert_eq!(t.cost_per_lead(), Some(33_333));
        assert_eq!(t.cost_per_win(), Some(50_000));
        assert_eq!(t.cost_per_qualified(), None);
        assert_eq!(per(5, 2), Some(3));
        assert_eq!(per(1, 3), Some(0));
        assert_eq!(t.roi_percent(), Some(250.0));
        assert_eq!(t.revenue_per_spend(), Some(3.5));
        assert_eq!(row("b", 0, 500, 4, 1).tally.roi_percent(), None);
        assert_eq!(roi_text(Some(-40.0)), "-40%");
        assert_eq!(roi_text(Some(250.0)), "+250%");
        assert_eq!(count_text(2_000), "2,000");
        assert_eq!(count_text(1_234_567), "1,234,567");
        assert_eq!(count_text(999), "999");
    }

    #[test]
    fn spreads_take_the_nearest_rank() {
        let s = Spread::of(vec![59, 4, 42]).unwrap();
        assert_eq!((s.count, s.median_ms, s.p80_ms), (3, 42, 59));
        let s = Spread::of(vec![10, 20]).unwrap();
        assert_eq!((s.median_ms, s.p80_ms), (10, 20));
        assert_eq!(Spread::of(Vec::new()), None);
        assert_eq!(days_text(43_200_000), "0.5 days");
        assert_eq!(days_text(42 * 86_400_000), "42 days");
    }

    #[test]
    fn rows_sort_by_any_column_with_empty_values_last() {
        let mut rows = vec![
            row("Web", 100, 1_000, 10, 1),
            row("Referrals", 0, 5_000, 4, 2),
            row("Ads", 1_000, 500, 20, 1),
        ];
        sort(&mut rows, Column::Roi, true);
        let names = |rows: &[RoiRow]| rows.iter().map(|r| r.label.clone()).collect::<Vec<_>>();
        assert_eq!(names(&rows), ["Web", "Ads", "Referrals"]);
        sort(&mut rows, Column::Roi, false);
        assert_eq!(names(&rows), ["Ads", "Web", "Referrals"]);
        sort(&mut rows, Column::Inquiries, false);
        assert_eq!(names(&rows), ["Referrals", "Web", "Ads"]);
        sort(&mut rows, Column::Name, false);
        assert_eq!(names(&rows), ["Ads", "Referrals", "Web"]);
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_stay_text() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1 555"), "'+1 555");
        assert_eq!(csv_cell("-5"), "'-5");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("Trade shows, spring"), "\"Trade shows, spring\"");
        assert_eq!(csv_cell("Web"), "Web");
        let text = csv(&[row("=cmd|' /C calc'!A0", 12_345, 0, 2, 0)], Currency::USD);
        let line = text.lines().nth(1).unwrap();
        assert!(line.starts_with("'=cmd|' /C calc'!A0,web,"), "{line}");
        assert!(
            line.contains(",0.00,123.45,61.73,,,-100.0,0.00,,USD"),
            "{line}"
        );
        assert_eq!(
            text.lines().next().unwrap().split(',').count(),
            line.split(',').count()
        );
    }
}

/// Largest yearly inquiry target marketing may enter.
pub const MAX_TARGET: i64 = 100_000_000;

/// The year's inquiries against marketing's target: how many came in so far, how many the
/// target asks for by today (spread evenly over the year), and where the year ends at the
/// pace so far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    pub year: i64,
    pub target: Option<i64>,
    pub so_far: i64,
    /// Deals won last year: the least a target may be (each sale starts as an inquiry).
    pub last_year_wins: i64,
    /// Share of the year gone, 0 to 1.
    pub elapsed: f64,
}

impl Pace {
    /// Inquiries the target asks for by now, rounded to the nearest.
    pub fn expected(&self) -> Option<i64> {
        self.target
            .map(|t| (t as f64 * self.elapsed.clamp(0.0, 1.0)).round() as i64)
    }

    /// The year's inquiries if they keep coming at the pace so far.
    pub fn projected(&self) -> Option<i64> {
        (self.elapsed > 0.0).then(|| (self.so_far as f64 / self.elapsed.min(1.0)).round() as i64)
    }

    /// At or above what the target asks for by now.
    pub fn on_pace(&self) -> Option<bool> {
        Some(self.so_far >= self.expected()?)
    }
}

/// The longest period the report covers when chosen by dates, in days.
pub const MAX_CUSTOM_DAYS: i64 = 3 * 366;

/// A period chosen by its first and last day (`YYYY-MM-DD`, UTC), as the day numbers
/// `[first, last + 1)`; errors name their field. `today` is the current day number: a period
/// may not end after it.
pub fn custom_period(
    from: &str,
    to: &str,
    today: i64,
) -> Result<DayRange, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let first = super::time::parse_date(from);
    let last = super::time::parse_date(to);
    if first.is_none() {
        errors.push(("from", "Enter the first day as YYYY-MM-DD".to_string()));
    }
    if last.is_none() {
        errors.push(("to", "Enter the last day as YYYY-MM-DD".to_string()));
    }
    if let (Some(first), Some(last)) = (first, last) {
        if last < first {
            errors.push(("to", "The last day comes before the first".into()));
        } else if last > today {
            errors.push(("to", "The last day is still to come".into()));
        } else if last - first + 1 > MAX_CUSTOM_DAYS {
            errors.push(("from", "Choose at most three years".into()));
        } else {
            return Ok((first, last + 1));
        }
    }
    Err(errors)
}

/// UTC day numbers `[first, end)`.
pub type DayRange = (i64, i64);
/// Instants `[from, to)`.
pub type Span = (Timestamp, Timestamp);

/// A period `[from, to)` as the whole UTC days inside it (`[first, end)` day numbers, read from
/// the rollups) and the partial days at its ends (read from the leads).
pub fn day_split(from: Timestamp, to: Timestamp) -> (Option<DayRange>, Vec<Span>) {
    let first = from.0.div_euclid(DAY_MS) + i64::from(from.0.rem_euclid(DAY_MS) != 0);
    let end = to.0.div_euclid(DAY_MS);
    if first >= end {
        return (None, vec![(from, to)]);
    }
    let edges = [
        (from, Timestamp(first * DAY_MS)),
        (Timestamp(end * DAY_MS), to),
    ]
    .into_iter()
    .filter(|(a, b)| a.0 < b.0)
    .collect();
    (Some((first, end)), edges)
}

/// The calendar year `at` falls in, in `zone` (the organisation's): the year, its first
/// instant and the next year's.
pub fn year_span(at: Timestamp, zone: &Zone) -> (i64, Timestamp, Timestamp) {
    let local = zone.to_local(at.0);
    let (y, _, _) = civil_from_days(local.div_euclid(DAY_MS));
    let start = |year: i64| Timestamp(zone.to_utc(days_from_civil(year, 1, 1) * DAY_MS));
    (y, start(y), start(y + 1))
}

/// Checks a yearly inquiry target typed by marketing: a whole number, at least last year's
/// wins, at most [`MAX_TARGET`].
pub fn parse_target(text: &str, last_year_wins: i64) -> Result<i64, String> {
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != ' ')
        .collect();
    let n: i64 = cleaned
        .parse()
        .map_err(|_| "Enter the target as a whole number of inquiries".to_string())?;
    if !(1..=MAX_TARGET).contains(&n) {
        return Err(format!(
            "Enter 1 to {} inquiries",
            count_text(MAX_TARGET as u32)
        ));
    }
    if n < last_year_wins {
        return Err(format!(
            "Aim for at least last year's {} wins: every sale starts as an inquiry",
            count_text(u32::try_from(last_year_wins).unwrap_or(u32::MAX))
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod pace_tests {
    use super::*;

    fn pace(target: Option<i64>, so_far: i64, elapsed: f64) -> Pace {
        Pace {
            year: 2026,
            target,
            so_far,
            last_year_wins: 40,
            elapsed,
        }
    }

    #[test]
    fn pace_against_the_target() {
        // A quarter of the year gone, 1,200 in against a target of 4,000.
        let p = pace(Some(4_000), 1_200, 0.25);
        assert_eq!(p.expected(), Some(1_000));
        assert_eq!(p.projected(), Some(4_800));
        assert_eq!(p.on_pace(), Some(true));
        let behind = pace(Some(4_000), 900, 0.25);
        assert_eq!(behind.on_pace(), Some(false));
        assert_eq!(behind.projected(), Some(3_600));
        // No target: nothing expected, the projection still shown.
        let none = pace(None, 900, 0.25);
        assert_eq!((none.expected(), none.on_pace()), (None, None));
        assert_eq!(none.projected(), Some(3_600));
        assert_eq!(pace(Some(10), 0, 0.0).projected(), None);
    }

    #[test]
    fn a_period_by_dates_is_checked_field_by_field() {
        let today = days_from_civil(2026, 11, 30);
        assert_eq!(
            custom_period("2026-07-01", "2026-09-30", today),
            Ok((days_from_civil(2026, 7, 1), days_from_civil(2026, 10, 1)))
        );
        let fields = |r: Result<DayRange, Vec<(&'static str, String)>>| {
            r.unwrap_err()
                .into_iter()
                .map(|(f, _)| f)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            fields(custom_period("July", "2026-02-30", today)),
            ["from", "to"]
        );
        assert_eq!(
            fields(custom_period("2026-09-30", "2026-07-01", today)),
            ["to"]
        );
        assert_eq!(
            fields(custom_period("2026-11-01", "2026-12-01", today)),
            ["to"]
        );
        assert_eq!(
            fields(custom_period("2020-01-01", "2026-11-30", today)),
            ["from"]
        );
        // One day is a period.
        assert_eq!(
            custom_period("2026-11-30", "2026-11-30", today),
            Ok((today, today + 1))
        );
    }

    #[test]
    fn a_period_splits_into_whole_days_and_two_edges() {
        let t = |d: i64, h: i64| Timestamp(d * DAY_MS + h * 3_600_000);
        // 10 days 15:00 to 20 days 09:00: days 11..20 whole, two partial edges.
        let (days, edges) = day_split(t(10, 15), t(20, 9));
        assert_eq!(days, Some((11, 20)));
        assert_eq!(edges, vec![(t(10, 15), t(11, 0)), (t(20, 0), t(20, 9))]);
        // On day boundaries: no edges.
        assert_eq!(day_split(t(3, 0), t(5, 0)), (Some((3, 5)), vec![]));
        // Within one day: only the edge.
        assert_eq!(
            day_split(t(3, 1), t(3, 5)),
            (None, vec![(t(3, 1), t(3, 5))])
        );
        assert_eq!(
            day_split(t(3, 1), t(4, 5)),
            (None, vec![(t(3, 1), t(4, 5))])
        );
    }

    #[test]
    fn the_year_runs_from_local_new_year() {
        let ny = Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap();
        // 2027-01-01 03:00 UTC is still 2026 in New York.
        let at = Timestamp(days_from_civil(2027, 1, 1) * DAY_MS + 3 * 3_600_000);
        let (year, start, end) = year_span(at, &ny);
        assert_eq!(year, 2026);
        assert_eq!(
            start.0,
            days_from_civil(2026, 1, 1) * DAY_MS + 5 * 3_600_000
        );
        assert_eq!(end.0, days_from_civil(2027, 1, 1) * DAY_MS + 5 * 3_600_000);
        assert_eq!(year_span(at, &Zone::utc()).0, 2027);
    }

    #[test]
    fn a_target_is_a_whole_number_at_least_last_years_wins() {
        assert_eq!(parse_target(" 12,000 ", 40), Ok(12_000));
        assert!(parse_target("lots", 40)
            .unwrap_err()
            .contains("whole number"));
        assert!(parse_target("12.5", 40).is_err());
        assert!(parse_target("0", 0).unwrap_err().contains("1 to"));
        assert!(parse_target("30", 40).unwrap_err().contains("40 wins"));
        assert_eq!(parse_target("40", 40), Ok(40));
        assert!(parse_target("100000001", 0).is_err());
    }
}
