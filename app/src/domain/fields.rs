//! Custom fields: the facts a team's process depends on (industry, fleet size, contract end
//! date, tender number) that Closeloop has no column for. An admin defines a field (its kind,
//! label, help, choices, from which stage a lead needs it, whether cards show it); a lead keeps
//! its values as `key → JSON value`, checked by [`FieldDef::check`] — the same code in the
//! browser, previewing what a rep types, and on the server, which decides.
//!
//! Values are stored in one canonical JSON shape per kind: text, long text, date
//! (`YYYY-MM-DD`), single choice and link as a string; number and money as a number with at
//! most two decimals (money in the organisation's currency); yes/no as a boolean; multiple
//! choice as an array of the chosen options in the definition's order; user as the user's id.

use super::ids::{FieldId, PipelineId, StageId};
use super::lead::UserRef;
use super::stage::{Pipelines, Stage, StageKind};
use super::time::{date_text, parse_date};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// A lead's (or contact's, or company's) custom values, by field key.
pub type FieldValues = BTreeMap<String, Value>;

/// Longest label, in characters.
pub const MAX_LABEL: usize = 40;
/// Longest help text, in characters.
pub const MAX_HELP: usize = 200;
/// Longest one-line text value, in characters.
pub const MAX_TEXT: usize = 200;
/// Longest long-text value, in characters.
pub const MAX_LONG_TEXT: usize = 5_000;
/// Longest link, in characters.
pub const MAX_LINK: usize = 500;
/// Most options a choice field may offer.
pub const MAX_CHOICES: usize = 50;
/// Longest option, in characters.
pub const MAX_CHOICE: usize = 60;
/// Most fields an organisation may define (retired ones included).
pub const MAX_FIELDS: usize = 100;
/// Largest number or amount, in either direction.
const MAX_NUMBER_HUNDREDTHS: i64 = 100_000_000_000_000;

crate::keyed! {
    /// What a field holds, which decides its input and its checks.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum FieldKind {
        Text => "text", "Text";
        LongText => "long_text", "Long text";
        Number => "number", "Number";
        Money => "money", "Money";
        Date => "date", "Date";
        YesNo => "yes_no", "Yes / no";
        Choice => "choice", "Single choice";
        MultiChoice => "multi_choice", "Multiple choice";
        User => "user", "User";
        Link => "link", "Link";
    }
}

impl FieldKind {
    /// Whether the field offers a list of options.
    pub fn has_choices(self) -> bool {
        matches!(self, FieldKind::Choice | FieldKind::MultiChoice)
    }
}

crate::keyed! {
    /// What a field describes.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum FieldEntity {
        Lead => "lead", "Leads";
        Contact => "contact", "Contacts";
        Company => "company", "Companies";
    }
}

/// A custom field as the admin defined it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldDef {
    pub id: FieldId,
    /// Stable name in the API, URLs, imports and the event log (`fleet_size`); never changes.
    pub key: String,
    pub label: String,
    pub help: Option<String>,
    pub kind: FieldKind,
    pub entity: FieldEntity,
    /// A lead field of one pipeline only; `None` for every pipeline (and for contact and
    /// company fields).
    pub pipeline_id: Option<PipelineId>,
    /// The options of a choice field, in the order they are offered.
    #[serde(default)]
    pub choices: Vec<String>,
    /// A lead needs a value to enter this stage or any later open or won stage of its
    /// pipeline: an entry criterion like a value or a next step.
    pub required_from: Option<StageId>,
    /// Shown on the lead's card on the board.
    pub on_card: bool,
    /// Order in the drawer and on cards, ascending.
    pub position: i64,
    /// Retired fields keep their values and history but are no longer shown or asked for.
    #[serde(default)]
    pub retired: bool,
}

/// The error field a custom value is reported against: `fields.fleet_size`.
pub fn error_field(key: &str) -> String {
    format!("fields.{key}")
}

