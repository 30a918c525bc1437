//! Campaigns and their spend as marketing types them: the forms, their checks (each error
//! names its field), and spend uploaded as CSV, checked row by row before anything is written.

use super::activity::{amount_text, parse_amount};
use super::money::{Currency, Money};
use super::time::{parse_date, Timestamp, DAY_MS};
use serde::{Deserialize, Serialize};

/// Longest campaign name.
pub const MAX_NAME: usize = 120;
/// Longest spend note.
pub const MAX_NOTE: usize = 500;
/// Most spend lines in one upload.
pub const MAX_SPEND_ROWS: usize = 5_000;

/// A campaign as the form edits it (dates as `YYYY-MM-DD`, the budget as typed).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignForm {
    /// The campaign edited; none for a new one.
    pub id: Option<i64>,
    pub source_id: Option<i64>,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub budget: String,
    pub currency: String,
}

/// A checked campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CampaignInput {
    pub source_id: i64,
    pub name: String,
    pub starts_at: Timestamp,
    pub ends_at: Option<Timestamp>,
    pub budget: Option<Money>,
}

/// A field and what is wrong with it.
pub type FieldProblem = (&'static str, String);

fn date_field(field: &'static str, text: &str, problems: &mut Vec<FieldProblem>) -> Option<i64> {
    let day = parse_date(text);
    if day.is_none() {
        problems.push((
            field,
            format!(
                "\u{201c}{}\u{201d} is not a date: use YYYY-MM-DD",
                text.trim()
            ),
        ));
    }
    day
}

impl CampaignForm {
    /// The campaign, or every field at fault.
    pub fn check(&self) -> Result<CampaignInput, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if self.source_id.is_none() {
            problems.push(("source_id", "Choose the source the campaign runs on".into()));
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            problems.push(("name", "Give the campaign a name".into()));
        } else if name.chars().count() > MAX_NAME {
            problems.push(("name", format!("A name has at most {MAX_NAME} characters")));
        }
        let starts = date_field("starts_on", &self.starts_on, &mut problems);
        let ends = if self.ends_on.trim().is_empty() {
            None
        } else {
            date_field("ends_on", &self.ends_on, &mut problems)
        };
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                problems.push(("ends_on", "The campaign ends before it starts".into()));
            }
        }
        let currency = if self.currency.trim().is_empty() {
            Ok(Currency::USD)
        } else {
            Currency::parse(&self.currency)
        };
        let currency = currency.map_err(|e| problems.push(("currency", e))).ok();
        let budget = if self.budget.trim().is_empty() {
            None
        } else {
            match parse_amount(&self.budget) {
                Ok(cents) => Some(cents),
                Err(e) => {
                    problems.push(("budget", e));
                    None
                }
            }
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        let (Some(source_id), Some(starts), Some(currency)) = (self.source_id, starts, currency)
        else {
            return Err(vec![("name", "Check the campaign".into())]);
        };
        Ok(CampaignInput {
            source_id,
            name,
            starts_at: Timestamp(starts * DAY_MS),
            // The end date is the campaign's last day.
            ends_at: ends.map(|e| Timestamp((e + 1) * DAY_MS - 1)),
            budget: budget.map(|c| Money::new(c, currency)),
        })
    }

    /// The form of a saved campaign.
    pub fn of(
        id: i64,
        source_id: i64,
        name: &str,
        starts_at: Timestamp,
        ends_at: Option<Timestamp>,
        budget: Option<Money>,
        currency: Currency,
    ) -> Self {
        CampaignForm {
            id: Some(id),
            source_id: Some(source_id),
            name: name.to_string(),
            starts_on: starts_at.date_string(0),
            ends_on: ends_at.map(|t| t.date_string(0)).unwrap_or_default(),
            budget: budget.map(|b| amount_text(b.cents)).unwrap_or_default(),
            currency: currency.code().to_string(),
        }
    }
}

/// A spend entry as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendForm {
    pub campaign_id: Option<i64>,
    pub spent_on: String,
    pub amount: String,
    pub note: String,
}

