//! Quotes: line items, discounts and tax, with totals in integer minor units, and the
//! statuses a quote goes through.
//!
//! Rounding, stated once: every step rounds half up to the minor unit (0.5 cent becomes 1
//! cent), in this order: each line's discount on its own amount; the overall discount on the
//! sum of the lines after their discounts; the tax on what remains. The totals are then exact
//! sums of the rounded parts, so the printed quote always adds up.

use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// A percentage in thousandths of a percent: 100% is 100,000, 8.875% is 8,875.
pub type Rate = u32;
/// 100% as a [`Rate`].
pub const FULL: Rate = 100_000;
/// The most units on one line.
pub const MAX_QUANTITY: u32 = 1_000_000;
/// The highest unit price, in minor units (100 million in the currency).
pub const MAX_UNIT_CENTS: i64 = 10_000_000_000;
/// The most lines on a quote.
pub const MAX_LINES: usize = 100;

/// `amount × rate`, rounded half up to the minor unit.
pub fn apply_rate(amount: i64, rate: Rate) -> i64 {
    let product = i128::from(amount) * i128::from(rate);
    let half = i128::from(FULL) / 2;
    let rounded = if product >= 0 {
        (product + half) / i128::from(FULL)
    } else {
        -((-product + half) / i128::from(FULL))
    };
    rounded as i64
}

/// One line as priced.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    /// The catalogue product it came from (none for free text).
    #[serde(default)]
    pub product_id: Option<i64>,
    pub description: String,
    pub quantity: u32,
    pub unit_cents: i64,
    /// The line's discount.
    #[serde(default)]
    pub discount: Rate,
}

/// A line's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineTotal {
    /// Quantity × unit price.
    pub gross: i64,
    pub discount: i64,
    pub net: i64,
}

impl Line {
    pub fn total(&self) -> LineTotal {
        let gross = i64::from(self.quantity) * self.unit_cents;
        let discount = apply_rate(gross, self.discount);
        LineTotal {
            gross,
            discount,
            net: gross - discount,
        }
    }
}

/// A quote's figures.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Totals {
    pub lines: Vec<LineTotal>,
    /// The lines after their own discounts.
    pub subtotal: i64,
    pub discount: i64,
    /// What the tax is charged on: subtotal − overall discount.
    pub taxable: i64,
    pub tax: i64,
    pub total: i64,
}

/// The totals of `lines` with an overall `discount` and a `tax` rate.
pub fn totals(lines: &[Line], discount: Rate, tax: Rate) -> Totals {
    let line_totals: Vec<LineTotal> = lines.iter().map(Line::total).collect();
    let subtotal: i64 = line_totals.iter().map(|l| l.net).sum();
    let overall = apply_rate(subtotal, discount);
    let taxable = subtotal - overall;
    let tax_amount = apply_rate(taxable, tax);
    Totals {
        lines: line_totals,
        subtotal,
        discount: overall,
        taxable,
        tax: tax_amount,
        total: taxable + tax_amount,
    }
}

/// A rate as typed ("8.875", "10 %", "0"): at most three decimals, 0 to 100.
pub fn parse_rate(text: &str) -> Result<Rate, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Ok(0);
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.len() > 3 || !digits(frac) {
        return Err(format!(
            "\u{201c}{t}\u{201d} is not a percentage like 10 or 8.875"
        ));
    }
    let whole: u32 = whole.parse().map_err(|_| "Too large".to_string())?;
    let frac: u32 = format!("{frac:0<3}").parse().unwrap_or(0);
    let rate = whole * 1_000 + frac;
    if rate > FULL {
        return Err("At most 100 %".into());
    }
    Ok(rate)
}

/// A rate as people write it: "10 %", "8.875 %".
pub fn rate_text(rate: Rate) -> String {
    let whole = rate / 1_000;
    let frac = rate % 1_000;
    if frac == 0 {
        format!("{whole} %")
    } else {
        let f = format!("{frac:03}");
        format!("{whole}.{} %", f.trim_end_matches('0'))
    }
}

