//! Quotes: line items, discounts and tax, with totals in integer minor units, and the
//! statuses a quote goes through.
//!
//! Rounding, stated once: every step rounds half up to the minor unit (0.5 cent becomes 1
//! cent), in this order: each line's discount on its own amount; the overall discount on the
//! sum of the lines after their discounts; the tax on what remains. The totals are then exact
//! sums of the rounded parts, so the printed quote always adds up.

use crate::domain::activity::parse_amount;
use crate::domain::{
    apply_move, Currency, Lead, LeadId, Money, MoveRejection, MoveRequest, Pipelines, StageKind,
    Timestamp,
};
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

/// A catalogue product.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub id: i64,
    pub name: String,
    pub sku: String,
    pub unit: Money,
    pub active: bool,
}

/// A product as an admin types it on `/admin/products`; `id` is none for a new one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductInput {
    #[serde(default)]
    pub id: Option<i64>,
    pub name: String,
    pub sku: String,
    pub unit_price: String,
    pub currency: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// A checked product: (name, SKU, unit price).
pub type ProductFields = (String, String, Money);

impl ProductInput {
    /// Every problem at once, named by field.
    pub fn check(&self) -> Result<ProductFields, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut push = |field: &str, message: String| {
            problems.push(FieldError {
                field: field.into(),
                message,
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            push("name", "Name the product".into());
        } else if name.chars().count() > 200 {
            push("name", "At most 200 characters".into());
        }
        let sku = self.sku.trim();
        if sku.is_empty() {
            push("sku", "Give the product a SKU".into());
        } else if sku.chars().count() > 64 || sku.chars().any(|c| c.is_control()) {
            push("sku", "At most 64 characters, on one line".into());
        }
        let currency = Currency::parse(&self.currency).map_err(|m| push("currency", m));
        let unit = parse_amount(&self.unit_price)
            .and_then(|c| {
                if c > MAX_UNIT_CENTS {
                    Err("At most 100,000,000".to_string())
                } else {
                    Ok(c)
                }
            })
            .map_err(|m| push("unit_price", m));
        match (currency, unit) {
            (Ok(currency), Ok(cents)) if problems.is_empty() => Ok((
                name.to_string(),
                sku.to_string(),
                Money::new(cents, currency),
            )),
            _ => Err(problems),
        }
    }
}

/// The SKU as compared for uniqueness: trimmed, case-folded.
pub fn sku_key(sku: &str) -> String {
    sku.trim().to_lowercase()
}

/// Longest notes (terms, delivery) printed on a quote.
pub const MAX_NOTES: usize = 2_000;

/// One line as the editor holds it: text as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    #[serde(default)]
    pub product_id: Option<i64>,
    pub description: String,
    pub quantity: String,
    pub unit_price: String,
    #[serde(default)]
    pub discount: String,
}

/// A draft quote as the editor sends it. `version` is the quote version it was edited from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteDraft {
    pub version: i64,
    pub currency: String,
    pub lines: Vec<LineInput>,
    #[serde(default)]
    pub discount: String,
    #[serde(default)]
    pub tax: String,
    #[serde(default)]
    pub notes: String,
    /// `YYYY-MM-DD`, or empty.
    #[serde(default)]
    pub valid_until: String,
}

/// What a quote says: its lines, discount, tax, currency, notes and validity (a draft once
/// every field has been read, or a stored quote's content).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteContent {
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub discount: Rate,
    pub tax: Rate,
    pub notes: String,
    /// Days since 1970-01-01.
    pub valid_until: Option<i64>,
}

impl QuoteContent {
    pub fn totals(&self) -> Totals {
        totals(&self.lines, self.discount, self.tax)
    }

    /// The total as money.
    pub fn total(&self) -> Money {
        Money::new(self.totals().total, self.currency)
    }
}

impl LineInput {
    /// The line as priced, or the problems named `lines[i].field`.
    pub fn read(&self, i: usize) -> Result<Line, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut push = |field: &str, message: String| {
            problems.push(FieldError {
                field: format!("lines[{i}].{field}"),
                message,
            })
        };
        let quantity = match self.quantity.trim().replace([',', '_'], "").parse::<u32>() {
            Ok(q) => q,
            Err(_) => {
                push("quantity", "A whole number of units, like 3".into());
                0
            }
        };
        let unit_cents = parse_amount(&self.unit_price).unwrap_or_else(|m| {
            push("unit_price", m);
            0
        });
        let discount = parse_rate(&self.discount).unwrap_or_else(|m| {
            push("discount", m);
            0
        });
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Line {
            product_id: self.product_id,
            description: self.description.trim().to_string(),
            quantity,
            unit_cents,
            discount,
        })
    }
}