/// A checked spend entry (in its campaign's currency).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendInput {
    pub campaign_id: i64,
    pub spent_at: Timestamp,
    pub amount_cents: i64,
    pub note: Option<String>,
}

impl SpendForm {
    pub fn check(&self) -> Result<SpendInput, Vec<FieldProblem>> {
        let mut problems = Vec::new();
        if self.campaign_id.is_none() {
            problems.push((
                "campaign_id",
                "Choose the campaign the money went to".into(),
            ));
        }
        let day = date_field("spent_on", &self.spent_on, &mut problems);
        let amount = match parse_amount(&self.amount) {
            Ok(0) => {
                problems.push(("amount", "Enter an amount above zero".into()));
                None
            }
            Ok(c) => Some(c),
            Err(e) => {
                problems.push(("amount", e));
                None
            }
        };
        let note = self.note.trim();
        if note.chars().count() > MAX_NOTE {
            problems.push(("note", format!("A note has at most {MAX_NOTE} characters")));
        }
        match (self.campaign_id, day, amount) {
            (Some(campaign_id), Some(day), Some(amount_cents)) if problems.is_empty() => {
                Ok(SpendInput {
                    campaign_id,
                    spent_at: Timestamp(day * DAY_MS),
                    amount_cents,
                    note: (!note.is_empty()).then(|| note.to_string()),
                })
            }
            _ => Err(problems),
        }
    }
}

/// A bad line of a spend upload.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendProblem {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub field: String,
    pub message: String,
}

/// A spend upload checked: the good lines, and what is wrong with the others.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpendUpload {
    pub entries: Vec<SpendInput>,
    pub problems: Vec<SpendProblem>,
}