/// Whether a stored or typed value counts as "no value": null, blank text, no options.
pub fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Hundredths of a number typed or sent: `"12,500.5"`, `12500.5`, `-3` → 1250050, …, -300.
fn hundredths(v: &Value) -> Result<i64, String> {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return Err("Enter a number".into()),
    };
    let t: String = text
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' '))
        .collect();
    let (negative, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, t),
    };
    let bad = || "Enter a number like 40 or 12.5".to_string();
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if (whole.is_empty() && frac.is_empty())
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    let frac = frac.trim_end_matches('0');
    if frac.len() > 2 {
        return Err("Use at most two decimals".into());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| "That number is too large".to_string())?
    };
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let h = whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .filter(|h| *h <= MAX_NUMBER_HUNDREDTHS)
        .ok_or_else(|| "That number is too large".to_string())?;
    Ok(if negative { -h } else { h })
}

/// The canonical JSON number of `h` hundredths: whole numbers stay integers.
fn number_value(h: i64) -> Value {
    if h % 100 == 0 {
        Value::from(h / 100)
    } else {
        Value::from(h as f64 / 100.0)
    }
}

/// `h` hundredths as people read them: 1250050 → "12,500.5".
fn number_text(h: i64) -> String {
    let sign = if h < 0 { "-" } else { "" };
    let abs = h.unsigned_abs();
    let whole = abs / 100;
    let mut grouped = String::new();
    for (i, c) in whole.to_string().chars().rev().enumerate() {
        if i > 0 && i % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    let grouped: String = grouped.chars().rev().collect();
    match abs % 100 {
        0 => format!("{sign}{grouped}"),
        f if f % 10 == 0 => format!("{sign}{grouped}.{}", f / 10),
        f => format!("{sign}{grouped}.{f:02}"),
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl FieldDef {
    /// Whether this is a live lead field of `pipeline`.
    pub fn applies_to(&self, pipeline: PipelineId) -> bool {
        self.entity == FieldEntity::Lead
            && !self.retired
            && self.pipeline_id.is_none_or(|p| p == pipeline)
    }

    /// The option of this field `typed` names, ignoring case and surrounding blanks.
    fn option(&self, typed: &str) -> Option<&String> {
        let t = typed.trim();
        self.choices.iter().find(|c| c.eq_ignore_ascii_case(t))
    }

    /// Checks a value typed or sent for this field and returns it in its stored shape, or
    /// `None` when it is empty (the value is to be cleared). `users` are the people a user
    /// field may name.
    pub fn check(&self, raw: &Value, users: &[UserRef]) -> Result<Option<Value>, String> {
        if is_empty(raw) {
            return Ok(None);
        }
        let one_line = |max: usize, what: &str| -> Result<String, String> {
            let t = text_of(raw).ok_or_else(|| format!("Enter {what}"))?;
            if t.chars().count() > max {
                return Err(format!("Keep it to {max} characters"));
            }
            Ok(t)
        };
        let v = match self.kind {
            FieldKind::Text => {
                let t = one_line(MAX_TEXT, "some text")?;
                if t.contains(['\n', '\r']) {
                    return Err("Keep it to one line".into());
                }
                Value::String(t)
            }
            FieldKind::LongText => Value::String(one_line(MAX_LONG_TEXT, "some text")?),
            FieldKind::Number | FieldKind::Money => number_value(hundredths(raw)?),
            FieldKind::Date => {
                let t = text_of(raw).unwrap_or_default();
                let day = parse_date(&t).ok_or("Enter a date as YYYY-MM-DD")?;
                let (y, _, _) = super::time::civil_from_days(day);
                if !(1900..=2200).contains(&y) {
                    return Err("Enter a date between 1900 and 2200".into());
                }
                Value::String(date_text(day))
            }
            FieldKind::YesNo => match raw {
                Value::Bool(b) => Value::Bool(*b),
                Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                    "yes" | "true" | "y" | "1" => Value::Bool(true),
                    "no" | "false" | "n" | "0" => Value::Bool(false),
                    _ => return Err("Answer yes or no".into()),
                },
                _ => return Err("Answer yes or no".into()),
            },
            FieldKind::Choice => {
                let t = text_of(raw).ok_or("Choose one of the options")?;
                let option = self
                    .option(&t)
                    .ok_or_else(|| format!("\"{t}\" is not one of the options"))?;
                Value::String(option.clone())
            }
            FieldKind::MultiChoice => {
                let typed: Vec<String> = match raw {
                    Value::Array(items) => items
                        .iter()
                        .map(|i| text_of(i).ok_or("Choose from the options"))
                        .collect::<Result<_, _>>()?,
                    Value::String(s) => s.split(',').map(|p| p.trim().to_string()).collect(),
                    _ => return Err("Choose from the options".into()),
                };
                let mut chosen = Vec::new();
                for t in typed.iter().filter(|t| !t.is_empty()) {
                    let option = self
                        .option(t)
                        .ok_or_else(|| format!("\"{t}\" is not one of the options"))?;
                    chosen.push(option.clone());
                }
                let picked: Vec<Value> = self
                    .choices
                    .iter()
                    .filter(|c| chosen.contains(c))
                    .map(|c| Value::String(c.clone()))
                    .collect();
                if picked.is_empty() {
                    return Ok(None);
                }
                Value::Array(picked)
            }
            FieldKind::User => {
                let id = match raw {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse::<i64>().ok(),
                    _ => None,
                }
                .ok_or("Choose a person")?;
                if !users.iter().any(|u| u.id == id) {
                    return Err("Choose one of the active people".into());
                }
                Value::from(id)
            }
            FieldKind::Link => {
                let t = one_line(MAX_LINK, "a link")?;
                let rest = t
                    .strip_prefix("https://")
                    .or_else(|| t.strip_prefix("http://"))
                    .ok_or("Enter a link starting with https://")?;
                let host = rest.split(['/', '?', '#']).next().unwrap_or("");
                if host.is_empty() || t.contains(char::is_whitespace) {
                    return Err("Enter a link like https://example.com/tender/42".into());
                }
                Value::String(t)
            }
        };
        Ok(Some(v))
    }

    /// A stored value as people read it ("12,500", "$12,500", "Yes", "Retail, Logistics",
    /// "Dana Whitfield"); `currency_symbol` prefixes money.
    pub fn display(&self, v: &Value, currency_symbol: &str, users: &[UserRef]) -> String {
        match (self.kind, v) {
            (FieldKind::Number, _) => hundredths(v).map(number_text).unwrap_or_default(),
            (FieldKind::Money, _) => hundredths(v)
                .map(|h| {
                    let t = number_text(h.abs());
                    let sign = if h < 0 { "-" } else { "" };
                    format!("{sign}{currency_symbol}{t}")
                })
                .unwrap_or_default(),
            (FieldKind::YesNo, Value::Bool(b)) => if *b { "Yes" } else { "No" }.to_string(),
            (FieldKind::MultiChoice, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            (FieldKind::User, _) => v
                .as_i64()
                .and_then(|id| users.iter().find(|u| u.id == id))
                .map(|u| u.name.clone())
                .unwrap_or_else(|| "(someone no longer here)".into()),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    }

    /// A stored value as an input shows it: numbers without grouping, dates as `YYYY-MM-DD`,
    /// yes/no as `yes`/`no`, a user as their id, several options comma-separated.
    pub fn input_text(&self, v: &Value) -> String {
        match (self.kind, v) {
            (FieldKind::Number | FieldKind::Money, _) => hundredths(v)
                .map(|h| {
                    let t = number_text(h);
                    t.replace(',', "")
                })
                .unwrap_or_default(),
            (FieldKind::YesNo, Value::Bool(b)) => if *b { "yes" } else { "no" }.to_string(),
            (FieldKind::MultiChoice, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::String(s)) => s.clone(),
            (_, Value::Null) => String::new(),
            (_, other) => other.to_string(),
        }
    }

    /// The rows a stored value is indexed by for filtering: `(text, number)` per row — one
    /// per option of a multiple choice, the number in hundredths for numbers and money, the
    /// user id for a user, 1/0 for yes/no, the lower-cased text otherwise (dates sort as text).
    pub fn index_rows(&self, v: &Value) -> Vec<(Option<String>, Option<i64>)> {
        match (self.kind, v) {
            (FieldKind::Number | FieldKind::Money, _) => hundredths(v)
                .map(|h| vec![(None, Some(h))])
                .unwrap_or_default(),
            (FieldKind::User, _) => v
                .as_i64()
                .map(|id| vec![(None, Some(id))])
                .unwrap_or_default(),
            (FieldKind::YesNo, Value::Bool(b)) => vec![(None, Some(i64::from(*b)))],
            (FieldKind::MultiChoice, Value::Array(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(|s| (Some(s.to_lowercase()), None))
                .collect(),
            (FieldKind::Date, Value::String(s)) => vec![(Some(s.clone()), None)],
            (_, Value::String(s)) => vec![(Some(s.to_lowercase()), None)],
            _ => Vec::new(),
        }
    }
}

/// The live lead fields of `pipeline`, in drawer order.
pub fn lead_fields(defs: &[FieldDef], pipeline: PipelineId) -> Vec<&FieldDef> {
    let mut shown: Vec<&FieldDef> = defs.iter().filter(|d| d.applies_to(pipeline)).collect();
    shown.sort_by_key(|d| (d.position, d.id));
    shown
}

/// Checks a write of custom values to a lead of `pipeline`: every key must be a live field of
/// that pipeline, every value must pass its field's check. Returns the values in their stored
/// shape (`Null` where a value is cleared), or one error per field at fault, in input order.
pub fn check_values(
    defs: &[FieldDef],
    pipeline: PipelineId,
    input: &FieldValues,
    users: &[UserRef],
) -> Result<FieldValues, Vec<FieldError>> {
    let mut checked = FieldValues::new();
    let mut errors = Vec::new();
    for (key, raw) in input {
        let Some(def) = defs.iter().find(|d| &d.key == key) else {
            errors.push(FieldError {
                field: error_field(key),
                message: format!("There is no field \"{key}\""),
            });
            continue;
        };
        if !def.applies_to(pipeline) {
            errors.push(FieldError {
                field: error_field(key),
                message: format!("{} is not a field of this lead's pipeline", def.label),
            });
            continue;
        }
        match def.check(raw, users) {
            Ok(v) => {
                checked.insert(key.clone(), v.unwrap_or(Value::Null));
            }
            Err(message) => errors.push(FieldError {
                field: error_field(key),
                message: format!("{}: {message}", def.label),
            }),
        }
    }
    if errors.is_empty() {
        Ok(checked)
    } else {
        Err(errors)
    }
}

/// `values` with `changes` applied (a `Null` clears), and the keys that really changed with
/// their value before and after.
pub fn apply_changes(
    values: &FieldValues,
    changes: &FieldValues,
) -> (FieldValues, Vec<(String, Value, Value)>) {
    let mut after = values.clone();
    let mut changed = Vec::new();
    for (key, v) in changes {
        let before = values.get(key).cloned().unwrap_or(Value::Null);
        if &before == v {
            continue;
        }
        if v.is_null() {
            after.remove(key);
        } else {
            after.insert(key.clone(), v.clone());
        }
        changed.push((key.clone(), before, v.clone()));
    }
    (after, changed)
}

impl Pipelines {
    /// The live fields of the pipeline stage `stage` belongs to, in drawer order.
    pub fn fields_at(&self, stage: StageId) -> Vec<&FieldDef> {
        self.of_stage(stage)
            .map(|p| lead_fields(self.fields(), p.id))
            .unwrap_or_default()
    }

    /// The live fields a lead needs to be in `stage`: those required from this stage or an
    /// earlier one of its pipeline (a lost stage needs none).
    pub fn required_fields(&self, stage: &Stage) -> Vec<&FieldDef> {
        if stage.kind == StageKind::Lost {
            return Vec::new();
        }
        let mut needed: Vec<&FieldDef> = self
            .fields()
            .iter()
            .filter(|d| d.applies_to(stage.pipeline_id))
            .filter(|d| {
                d.required_from
                    .and_then(|from| self.get(from))
                    .is_some_and(|from| {
                        from.pipeline_id == stage.pipeline_id && from.position <= stage.position
                    })
            })
            .collect();
        needed.sort_by_key(|d| (d.position, d.id));
        needed
    }

    /// The first required field `values` lacks for `stage`.
    pub fn missing_field(&self, stage: &Stage, values: &FieldValues) -> Option<&FieldDef> {
        self.required_fields(stage)
            .into_iter()
            .find(|d| values.get(&d.key).is_none_or(is_empty))
    }
}

/// A field definition as its settings form edits it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldForm {
    /// `None` for a new field.
    pub id: Option<FieldId>,
    pub label: String,
    pub help: String,
    pub kind: FieldKind,
    pub entity: FieldEntity,
    pub pipeline_id: Option<PipelineId>,
    /// One option per line.
    pub choices: String,
    pub required_from: Option<StageId>,
    pub on_card: bool,
}

/// A field definition that passed its checks, ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedField {
    pub label: String,
    pub help: Option<String>,
    pub kind: FieldKind,
    pub entity: FieldEntity,
    pub pipeline_id: Option<PipelineId>,
    pub choices: Vec<String>,
    pub required_from: Option<StageId>,
    pub on_card: bool,
}

fn form_err(field: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

impl FieldForm {
    /// An empty form for a new lead field of every pipeline.
    pub fn blank() -> Self {
        FieldForm {
            id: None,
            label: String::new(),
            help: String::new(),
            kind: FieldKind::Text,
            entity: FieldEntity::Lead,
            pipeline_id: None,
            choices: String::new(),
            required_from: None,
            on_card: false,
        }
    }

    /// The form of an existing field.
    pub fn of(def: &FieldDef) -> Self {
        FieldForm {
            id: Some(def.id),
            label: def.label.clone(),
            help: def.help.clone().unwrap_or_default(),
            kind: def.kind,
            entity: def.entity,
            pipeline_id: def.pipeline_id,
            choices: def.choices.join("\n"),
            required_from: def.required_from,
            on_card: def.on_card,
        }
    }

    /// The options as typed, one per line, blanks dropped.
    pub fn choice_list(&self) -> Vec<String> {
        self.choices
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Checks the form against the organisation's pipelines and its other fields; every
    /// error names the form field at fault (`label`, `choices`, `required_from`, …).
    pub fn check(
        &self,
        pipelines: &Pipelines,
        others: &[FieldDef],
    ) -> Result<CheckedField, Vec<FieldError>> {
        let mut errors = Vec::new();
        let label = self.label.trim().to_string();
        if label.is_empty() {
            errors.push(form_err("label", "Give the field a label"));
        } else if label.chars().count() > MAX_LABEL {
            errors.push(form_err(
                "label",
                format!("Keep the label to {MAX_LABEL} characters"),
            ));
        } else if others
            .iter()
            .any(|o| Some(o.id) != self.id && !o.retired && o.label.eq_ignore_ascii_case(&label))
        {
            errors.push(form_err(
                "label",
                format!("There is already a field called {label}"),
            ));
        }
        let help = self.help.trim().to_string();
        if help.chars().count() > MAX_HELP {
            errors.push(form_err(
                "help",
                format!("Keep the help text to {MAX_HELP} characters"),
            ));
        }
        let choices = self.choice_list();
        if self.kind.has_choices() {
            if choices.is_empty() {
                errors.push(form_err("choices", "List the options, one per line"));
            } else if choices.len() > MAX_CHOICES {
                errors.push(form_err(
                    "choices",
                    format!("Offer at most {MAX_CHOICES} options"),
                ));
            } else if let Some(long) = choices.iter().find(|c| c.chars().count() > MAX_CHOICE) {
                errors.push(form_err(
                    "choices",
                    format!("\"{long}\" is longer than {MAX_CHOICE} characters"),
                ));
            } else if let Some((i, c)) = choices
                .iter()
                .enumerate()
                .find(|(i, c)| choices[..*i].iter().any(|p| p.eq_ignore_ascii_case(c)))
            {
                let _ = i;
                errors.push(form_err("choices", format!("\"{c}\" is listed twice")));
            } else if choices.iter().any(|c| c.contains(',')) {
                errors.push(form_err(
                    "choices",
                    "Options cannot contain a comma (imports separate several with one)",
                ));
            }
        }
        let pipeline_id = match self.entity {
            FieldEntity::Lead => self.pipeline_id,
            _ => None,
        };
        if let Some(p) = pipeline_id {
            if pipelines.pipeline(p).is_none() {
                errors.push(form_err("pipeline_id", "Choose one of the pipelines"));
            }
        }
        let required_from = match (self.entity, self.required_from) {
            (FieldEntity::Lead, Some(s)) => match pipelines.get(s) {
                None => {
                    errors.push(form_err("required_from", "Choose one of the stages"));
                    None
                }
                Some(stage) if stage.kind == StageKind::Lost => {
                    errors.push(form_err(
                        "required_from",
                        "A lost stage cannot require a field: a lead can always be closed out",
                    ));
                    None
                }
                Some(stage) if stage.retired => {
                    errors.push(form_err(
                        "required_from",
                        format!("{} is retired", stage.name),
                    ));
                    None
                }
                Some(stage) if pipeline_id.is_some_and(|p| p != stage.pipeline_id) => {
                    errors.push(form_err(
                        "required_from",
                        "Choose a stage of the field's pipeline",
                    ));
                    None
                }
                Some(stage) => Some(stage.id),
            },
            _ => None,
        };
        let live = others.iter().filter(|o| Some(o.id) != self.id).count();
        if self.id.is_none() && live >= MAX_FIELDS {
            errors.push(form_err(
                "label",
                format!("An organisation can define at most {MAX_FIELDS} fields"),
            ));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CheckedField {
            label,
            help: (!help.is_empty()).then_some(help),
            kind: self.kind,
            entity: self.entity,
            pipeline_id,
            choices: if self.kind.has_choices() {
                choices
            } else {
                Vec::new()
            },
            required_from,
            on_card: self.on_card && self.entity == FieldEntity::Lead,
        })
    }
}

/// A field key from its label: lower-case ASCII letters, digits and underscores, starting
/// with a letter ("Fleet size" → `fleet_size`, "2nd contact" → `f_2nd_contact`), made unique
/// against `taken` with a number.
pub fn key_for(label: &str, taken: &[&str]) -> String {
    let mut key = String::new();
    for c in label.trim().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c.to_ascii_lowercase());
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    let mut key = key
        .trim_end_matches('_')
        .chars()
        .take(40)
        .collect::<String>();
    if key.is_empty() {
        key = "field".into();
    }
    if !key.starts_with(|c: char| c.is_ascii_alphabetic()) {
        key = format!("f_{key}");
    }
    let base = key.clone();
    let mut n = 2;
    while taken.contains(&key.as_str()) {
        key = format!("{base}_{n}");
        n += 1;
    }
    key
}

/// The changes a saved field definition made, in words for the event log.
pub fn describe_changes(before: Option<&FieldDef>, after: &CheckedField) -> Vec<String> {
    let Some(b) = before else {
        return vec![format!("Added {} ({})", after.label, after.kind.label())];
    };
    let mut out = Vec::new();
    if b.label != after.label {
        out.push(format!("Renamed {} to {}", b.label, after.label));
    }
    if b.kind != after.kind {
        out.push(format!("Kind {} → {}", b.kind.label(), after.kind.label()));
    }
    if b.help != after.help {
        out.push("Help text changed".into());
    }
    if b.choices != after.choices {
        out.push(format!("Options: {}", after.choices.join(", ")));
    }
    if b.pipeline_id != after.pipeline_id {
        out.push("Pipeline changed".into());
    }
    if b.required_from != after.required_from {
        out.push(match after.required_from {
            Some(s) => format!("Required from stage {s}"),
            None => "No longer required".into(),
        });
    }
    if b.on_card != after.on_card {
        out.push(if after.on_card {
            "Shown on cards".into()
        } else {
            "Not shown on cards".into()
        });
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::stage::tests::default_pipeline;
    use serde_json::json;

    pub fn def(id: i64, key: &str, kind: FieldKind) -> FieldDef {
        FieldDef {
            id: FieldId(id),
            key: key.into(),
            label: key.replace('_', " "),
            help: None,
            kind,
            entity: FieldEntity::Lead,
            pipeline_id: None,
            choices: if kind.has_choices() {
                vec!["Retail".into(), "Logistics".into(), "Public sector".into()]
            } else {
                Vec::new()
            },
            required_from: None,
            on_card: false,
            position: id * 10,
            retired: false,
        }
    }

    fn users() -> Vec<UserRef> {
        vec![UserRef {
            id: 7,
            name: "Dana Whitfield".into(),
        }]
    }

    fn ok(kind: FieldKind, raw: Value) -> Value {
        def(1, "f", kind).check(&raw, &users()).unwrap().unwrap()
    }

    fn bad(kind: FieldKind, raw: Value) -> String {
        def(1, "f", kind).check(&raw, &users()).unwrap_err()
    }

    #[test]
    fn every_kind_stores_one_canonical_shape() {
        assert_eq!(
            ok(FieldKind::Text, json!("  Tender 42 ")),
            json!("Tender 42")
        );
        assert_eq!(ok(FieldKind::Number, json!("1,200")), json!(1200));
        assert_eq!(ok(FieldKind::Number, json!(12.50)), json!(12.5));
        assert_eq!(ok(FieldKind::Number, json!("-3.25")), json!(-3.25));
        assert_eq!(ok(FieldKind::Money, json!("12500.00")), json!(12500));
        assert_eq!(ok(FieldKind::Date, json!("2027-3-31")), json!("2027-03-31"));
        assert_eq!(ok(FieldKind::YesNo, json!("Yes")), json!(true));
        assert_eq!(ok(FieldKind::YesNo, json!(false)), json!(false));
        assert_eq!(
            ok(FieldKind::Choice, json!("logistics")),
            json!("Logistics")
        );
        assert_eq!(
            ok(FieldKind::MultiChoice, json!(["public sector", "Retail"])),
            json!(["Retail", "Public sector"])
        );
        assert_eq!(
            ok(FieldKind::MultiChoice, json!("Logistics, retail")),
            json!(["Retail", "Logistics"])
        );
        assert_eq!(ok(FieldKind::User, json!("7")), json!(7));
        assert_eq!(
            ok(FieldKind::Link, json!("https://tenders.example/42")),
            json!("https://tenders.example/42")
        );
    }

    #[test]
    fn empty_input_clears_and_false_is_a_value() {
        let d = def(1, "f", FieldKind::Text);
        assert_eq!(d.check(&json!("  "), &[]), Ok(None));
        assert_eq!(d.check(&Value::Null, &[]), Ok(None));
        assert!(!is_empty(&json!(false)));
        assert!(is_empty(&json!([])));
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        assert_eq!(
            bad(FieldKind::Number, json!("12.345")),
            "Use at most two decimals"
        );
        assert_eq!(
            bad(FieldKind::Number, json!("twelve")),
            "Enter a number like 40 or 12.5"
        );
        assert_eq!(
            bad(FieldKind::Number, json!("1e30")),
            "Enter a number like 40 or 12.5"
        );
        assert_eq!(
            bad(FieldKind::Date, json!("2027-02-30")),
            "Enter a date as YYYY-MM-DD"
        );
        assert_eq!(bad(FieldKind::YesNo, json!("maybe")), "Answer yes or no");
        assert_eq!(
            bad(FieldKind::Choice, json!("Farming")),
            "\"Farming\" is not one of the options"
        );
        assert_eq!(
            bad(FieldKind::User, json!(8)),
            "Choose one of the active people"
        );
        assert_eq!(
            bad(FieldKind::Link, json!("javascript:alert(1)")),
            "Enter a link starting with https://"
        );
        assert_eq!(bad(FieldKind::Text, json!("a\nb")), "Keep it to one line");
        assert_eq!(
            bad(FieldKind::Text, json!("x".repeat(MAX_TEXT + 1))),
            format!("Keep it to {MAX_TEXT} characters")
        );
    }

    #[test]
    fn values_display_as_people_read_them() {
        let users = users();
        let show = |kind, v: Value| def(1, "f", kind).display(&v, "$", &users);
        assert_eq!(show(FieldKind::Number, json!(1250050.5)), "1,250,050.5");
        assert_eq!(show(FieldKind::Money, json!(12500)), "$12,500");
        assert_eq!(show(FieldKind::YesNo, json!(true)), "Yes");
        assert_eq!(show(FieldKind::User, json!(7)), "Dana Whitfield");
        assert_eq!(
            show(FieldKind::MultiChoice, json!(["Retail", "Logistics"])),
            "Retail, Logistics"
        );
        let money = def(1, "f", FieldKind::Money);
        assert_eq!(money.input_text(&json!(12500.5)), "12500.5");
    }

    #[test]
    fn a_write_names_each_field_at_fault_and_fields_of_other_pipelines() {
        let mut renewals_only = def(2, "renewal_date", FieldKind::Date);
        renewals_only.pipeline_id = Some(PipelineId(2));
        let defs = vec![def(1, "fleet_size", FieldKind::Number), renewals_only];
        let input: FieldValues = [
            ("fleet_size".to_string(), json!("forty")),
            ("renewal_date".to_string(), json!("2027-01-01")),
            ("colour".to_string(), json!("red")),
        ]
        .into();
        let errors = check_values(&defs, PipelineId(1), &input, &[]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["fields.colour", "fields.fleet_size", "fields.renewal_date"]
        );
        assert_eq!(
            errors[1].message,
            "fleet size: Enter a number like 40 or 12.5"
        );
        let fine: FieldValues = [("fleet_size".to_string(), json!("40"))].into();
        let checked = check_values(&defs, PipelineId(1), &fine, &[]).unwrap();
        assert_eq!(checked["fleet_size"], json!(40));
    }

    #[test]
    fn changes_list_only_what_differs() {
        let before: FieldValues =
            [("a".to_string(), json!(1)), ("b".to_string(), json!("x"))].into();
        let changes: FieldValues = [
            ("a".to_string(), json!(1)),
            ("b".to_string(), Value::Null),
            ("c".to_string(), json!(true)),
        ]
        .into();
        let (after, changed) = apply_changes(&before, &changes);
        assert_eq!(
            after,
            [("a".to_string(), json!(1)), ("c".to_string(), json!(true))].into()
        );
        assert_eq!(
            changed,
            vec![
                ("b".to_string(), json!("x"), Value::Null),
                ("c".to_string(), Value::Null, json!(true))
            ]
        );
    }

    #[test]
    fn a_field_required_from_a_stage_holds_there_and_later_but_not_when_lost() {
        let mut industry = def(1, "industry", FieldKind::Choice);
        industry.required_from = Some(StageId(3));
        let p = default_pipeline().with_fields(vec![industry]);
        let stage = |id| p.get(StageId(id)).unwrap();
        let none = FieldValues::new();
        assert!(p.missing_field(stage(2), &none).is_none());
        assert_eq!(p.missing_field(stage(3), &none).unwrap().key, "industry");
        assert_eq!(p.missing_field(stage(6), &none).unwrap().key, "industry");
        assert!(p.missing_field(stage(7), &none).is_none());
        let set: FieldValues = [("industry".to_string(), json!("Retail"))].into();
        assert!(p.missing_field(stage(4), &set).is_none());
    }

    #[test]
    fn the_form_checks_each_setting() {
        let p = default_pipeline();
        let mut form = FieldForm::blank();
        form.kind = FieldKind::Choice;
        form.choices = "Retail\n\nretail".into();
        form.required_from = Some(StageId(7));
        let errors = form.check(&p, &[]).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["label", "choices", "required_from"]);
        form.label = "Industry".into();
        form.choices = "Retail\nLogistics".into();
        form.required_from = Some(StageId(3));
        form.on_card = true;
        let checked = form.check(&p, &[]).unwrap();
        assert_eq!(checked.choices, ["Retail", "Logistics"]);
        let taken = def(9, "industry", FieldKind::Text);
        let mut dup = taken.clone();
        dup.label = "industry".into();
        assert_eq!(form.check(&p, &[dup]).unwrap_err()[0].field, "label");
    }

    #[test]
    fn keys_are_slugs_made_unique() {
        assert_eq!(key_for("Fleet size", &[]), "fleet_size");
        assert_eq!(key_for("2nd contact!", &[]), "f_2nd_contact");
        assert_eq!(key_for("Fleet size", &["fleet_size"]), "fleet_size_2");
        assert_eq!(key_for("   ", &[]), "field");
    }
}