impl QuoteDraft {
    /// Every problem at once, named by field (`lines[2].unit_price`, `tax`, …).
    pub fn check(&self) -> Result<QuoteContent, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut lines = Vec::new();
        for (i, l) in self.lines.iter().enumerate() {
            match l.read(i) {
                Ok(line) => lines.push(line),
                Err(mut p) => problems.append(&mut p),
            }
        }
        if problems.is_empty() {
            if let Err(mut p) = check_lines(&lines) {
                problems.append(&mut p);
            }
        }
        let mut push = |field: &str, message: String| {
            problems.push(FieldError {
                field: field.into(),
                message,
            })
        };
        let currency = Currency::parse(&self.currency).unwrap_or_else(|m| {
            push("currency", m);
            Currency::USD
        });
        let discount = parse_rate(&self.discount).unwrap_or_else(|m| {
            push("discount", m);
            0
        });
        let tax = parse_rate(&self.tax).unwrap_or_else(|m| {
            push("tax", m);
            0
        });
        let notes = self.notes.trim().to_string();
        if notes.chars().count() > MAX_NOTES {
            push("notes", format!("At most {MAX_NOTES} characters"));
        }
        let valid_until = match self.valid_until.trim() {
            "" => None,
            d => match crate::domain::time::parse_date(d) {
                Some(day) => Some(day),
                None => {
                    push("valid_until", "A date like 2026-12-31".into());
                    None
                }
            },
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(QuoteContent {
            currency,
            lines,
            discount,
            tax,
            notes,
            valid_until,
        })
    }

    /// Totals of the lines that read cleanly so far, for the editor's running figures.
    pub fn preview(&self) -> Totals {
        let lines: Vec<Line> = self
            .lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| l.read(i).ok())
            .filter(|l| l.quantity <= MAX_QUANTITY && l.unit_cents <= MAX_UNIT_CENTS)
            .collect();
        totals(
            &lines,
            parse_rate(&self.discount).unwrap_or(0),
            parse_rate(&self.tax).unwrap_or(0),
        )
    }
}

/// The seller as printed on quotes, kept by an admin on `/admin/settings`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Company {
    pub name: String,
    /// Several lines.
    pub address: String,
    pub email: String,
    pub phone: String,
    /// VAT or tax registration number.
    pub tax_id: String,
}

impl Company {
    /// Trimmed, or every problem named by field (`company.name`, …).
    pub fn check(&self) -> Result<Company, Vec<FieldError>> {
        let mut problems = Vec::new();
        let mut field = |key: &str, text: &str, max: usize, lines: bool| {
            let t = text.trim().replace("\r\n", "\n");
            if t.chars().count() > max {
                problems.push(FieldError {
                    field: format!("company.{key}"),
                    message: format!("At most {max} characters"),
                });
            } else if !lines && t.contains('\n') {
                problems.push(FieldError {
                    field: format!("company.{key}"),
                    message: "One line only".into(),
                });
            }
            t
        };
        let out = Company {
            name: field("name", &self.name, 200, false),
            address: field("address", &self.address, 500, true),
            email: field("email", &self.email, 254, false),
            phone: field("phone", &self.phone, 40, false),
            tax_id: field("tax_id", &self.tax_id, 64, false),
        };
        if !out.email.is_empty() && crate::domain::Email::parse(&out.email).is_err() {
            problems.push(FieldError {
                field: "company.email".into(),
                message: "An e-mail address like sales@example.com".into(),
            });
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(problems)
        }
    }
}

/// A quote as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub id: i64,
    pub lead_id: LeadId,
    pub status: QuoteStatus,
    pub content: QuoteContent,
    pub version: i64,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub decided_at: Option<Timestamp>,
}

impl Quote {
    /// "Q-00042": how the quote is named to the buyer.
    pub fn number(&self) -> String {
        number(self.id)
    }

    /// The total as money.
    pub fn total(&self) -> Money {
        self.content.total()
    }

    /// The editor's starting text for this quote.
    pub fn draft(&self) -> QuoteDraft {
        let rate = |r: Rate| {
            if r == 0 {
                String::new()
            } else {
                rate_text(r).replace(" %", "")
            }
        };
        let c = &self.content;
        QuoteDraft {
            version: self.version,
            currency: c.currency.code().to_string(),
            lines: c
                .lines
                .iter()
                .map(|l| LineInput {
                    product_id: l.product_id,
                    description: l.description.clone(),
                    quantity: l.quantity.to_string(),
                    unit_price: plain_amount(l.unit_cents),
                    discount: rate(l.discount),
                })
                .collect(),
            discount: rate(c.discount),
            tax: rate(c.tax),
            notes: c.notes.clone(),
            valid_until: c
                .valid_until
                .map(crate::domain::time::date_text)
                .unwrap_or_default(),
        }
    }
}

