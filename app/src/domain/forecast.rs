//! The forecast: what the open pipeline should bring in, month by month (by each open lead's
//! expected close date), as *weighted* value (value × its stage's win probability), *best
//! case* (all of it) and *committed* (the leads their reps commit to), beside what was won in
//! the months before.
//!
//! Amounts are integer minor units of one reporting currency. A weighted figure is rounded
//! half up once, from the exact sum of value × percent of the leads it covers, so a cell
//! matches a hand computation of the same leads to the cent.

use super::money::{Currency, Money};
use super::time::{civil_from_days, days_from_civil, parse_date, DAY_MS};
use serde::{Deserialize, Serialize};

/// Months ahead shown unless asked otherwise (this month included).
pub const DEFAULT_AHEAD: u32 = 3;
/// The choices of months ahead.
pub const AHEAD_CHOICES: [u32; 3] = [3, 6, 12];
/// Past months shown beside the forecast, with what was won in them.
pub const PAST_MONTHS: u32 = 3;

crate::keyed! {
    /// What the forecast's rows are.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Grouping {
        Rep => "rep", "Rep";
        Team => "team", "Team";
        Pipeline => "pipeline", "Pipeline";
    }
}

/// What the forecast page asks for, as in its URL: `?by=team&months=6&pipeline=2`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastQuery {
    /// One pipeline's leads only.
    #[serde(default)]
    pub pipeline: Option<i64>,
    /// `rep`, `team` or `pipeline` (rep by default).
    #[serde(default)]
    pub by: Option<String>,
    /// Months ahead, this month included: 3, 6 or 12.
    #[serde(default)]
    pub months: Option<u32>,
    /// ISO 4217 code of the reporting currency (USD by default).
    #[serde(default)]
    pub currency: Option<String>,
}

impl ForecastQuery {
    /// The grouping asked for, or why it is not one.
    pub fn grouping(&self) -> Result<Grouping, String> {
        match self.by.as_deref().map(str::trim) {
            None | Some("") => Ok(Grouping::Rep),
            Some(k) => Grouping::parse(k).ok_or_else(|| "Group by rep, team or pipeline".into()),
        }
    }

    /// The months ahead asked for, or why it is not one of the choices.
    pub fn ahead(&self) -> Result<u32, String> {
        match self.months {
            None => Ok(DEFAULT_AHEAD),
            Some(m) if AHEAD_CHOICES.contains(&m) => Ok(m),
            Some(_) => Err("Show 3, 6 or 12 months".into()),
        }
    }

    /// The page's URL for this query (`/forecast?…`), leaving out what is the default.
    pub fn href(&self, path: &str) -> String {
        let mut parts = Vec::new();
        if let Some(p) = self.pipeline {
            parts.push(format!("pipeline={p}"));
        }
        if let Some(b) = self.by.as_deref().filter(|b| Grouping::parse(b).is_some()) {
            parts.push(format!("by={b}"));
        }
        if let Some(m) = self.months {
            parts.push(format!("months={m}"));
        }
        if let Some(c) = self
            .currency
            .as_deref()
            .filter(|c| c.chars().all(|c| c.is_ascii_alphabetic()))
        {
            parts.push(format!("currency={c}"));
        }
        if parts.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", parts.join("&"))
        }
    }
}

/// A calendar month as a count of months since year 0 (`year * 12 + month - 1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Month(pub i64);

impl Month {
    /// The month of a day number (days since 1970-01-01).
    pub fn of_day(day: i64) -> Month {
        let (y, m, _) = civil_from_days(day);
        Month(y * 12 + i64::from(m) - 1)
    }

    /// The month of a `YYYY-MM-DD` date.
    pub fn of_date(text: &str) -> Option<Month> {
        parse_date(text).map(Month::of_day)
    }

    pub fn plus(self, n: i64) -> Month {
        Month(self.0 + n)
    }

    /// `2027-01`.
    pub fn key(self) -> String {
        format!(
            "{:04}-{:02}",
            self.0.div_euclid(12),
            self.0.rem_euclid(12) + 1
        )
    }

    /// `Jan 2027`.
    pub fn label(self) -> String {
        format!(
            "{} {}",
            MONTHS[self.0.rem_euclid(12) as usize],
            self.0.div_euclid(12)
        )
    }