/// Reads spend lines from CSV with a header naming `campaign`, `date`, `amount` and
/// optionally `note` (any order, any case); the campaign by name as `campaigns` has them
/// ((id, name)). Every bad line is reported with its field. (Server side: the CSV reader is
/// not in the browser's bundle.)
#[cfg(feature = "ssr")]
pub fn parse_spend_csv(text: &str, campaigns: &[(i64, String)]) -> SpendUpload {
    let mut out = SpendUpload::default();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|c| c.trim().to_lowercase()).collect(),
        Err(_) => {
            out.problems.push(SpendProblem {
                line: 1,
                field: "file".into(),
                message: "The file is not CSV text".into(),
            });
            return out;
        }
    };
    let col = |name: &str| header.iter().position(|h| h == name);
    let (Some(c_campaign), Some(c_date), Some(c_amount)) =
        (col("campaign"), col("date"), col("amount"))
    else {
        out.problems.push(SpendProblem {
            line: 1,
            field: "file".into(),
            message: "The first line must name the columns campaign, date and amount (and optionally note)".into(),
        });
        return out;
    };
    let c_note = col("note");
    for (i, record) in reader.records().enumerate() {
        let line = i + 2;
        if out.entries.len() + out.problems.len() >= MAX_SPEND_ROWS {
            out.problems.push(SpendProblem {
                line,
                field: "file".into(),
                message: format!("Upload at most {MAX_SPEND_ROWS} lines at a time"),
            });
            break;
        }
        let record = match record {
            Ok(r) => r,
            Err(_) => {
                out.problems.push(SpendProblem {
                    line,
                    field: "file".into(),
                    message: "This line is not valid CSV (or not UTF-8 text)".into(),
                });
                continue;
            }
        };
        let cell = |c: usize| record.get(c).unwrap_or("").to_string();
        let name = cell(c_campaign);
        let campaign = campaigns
            .iter()
            .find(|(_, n)| n.trim().eq_ignore_ascii_case(name.trim()))
            .map(|(id, _)| *id);
        let mut problems: Vec<FieldProblem> = Vec::new();
        if campaign.is_none() {
            problems.push((
                "campaign",
                if name.trim().is_empty() {
                    "Name the campaign".to_string()
                } else {
                    format!("No campaign is called \u{201c}{}\u{201d}", name.trim())
                },
            ));
        }
        let form = SpendForm {
            campaign_id: campaign.or(Some(0)),
            spent_on: cell(c_date),
            amount: cell(c_amount),
            note: c_note.map(&cell).unwrap_or_default(),
        };
        match form.check() {
            Ok(entry) if problems.is_empty() => out.entries.push(entry),
            Ok(_) => {}
            Err(p) => problems.extend(p),
        }
        for (field, message) in problems {
            let field = match field {
                "spent_on" => "date",
                f => f,
            };
            out.problems.push(SpendProblem {
                line,
                field: field.to_string(),
                message,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> CampaignForm {
        CampaignForm {
            id: None,
            source_id: Some(3),
            name: " Spring expo ".into(),
            starts_on: "2026-03-01".into(),
            ends_on: "2026-03-31".into(),
            budget: "12,500".into(),
            currency: String::new(),
        }
    }

    #[test]
    fn a_campaign_form_is_checked_field_by_field() {
        let ok = form().check().unwrap();
        assert_eq!(ok.name, "Spring expo");
        assert_eq!(ok.budget, Some(Money::new(1_250_000, Currency::USD)));
        assert_eq!(ok.starts_at.date_string(0), "2026-03-01");
        assert_eq!(ok.ends_at.unwrap().date_string(0), "2026-03-31");
        let bad = CampaignForm {
            source_id: None,
            name: String::new(),
            starts_on: "2026-02-30".into(),
            budget: "lots".into(),
            currency: "dollars".into(),
            ..form()
        };
        let fields: Vec<&str> = bad.check().unwrap_err().iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            ["source_id", "name", "starts_on", "currency", "budget"]
        );
        let backwards = CampaignForm {
            ends_on: "2026-02-01".into(),
            ..form()
        };
        assert_eq!(backwards.check().unwrap_err()[0].0, "ends_on");
        let long = CampaignForm {
            name: "x".repeat(MAX_NAME + 1),
            ..form()
        };
        assert_eq!(long.check().unwrap_err()[0].0, "name");
    }

    #[test]
    fn spend_needs_a_campaign_a_date_and_an_amount_above_zero() {
        let ok = SpendForm {
            campaign_id: Some(1),
            spent_on: "2026-04-02".into(),
            amount: "$1,200.50".into(),
            note: " Booth ".into(),
        }
        .check()
        .unwrap();
        assert_eq!(ok.amount_cents, 120_050);
        assert_eq!(ok.note.as_deref(), Some("Booth"));
        let bad = SpendForm {
            campaign_id: None,
            spent_on: "April".into(),
            amount: "0".into(),
            note: "n".repeat(MAX_NOTE + 1),
        };
        let fields: Vec<&str> = bad.check().unwrap_err().iter().map(|p| p.0).collect();
        assert_eq!(fields, ["campaign_id", "spent_on", "amount", "note"]);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_spend_upload_reports_each_bad_line_by_field() {
        let campaigns = vec![(7, "Spring expo".to_string()), (8, "Mailer Q2".to_string())];
        let text = "Date,Campaign,Amount,Note\n\
                    2026-04-01,Spring expo,1500,Booth\n\
                    2026-04-02,spring EXPO,\"2,000.00\",\n\
                    2026-04-31,Mailer Q2,100,\n\
                    2026-04-03,Nope,100,\n\
                    2026-04-04,Mailer Q2,-5,\n";
        let up = parse_spend_csv(text, &campaigns);
        assert_eq!(up.entries.len(), 2);
        assert_eq!(up.entries[1].campaign_id, 7);
        assert_eq!(up.entries[1].amount_cents, 200_000);
        let problems: Vec<(usize, &str)> = up
            .problems
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect();
        assert_eq!(problems, [(4, "date"), (5, "campaign"), (6, "amount")]);
        let headless = parse_spend_csv("a,b\n1,2\n", &campaigns);
        assert_eq!(headless.problems[0].field, "file");
        assert!(headless.entries.is_empty());
    }
}