/// Where a quote stands. Draft → sent → accepted or rejected; each step is an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    Sent,
    Accepted,
    Rejected,
}

impl QuoteStatus {
    pub fn key(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "draft",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Accepted => "accepted",
            QuoteStatus::Rejected => "rejected",
        }
    }

    pub fn parse(key: &str) -> Option<QuoteStatus> {
        [
            QuoteStatus::Draft,
            QuoteStatus::Sent,
            QuoteStatus::Accepted,
            QuoteStatus::Rejected,
        ]
        .into_iter()
        .find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "Draft",
            QuoteStatus::Sent => "Sent",
            QuoteStatus::Accepted => "Accepted",
            QuoteStatus::Rejected => "Rejected",
        }
    }

    /// Whether a quote may go from `self` to `to`. Only a draft is edited; a sent quote is
    /// accepted or rejected (or taken back to draft to revise it).
    pub fn may_become(self, to: QuoteStatus) -> bool {
        matches!(
            (self, to),
            (QuoteStatus::Draft, QuoteStatus::Sent)
                | (QuoteStatus::Sent, QuoteStatus::Accepted)
                | (QuoteStatus::Sent, QuoteStatus::Rejected)
                | (QuoteStatus::Sent, QuoteStatus::Draft)
        )
    }
}