/// "Q-00042".
pub fn number(id: i64) -> String {
    format!("Q-{id:05}")
}

/// Minor units as typed into an amount field: 1999 → "19.99", 1200 → "12".
pub fn plain_amount(cents: i64) -> String {
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, (cents % 100).abs())
    }
}

/// A quote in a lead's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteSummary {
    pub id: i64,
    pub number: String,
    pub status: QuoteStatus,
    pub total: Money,
    pub updated_at: Timestamp,
}

/// What a status change asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub version: i64,
    pub to: QuoteStatus,
}

/// The stage a sent or accepted quote brings a lead to (by its key).
pub const QUOTED_STAGE: &str = "quoted";

/// What a quote's new status does to its lead, or `None` when the lead stays as it is:
///
/// - **sent**: the lead has been quoted. It enters the Quoted stage if it is open and not
///   there yet, and takes the quote's total as its value if it had none;
/// - **accepted**: the quote's total becomes the lead's value (so Quoted's exit criterion, a
///   value, is met), and the lead enters Quoted if it had not reached it;
/// - rejected or back to draft: nothing.
///
/// A lead further along (Negotiating) stays where it is. The move obeys the pipeline's rules
/// like any other ([`apply_move`]).
pub fn lead_after(
    pipeline: &Pipelines,
    lead: &Lead,
    total: Money,
    to: QuoteStatus,
    now: Timestamp,
) -> Result<Option<Lead>, MoveRejection> {
    let mut next = lead.clone();
    match to {
        QuoteStatus::Sent if lead.value.is_none() => next.value = Some(total),
        QuoteStatus::Sent => {}
        QuoteStatus::Accepted => next.value = Some(total),
        QuoteStatus::Draft | QuoteStatus::Rejected => return Ok(None),
    }
    let here = pipeline.get(lead.stage_id);
    let quoted = pipeline.by_key(QUOTED_STAGE);
    let behind = match (here, quoted) {
        (Some(h), Some(q)) => h.kind == StageKind::Open && h.position < q.position,
        _ => false,
    };
    if let (true, Some(q)) = (behind, quoted) {
        let request = MoveRequest {
            to_stage: q.id,
            version: lead.version,
            close_reason: None,
            close_note: None,
        };
        return apply_move(pipeline, &next, &request, now).map(Some);
    }
    if next.value == lead.value {
        return Ok(None);
    }
    next.version += 1;
    next.updated_at = now;
    Ok(Some(next))
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

    fn typed(description: &str, quantity: &str, unit: &str, discount: &str) -> LineInput {
        LineInput {
            product_id: None,
            description: description.into(),
            quantity: quantity.into(),
            unit_price: unit.into(),
            discount: discount.into(),
        }
    }

    #[test]
    fn a_draft_reads_typed_text_and_names_every_bad_field() {
        let draft = QuoteDraft {
            version: 1,
            currency: "usd".into(),
            lines: vec![
                typed("Forklift", "3", "19.99", "10"),
                typed(" Bolt ", "1", "0.05", "50"),
            ],
            discount: "5".into(),
            tax: "8.875".into(),
            notes: " Net 30 ".into(),
            valid_until: "2026-12-31".into(),
        };
        let checked = draft.check().unwrap();
        assert_eq!(checked.currency, Currency::USD);
        assert_eq!(checked.lines[1].description, "Bolt");
        assert_eq!(checked.notes, "Net 30");
        assert_eq!(
            checked.valid_until,
            crate::domain::time::parse_date("2026-12-31")
        );
        // The worked example above, from text.
        assert_eq!(
            totals(&checked.lines, checked.discount, checked.tax).total,
            5_584
        );
        assert_eq!(draft.preview().total, 5_584);

        let bad = QuoteDraft {
            version: 1,
            currency: "dollars".into(),
            lines: vec![typed("", "three", "-1", "101"), typed("Ok", "0", "1", "")],
            discount: "abc".into(),
            tax: "".into(),
            notes: String::new(),
            valid_until: "2026-02-30".into(),
        };
        let fields: Vec<String> = bad
            .check()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            [
                "lines[0].quantity",
                "lines[0].unit_price",
                "lines[0].discount",
                "currency",
                "discount",
                "valid_until"
            ]
        );
        // Lines that read are still checked as lines.
        let empty = QuoteDraft {
            lines: vec![typed(" ", "0", "1", "")],
            currency: "USD".into(),
            ..QuoteDraft::default()
        };
        let fields: Vec<String> = empty
            .check()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["lines[0].description", "lines[0].quantity"]);
    }

    #[test]
    fn a_stored_quote_round_trips_through_the_editor_text() {
        let q = Quote {
            id: 42,
            lead_id: LeadId(7),
            status: QuoteStatus::Draft,
            content: QuoteContent {
                currency: Currency::USD,
                lines: vec![line(3, 1_999, 10_000), line(1, 1_200, 0)],
                discount: 0,
                tax: 8_875,
                notes: "Net 30".into(),
                valid_until: crate::domain::time::parse_date("2027-01-15"),
            },
            version: 3,
            created_at: Timestamp(0),
            sent_at: None,
            decided_at: None,
        };
        assert_eq!(q.number(), "Q-00042");
        let draft = q.draft();
        assert_eq!(draft.lines[0].unit_price, "19.99");
        assert_eq!(draft.lines[1].unit_price, "12");
        assert_eq!(draft.tax, "8.875");
        assert_eq!(draft.valid_until, "2027-01-15");
        let back = draft.check().unwrap();
        assert_eq!(
            (back.lines, back.tax, back.valid_until),
            (
                q.content.lines.clone(),
                q.content.tax,
                q.content.valid_until
            )
        );
        // 5,397 + 1,200 = 6,597; tax 585.48… → 585; total 7,182.
        assert_eq!(q.total().exact(), "$71.82");
    }

    #[test]
    fn products_are_checked_by_field() {
        let ok = ProductInput {
            id: None,
            name: " Forklift ".into(),
            sku: "FL-1".into(),
            unit_price: "12,500".into(),
            currency: "eur".into(),
            active: true,
        };
        let (name, sku, unit) = ok.check().unwrap();
        assert_eq!(
            (name.as_str(), sku.as_str(), unit.exact()),
            ("Forklift", "FL-1", "€12,500.00".to_string())
        );
        let bad = ProductInput {
            name: " ".into(),
            sku: "".into(),
            unit_price: "1e9".into(),
            currency: "€".into(),
            ..ok
        };
        let fields: Vec<String> = bad
            .check()
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["name", "sku", "currency", "unit_price"]);
        assert_eq!(sku_key(" fl-1 "), sku_key("FL-1"));
    }

    #[test]
    fn a_sent_or_accepted_quote_brings_its_lead_to_quoted_with_the_quote_as_its_value() {
        use crate::domain::lead::tests::sample_lead;
        use crate::domain::stage::tests::default_pipeline;
        use crate::domain::StageId;
        let p = default_pipeline();
        let now = Timestamp(1_800_000_000_000);
        let total = Money::new(5_584, Currency::USD);
        let mut lead = sample_lead();
        lead.stage_id = StageId(2); // Contacted
        lead.value = None;
        // Sent: into Quoted, with the quote's total as the estimate it lacked.
        let sent = lead_after(&p, &lead, total, QuoteStatus::Sent, now)
            .unwrap()
            .unwrap();
        assert_eq!((sent.stage_id, sent.value), (StageId(4), Some(total)));
        assert_eq!(sent.version, lead.version + 1);
        // Sent with an estimate already: the estimate stays.
        let estimate = Money::new(900_000, Currency::USD);
        lead.value = Some(estimate);
        let sent = lead_after(&p, &lead, total, QuoteStatus::Sent, now)
            .unwrap()
            .unwrap();
        assert_eq!((sent.stage_id, sent.value), (StageId(4), Some(estimate)));
        // Accepted: the quote's total replaces it.
        let accepted = lead_after(&p, &sent, total, QuoteStatus::Accepted, now)
            .unwrap()
            .unwrap();
        assert_eq!(
            (accepted.stage_id, accepted.value),
            (StageId(4), Some(total))
        );
        // Further along: the stage stays, the value follows.
        let mut negotiating = sent.clone();
        negotiating.stage_id = StageId(5);
        let a = lead_after(&p, &negotiating, total, QuoteStatus::Accepted, now)
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.stage_id, a.value, a.version),
            (StageId(5), Some(total), negotiating.version + 1)
        );
        // Nothing to change.
        assert_eq!(
            lead_after(&p, &a, total, QuoteStatus::Accepted, now),
            Ok(None)
        );
        assert_eq!(
            lead_after(&p, &lead, total, QuoteStatus::Rejected, now),
            Ok(None)
        );
        assert_eq!(
            lead_after(&p, &lead, total, QuoteStatus::Draft, now),
            Ok(None)
        );
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