    /// The first day of the month (a day number).
    pub fn first_day(self) -> i64 {
        days_from_civil(self.0.div_euclid(12), (self.0.rem_euclid(12) + 1) as u32, 1)
    }
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2027-03-31` → `Mar 31, 2027`; anything else as it is.
pub fn day_label(text: &str) -> String {
    match parse_date(text) {
        Some(day) => {
            let (y, m, d) = civil_from_days(day);
            format!("{} {d}, {y}", MONTHS[(m - 1) as usize])
        }
        None => text.to_string(),
    }
}

/// The day number of a time in the organisation's time zone, from its local milliseconds.
pub fn local_day(local_ms: i64) -> i64 {
    local_ms.div_euclid(DAY_MS)
}

/// Open leads as the forecast reads them: one lead, or several alike (same row, stage, close
/// date and commitment) with their values summed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenDeal {
    /// The row it counts in (a rep, team or pipeline id; none for "unassigned" / "no team").
    pub group: Option<i64>,
    /// Its stage's win probability, in percent.
    pub percent: u8,
    /// The value (of all of them).
    pub cents: i64,
    /// How many leads.
    pub leads: u32,
    /// Its expected close date's day number.
    pub close_day: Option<i64>,
    pub committed: bool,
}

/// A won lead as the forecast reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WonDeal {
    pub group: Option<i64>,
    pub cents: i64,
    /// The day it was won, in the organisation's time zone.
    pub day: i64,
}

/// What a column of the forecast holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    /// A past month: what was won in it.
    Won,
    /// Open leads whose expected close date has passed (before this month).
    PastDue,
    /// This month: won so far, and the open leads expected to close in it.
    Current,
    /// A month ahead.
    Ahead,
    /// After the last month shown.
    Later,
    /// Open leads without an expected close date.
    Undated,
}

impl ColumnKind {
    pub fn key(self) -> &'static str {
        match self {
            ColumnKind::Won => "won",
            ColumnKind::PastDue => "past_due",
            ColumnKind::Current => "current",
            ColumnKind::Ahead => "ahead",
            ColumnKind::Later => "later",
            ColumnKind::Undated => "undated",
        }
    }

    /// Whether the column's open leads are in the forecast window (this month and ahead).
    pub fn in_window(self) -> bool {
        matches!(self, ColumnKind::Current | ColumnKind::Ahead)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// `2027-01`, or `past_due`, `later`, `undated`.
    pub key: String,
    pub label: String,
    pub kind: ColumnKind,
}

/// The figures of one row in one column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    /// Won in the month.
    pub won: i64,
    pub wins: u32,
    /// Σ value × percent of the open leads (hundredths of a minor unit): see [`Cell::weighted`].
    pub weighted_basis: i128,
    /// Σ value of the committed open leads.
    pub committed: i64,
    /// Σ value of every open lead.
    pub best: i64,
    /// How many open leads.
    pub open: u32,
}

impl Cell {
    /// Weighted value: Σ value × probability, rounded half up once.
    pub fn weighted(&self) -> i64 {
        let b = self.weighted_basis;
        let r = if b >= 0 {
            (b + 50) / 100
        } else {
            (b - 50) / 100
        };
        i64::try_from(r).unwrap_or(i64::MAX)
    }

    pub fn add(&mut self, o: &Cell) {
        self.won += o.won;
        self.wins += o.wins;
        self.weighted_basis += o.weighted_basis;
        self.committed += o.committed;
        self.best += o.best;
        self.open += o.open;
    }

    fn add_open(&mut self, d: &OpenDeal) {
        self.weighted_basis += i128::from(d.cents) * i128::from(d.percent);
        if d.committed {
            self.committed += d.cents;
        }
        self.best += d.cents;
        self.open += d.leads;
    }
}

/// One row: a rep, a team, a pipeline, or the total.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastRow {
    pub key: Option<i64>,
    pub label: String,
    /// One per column.
    pub cells: Vec<Cell>,
}

impl ForecastRow {
    /// The row's figures over the columns of `kinds`' window (this month and ahead).
    pub fn window(&self, columns: &[Column]) -> Cell {
        let mut sum = Cell::default();
        for (c, cell) in columns.iter().zip(&self.cells) {
            if c.kind.in_window() {
                sum.add(cell);
            }
        }
        sum
    }

    /// What was won in the past months shown (this month's wins not included).
    pub fn past_won(&self, columns: &[Column]) -> Cell {
        let mut sum = Cell::default();
        for (c, cell) in columns.iter().zip(&self.cells) {
            if c.kind == ColumnKind::Won {
                sum.add(cell);
            }
        }
        sum
    }
}

/// The forecast, worked out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast {
    pub currency: Currency,
    pub columns: Vec<Column>,
    /// By the grouping asked for, largest weighted value in the window first.
    pub rows: Vec<ForecastRow>,
    pub total: ForecastRow,
}

/// Works out the forecast from `open` and `won` leads (already in scope and in the reporting
/// currency), `ahead` months from `today`'s month on (this month included), with
/// [`PAST_MONTHS`] months of wins before. `labels` names each group; groups without a label
/// are called `unnamed`.
pub fn compute(
    open: &[OpenDeal],
    won: &[WonDeal],
    labels: &[(Option<i64>, String)],
    unnamed: &str,
    today: i64,
    ahead: u32,
    currency: Currency,
) -> Forecast {
    let this = Month::of_day(today);
    let last = this.plus(i64::from(ahead.max(1)) - 1);
    let mut columns = Vec::new();
    for back in (1..=i64::from(PAST_MONTHS)).rev() {
        let m = this.plus(-back);
        columns.push(Column {
            key: m.key(),
            label: m.label(),
            kind: ColumnKind::Won,
        });
    }
    columns.push(Column {
        key: "past_due".into(),
        label: "Past due".into(),
        kind: ColumnKind::PastDue,
    });
    for k in 0..i64::from(ahead.max(1)) {
        let m = this.plus(k);
        columns.push(Column {
            key: m.key(),
            label: m.label(),
            kind: if k == 0 {
                ColumnKind::Current
            } else {
                ColumnKind::Ahead
            },
        });
    }
    columns.push(Column {
        key: "later".into(),
        label: "Later".into(),
        kind: ColumnKind::Later,
    });
    columns.push(Column {
        key: "undated".into(),
        label: "No close date".into(),
        kind: ColumnKind::Undated,
    });
    let first_won = PAST_MONTHS as i64;
    // The column index of a month from this one on, or of the catch-alls.
    let open_column = |day: Option<i64>| -> usize {
        let Some(day) = day else {
            return columns.len() - 1;
        };
        let m = Month::of_day(day);
        if m < this {
            first_won as usize
        } else if m > last {
            columns.len() - 2
        } else {
            first_won as usize + 1 + (m.0 - this.0) as usize
        }
    };
    let won_column = |day: i64| -> Option<usize> {
        let m = Month::of_day(day);
        let back = this.0 - m.0;
        if back == 0 {
            Some(first_won as usize + 1)
        } else if (1..=first_won).contains(&back) {
            Some((first_won - back) as usize)
        } else {
            None
        }
    };
    let mut rows: Vec<ForecastRow> = Vec::new();
    let row_of = |key: Option<i64>, rows: &mut Vec<ForecastRow>| -> usize {
        if let Some(i) = rows.iter().position(|r| r.key == key) {
            return i;
        }
        let label = labels
            .iter()
            .find(|(k, _)| *k == key)
            .map_or_else(|| unnamed.to_string(), |(_, l)| l.clone());
        rows.push(ForecastRow {
            key,
            label,
            cells: vec![Cell::default(); columns.len()],
        });
        rows.len() - 1
    };
    for d in open {
        let r = row_of(d.group, &mut rows);
        rows[r].cells[open_column(d.close_day)].add_open(d);
    }
    for w in won {
        if let Some(c) = won_column(w.day) {
            let r = row_of(w.group, &mut rows);
            let cell = &mut rows[r].cells[c];
            cell.won += w.cents;
            cell.wins += 1;
        }
    }
    let mut total = ForecastRow {
        key: None,
        label: "Total".into(),
        cells: vec![Cell::default(); columns.len()],
    };
    for r in &rows {
        for (t, c) in total.cells.iter_mut().zip(&r.cells) {
            t.add(c);
        }
    }
    rows.sort_by(|a, b| {
        b.window(&columns)
            .weighted_basis
            .cmp(&a.window(&columns).weighted_basis)
            .then_with(|| a.label.cmp(&b.label))
    });
    Forecast {
        currency,
        columns,
        rows,
        total,
    }
}

/// An amount of the forecast's currency, as the tables show it.
pub fn amount(cents: i64, currency: Currency) -> String {
    Money::new(cents, currency).display()
}

/// The forecast as CSV, one line per row and column: what a spreadsheet pivots.
pub fn csv(f: &Forecast, grouping: Grouping) -> String {
    let cell = super::roi::csv_cell;
    let money = super::roi::decimal;
    let mut out = format!(
        "{},column,column_kind,won,wins,weighted,committed,best_case,open_leads,currency\r\n",
        grouping.key()
    );
    for r in f.rows.iter().chain(std::iter::once(&f.total)) {
        for (col, c) in f.columns.iter().zip(&r.cells) {
            out.push_str(&format!(
                "{},{},{},{},{},{},{},{},{},{}\r\n",
                cell(&r.label),
                col.key,
                col.kind.key(),
                money(c.won),
                c.wins,
                money(c.weighted()),
                money(c.committed),
                money(c.best),
                c.open,
                f.currency.code()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> i64 {
        parse_date(text).unwrap()
    }

    fn open(
        group: i64,
        percent: u8,
        dollars: i64,
        close: Option<&str>,
        committed: bool,
    ) -> OpenDeal {
        OpenDeal {
            group: Some(group),
            percent,
            cents: dollars * 100,
            leads: 1,
            close_day: close.map(day),
            committed,
        }
    }

    /// The hand-computed fixture of docs/forecast.md: two reps, seven open leads, three wins.
    fn fixture() -> Forecast {
        let open = [
            // Ana: Dec 2026 — 10,000 at 60 % (committed) and 3,333 at 45 %.
            open(1, 60, 10_000, Some("2026-12-20"), true),
            open(1, 45, 3_333, Some("2026-12-31"), false),
            // Ana: Jan 2027 — 8,000 at 30 %.
            open(1, 30, 8_000, Some("2027-01-15"), false),
            // Ana: past due (Nov 2026) — 2,000 at 75 %.
            open(1, 75, 2_000, Some("2026-11-28"), false),
            // Ben: Feb 2027 — 20,000 at 75 % (committed); Apr 2027 is beyond three months.
            open(2, 75, 20_000, Some("2027-02-01"), true),
            open(2, 15, 5_000, Some("2027-04-02"), false),
            // Ben: no date yet.
            open(2, 15, 1_000, None, false),
        ];
        let won = [
            WonDeal {
                group: Some(1),
                cents: 4_000 * 100,
                day: day("2026-10-05"),
            },
            WonDeal {
                group: Some(2),
                cents: 7_500 * 100,
                day: day("2026-12-02"),
            },
            // Too long ago to show.
            WonDeal {
                group: Some(2),
                cents: 9_900 * 100,
                day: day("2026-08-31"),
            },
        ];
        let labels = vec![(Some(1), "Ana".to_string()), (Some(2), "Ben".to_string())];
        compute(
            &open,
            &won,
            &labels,
            "Unassigned",
            day("2026-12-07"),
            3,
            Currency::USD,
        )
    }

    fn col(f: &Forecast, key: &str) -> usize {
        f.columns.iter().position(|c| c.key == key).unwrap()
    }

    #[test]
    fn columns_run_from_three_months_back_through_the_months_ahead() {
        let f = fixture();
        let keys: Vec<&str> = f.columns.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "2026-09", "2026-10", "2026-11", "past_due", "2026-12", "2027-01", "2027-02",
                "later", "undated"
            ]
        );
        assert_eq!(f.columns[4].label, "Dec 2026");
        assert_eq!(f.columns[4].kind, ColumnKind::Current);
    }

    #[test]
    fn weighted_committed_and_best_case_match_the_hand_computation() {
        let f = fixture();
        let ana = &f.rows.iter().find(|r| r.label == "Ana").unwrap().cells;
        let dec = col(&f, "2026-12");
        // 10,000 × 0.60 + 3,333 × 0.45 = 6,000 + 1,499.85
        assert_eq!(ana[dec].weighted(), (7_499 * 100 + 85));
        assert_eq!(ana[dec].committed, 10_000 * 100);
        assert_eq!(ana[dec].best, 13_333 * 100);
        assert_eq!(ana[dec].open, 2);
        assert_eq!(ana[col(&f, "2027-01")].weighted(), 2_400 * 100);
        assert_eq!(ana[col(&f, "past_due")].weighted(), 1_500 * 100);
        assert_eq!(ana[col(&f, "2026-10")].won, 4_000 * 100);
        let ben = &f.rows.iter().find(|r| r.label == "Ben").unwrap().cells;
        assert_eq!(ben[col(&f, "2027-02")].weighted(), 15_000 * 100);
        assert_eq!(ben[col(&f, "later")].best, 5_000 * 100);
        assert_eq!(ben[col(&f, "undated")].open, 1);
        assert_eq!(ben[dec].won, 7_500 * 100, "this month's wins so far");
        // The three months (Dec–Feb) in total: 7,499.85 + 2,400 + 15,000.
        let w = f.total.window(&f.columns);
        assert_eq!(w.weighted(), (24_899 * 100 + 85));
        assert_eq!(w.committed, 30_000 * 100);
        assert_eq!(w.best, 41_333 * 100);
        assert_eq!(w.won, 7_500 * 100);
        assert_eq!(
            f.total.past_won(&f.columns).won,
            4_000 * 100,
            "August is not shown"
        );
        // Ben's window is larger, so he comes first.
        assert_eq!(f.rows[0].label, "Ben");
    }

    #[test]
    fn weighting_rounds_once_per_cell_half_up() {
        let deals = [
            open(1, 15, 0, Some("2026-12-10"), false),
            OpenDeal {
                cents: 3, // 3 × 15 % = 0.45 → 0
                ..open(1, 15, 0, Some("2026-12-10"), false)
            },
            OpenDeal {
                cents: 7, // 7 × 15 % = 1.05; with the 0.45 above, 1.50 → 2
                ..open(1, 15, 0, Some("2026-12-11"), false)
            },
        ];
        let f = compute(
            &deals,
            &[],
            &[],
            "Unassigned",
            day("2026-12-01"),
            3,
            Currency::USD,
        );
        assert_eq!(f.total.cells[col(&f, "2026-12")].weighted(), 2);
        assert_eq!(f.rows[0].label, "Unassigned");
    }

    #[test]
    fn months_roll_over_the_year() {
        let m = Month::of_date("2026-12-31").unwrap();
        assert_eq!(m.plus(1).key(), "2027-01");
        assert_eq!(m.plus(-12).label(), "Dec 2025");
        assert_eq!(Month::of_day(m.plus(2).first_day()).key(), "2027-02");
        assert_eq!(day_label("2027-03-05"), "Mar 5, 2027");
    }

    #[test]
    fn the_query_names_its_bad_parts() {
        let q = ForecastQuery {
            by: Some("weather".into()),
            months: Some(5),
            ..Default::default()
        };
        assert_eq!(q.grouping().unwrap_err(), "Group by rep, team or pipeline");
        assert_eq!(q.ahead().unwrap_err(), "Show 3, 6 or 12 months");
        let q = ForecastQuery {
            pipeline: Some(2),
            by: Some("team".into()),
            months: Some(6),
            currency: Some("EUR".into()),
        };
        assert_eq!(
            q.href("/forecast"),
            "/forecast?pipeline=2&by=team&months=6&currency=EUR"
        );
        assert_eq!(ForecastQuery::default().href("/forecast"), "/forecast");
    }

    #[test]
    fn the_csv_has_a_line_per_row_and_column_and_keeps_text_as_text() {
        let mut f = fixture();
        f.rows[0].label = "=cmd()".into();
        let text = csv(&f, Grouping::Rep);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            1 + 3 * f.columns.len(),
            "two reps and the total"
        );
        assert!(lines[0].starts_with("rep,column,column_kind,won"));
        assert!(
            text.contains("Ana,2026-12,current,0.00,0,7499.85,10000.00,13333.00,2,USD"),
            "{text}"
        );
        assert!(
            text.contains("Total,2026-10,won,4000.00,1,0.00,0.00,0.00,0,USD"),
            "{text}"
        );
        assert!(!text.contains("\n=cmd"), "a formula stays text: {text}");
    }
}