/// Checks lines as a form sends them; problems are named `lines[i].field`.
pub fn check_lines(lines: &[Line]) -> Result<(), Vec<FieldError>> {
    let mut problems = Vec::new();
    let mut push = |field: String, message: &str| {
        problems.push(FieldError {
            field,
            message: message.into(),
        })
    };
    if lines.is_empty() {
        push("lines".into(), "Add at least one line");
    }
    if lines.len() > MAX_LINES {
        push("lines".into(), "At most 100 lines");
    }
    for (i, l) in lines.iter().enumerate() {
        let d = l.description.trim();
        if d.is_empty() {
            push(format!("lines[{i}].description"), "Describe what is sold");
        } else if d.chars().count() > 300 {
            push(format!("lines[{i}].description"), "At most 300 characters");
        }
        if l.quantity == 0 || l.quantity > MAX_QUANTITY {
            push(format!("lines[{i}].quantity"), "From 1 to 1,000,000");
        }
        if !(0..=MAX_UNIT_CENTS).contains(&l.unit_cents) {
            push(format!("lines[{i}].unit_price"), "From 0 to 100,000,000");
        }
        if l.discount > FULL {
            push(format!("lines[{i}].discount"), "At most 100 %");
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(quantity: u32, unit_cents: i64, discount: Rate) -> Line {
        Line {
            product_id: None,
            description: "Forklift".into(),
            quantity,
            unit_cents,
            discount,
        }
    }

    #[test]
    fn a_worked_example_rounds_each_step_half_up() {
        // 3 × $19.99 at 10 % off: 5,997 − 599.7 → 600 = 5,397.
        // 1 × $0.05 at 50 % off: 5 − 2.5 → 3 = 2.
        // Subtotal 5,399; 5 % overall: 269.95 → 270; taxable 5,129;
        // tax 8.875 %: 455.19875 → 455; total 5,584.
        let t = totals(&[line(3, 1_999, 10_000), line(1, 5, 50_000)], 5_000, 8_875);
        assert_eq!(
            t.lines,
            vec![
                LineTotal {
                    gross: 5_997,
                    discount: 600,
                    net: 5_397
                },
                LineTotal {
                    gross: 5,
                    discount: 3,
                    net: 2
                },
            ]
        );
        assert_eq!(
            (t.subtotal, t.discount, t.taxable, t.tax, t.total),
            (5_399, 270, 5_129, 455, 5_584)
        );
    }

    #[test]
    fn rates_parse_to_thousandths_of_a_percent() {
        assert_eq!(parse_rate("8.875"), Ok(8_875));
        assert_eq!(parse_rate("10 %"), Ok(10_000));
        assert_eq!(parse_rate(""), Ok(0));
        assert_eq!(parse_rate("100"), Ok(FULL));
        for bad in ["100.001", "1.2345", "abc", "-5", "5,5", ".5"] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
        assert_eq!(rate_text(8_875), "8.875 %");
        assert_eq!(rate_text(19_000), "19 %");
        assert_eq!(rate_text(7_500), "7.5 %");
    }

    #[test]
    fn statuses_go_draft_sent_then_accepted_or_rejected() {
        use QuoteStatus::*;
        assert!(Draft.may_become(Sent));
        assert!(Sent.may_become(Accepted) && Sent.may_become(Rejected) && Sent.may_become(Draft));
        assert!(!Draft.may_become(Accepted) && !Accepted.may_become(Draft));
        assert!(!Rejected.may_become(Sent) && !Accepted.may_become(Rejected));
    }

    #[test]
    fn lines_are_checked_by_field() {
        let e = check_lines(&[line(0, 100, 0), line(1, -1, 100_001)]).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "lines[0].quantity",
                "lines[1].unit_price",
                "lines[1].discount"
            ]
        );
        assert_eq!(check_lines(&[]).unwrap_err()[0].field, "lines");
        assert!(check_lines(&[line(2, 100, 0)]).is_ok());
    }

    fn arb_line() -> impl Strategy<Value = Line> {
        (1..=MAX_QUANTITY, 0..=MAX_UNIT_CENTS, 0..=FULL).prop_map(|(q, u, d)| line(q, u, d))
    }

    proptest! {
        #[test]
        fn totals_add_up_and_each_rounding_is_within_half_a_cent(
            lines in prop::collection::vec(arb_line(), 1..20),
            discount in 0..=FULL,
            tax in 0..=FULL,
        ) {
            let t = totals(&lines, discount, tax);
            // Every part is the exact sum of the parts before it.
            prop_assert_eq!(t.subtotal, t.lines.iter().map(|l| l.net).sum::<i64>());
            prop_assert_eq!(t.taxable, t.subtotal - t.discount);
            prop_assert_eq!(t.total, t.taxable + t.tax);
            for (l, lt) in lines.iter().zip(&t.lines) {
                prop_assert_eq!(lt.gross, i64::from(l.quantity) * l.unit_cents);
                prop_assert!(0 <= lt.discount && lt.discount <= lt.gross);
                // Within half a cent of the exact discount (in thousandths of a cent·percent).
                let exact = i128::from(lt.gross) * i128::from(l.discount);
                prop_assert!((i128::from(lt.discount) * i128::from(FULL) - exact).abs() <= i128::from(FULL) / 2);
            }
            prop_assert!(0 <= t.discount && t.discount <= t.subtotal);
            let exact_tax = i128::from(t.taxable) * i128::from(tax);
            prop_assert!((i128::from(t.tax) * i128::from(FULL) - exact_tax).abs() <= i128::from(FULL) / 2);
            prop_assert!(t.total >= 0);
        }

        #[test]
        fn without_discounts_or_tax_the_total_is_quantity_times_price(
            items in prop::collection::vec((1..=1_000u32, 0..=1_000_000i64), 1..20),
        ) {
            let lines: Vec<Line> = items.iter().map(|(q, u)| line(*q, *u, 0)).collect();
            let t = totals(&lines, 0, 0);
            prop_assert_eq!(t.total, items.iter().map(|(q, u)| i64::from(*q) * u).sum::<i64>());
        }

        #[test]
        fn more_units_never_cost_less(
            l in arb_line(), extra in 1..1_000u32, discount in 0..=FULL, tax in 0..=FULL,
        ) {
            let mut more = l.clone();
            more.quantity = (l.quantity + extra).min(MAX_QUANTITY);
            prop_assert!(totals(&[more], discount, tax).total >= totals(&[l], discount, tax).total);
        }

        #[test]
        fn rates_round_trip_through_their_text(rate in 0..=FULL) {
            prop_assert_eq!(parse_rate(&rate_text(rate)), Ok(rate));
        }
    }
}
