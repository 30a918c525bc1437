//! The board's filters and card order, as they travel in the URL (`/board?owner=3&q=acme`).
//!
//! One definition serves three places: the server turns a filter into SQL, the browser decides
//! with `matches` whether a live change belongs on the filtered board, and both order cards by
//! the same `sort_key`, so a card placed live lands where a reload would put it.

use super::access::{TeamId, UserId};
use super::ids::PipelineId;
use super::lead::Lead;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// Longest search text accepted, in characters.
pub const MAX_SEARCH: usize = 100;
/// Most custom field conditions one filter may carry.
pub const MAX_CUSTOM_FILTERS: usize = 5;

/// How cards are ordered inside an open column. Closed columns always show the most recently
/// closed first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CardSort {
    /// Leads without a next step first (they need attention), then by due time.
    #[default]
    Attention,
    /// Highest value first; leads without a value last.
    Value,
    /// Newest inquiries first.
    Newest,
    /// Best lead score first (`domain::score`); unscored leads last.
    Score,
}

impl CardSort {
    pub const ALL: [CardSort; 4] = [
        CardSort::Attention,
        CardSort::Score,
        CardSort::Value,
        CardSort::Newest,
    ];

    pub fn key(self) -> &'static str {
        match self {
            CardSort::Attention => "attention",
            CardSort::Value => "value",
            CardSort::Newest => "newest",
            CardSort::Score => "score",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CardSort::Attention => "Needs attention",
            CardSort::Value => "Highest value",
            CardSort::Newest => "Newest",
            CardSort::Score => "Best score",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        CardSort::ALL.into_iter().find(|s| s.key() == key)
    }
}

/// The order of one column: its key (compared left to right) and direction. The SQL in
/// `ssr::store::leads` computes the same expressions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ColumnOrder {
    pub sort: CardSort,
    pub closed: bool,
}

impl ColumnOrder {
    /// True when larger keys come first.
    pub fn descending(self) -> bool {
        self.closed || self.sort != CardSort::Attention
    }

    /// The lead's position key in this column.
    pub fn key(self, lead: &Lead) -> Vec<i64> {
        if self.closed {
            return vec![lead.closed_at.map_or(0, |t| t.0), lead.id.0];
        }
        match self.sort {
            CardSort::Attention => vec![
                i64::from(lead.next_step.is_some()),
                lead.next_step.as_ref().map_or(0, |s| s.due_at.0),
                lead.id.0,
            ],
            CardSort::Value => vec![lead.value.map_or(-1, |v| v.cents), lead.id.0],
            CardSort::Newest => vec![lead.created_at.0, lead.id.0],
            CardSort::Score => vec![lead.score.unwrap_or(-1), lead.id.0],
        }
    }

    /// How many numbers the key has.
    pub fn key_len(self) -> usize {
        if !self.closed && self.sort == CardSort::Attention {
            3
        } else {
            2
        }
    }

    /// Compares two leads in display order.
    pub fn compare(self, a: &Lead, b: &Lead) -> std::cmp::Ordering {
        let ord = self.key(a).cmp(&self.key(b));
        if self.descending() {
            ord.reverse()
        } else {
            ord
        }
    }

    /// Where the next page starts: after this lead.
    pub fn cursor_after(self, lead: &Lead) -> Cursor {
        Cursor(self.key(lead))
    }
}

/// An opaque-looking page position: the sort key of the last card shown, e.g. `1.1796.42`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(pub Vec<i64>);

impl Cursor {
    /// Parses a cursor for `order`; its length must match the order's key.
    pub fn parse(text: &str, order: ColumnOrder) -> Result<Cursor, FieldError> {
        let bad = || FieldError {
            field: "after".into(),
            message: "The page position is not valid for this column; reload the board".into(),
        };
        let parts: Result<Vec<i64>, _> = text.split('.').map(str::parse::<i64>).collect();
        let parts = parts.map_err(|_| bad())?;
        if parts.len() != order.key_len() {
            return Err(bad());
        }
        Ok(Cursor(parts))
    }

    pub fn encode(&self) -> String {
        self.0
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// What the board shows: every field optional; an empty filter shows the viewer's whole scope.
/// The server intersects it with the viewer's scope, so a filter never widens what one sees.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(default)]
pub struct BoardFilter {
    /// The pipeline whose board this is (the viewer's team's first when not given). Leads of
    /// other pipelines are told apart by their stage, so `matches` leaves this to the caller.
    pub pipeline: Option<PipelineId>,
    pub owner: Option<UserId>,
    pub team: Option<TeamId>,
    pub source: Option<i64>,
    pub campaign: Option<i64>,
    /// Lowest value, in minor units (any currency).
    pub min_value: Option<i64>,
    /// Highest value, in minor units (any currency).
    pub max_value: Option<i64>,
    /// Case-insensitive text in the contact's name, company or e-mail (or a custom text).
    pub text: Option<String>,
    pub sort: CardSort,
    /// Conditions on custom fields (`f.<key>=<value>` or `f.<key>=<from>..<to>` in the URL).
    pub custom: Vec<CustomFilter>,
    /// `custom` checked against the field definitions by the server (`resolve`); the SQL
    /// is built from these, and a filter not resolved selects nothing.
    #[serde(skip)]
    #[cfg_attr(feature = "ssr", schema(ignore))]
    pub resolved: Vec<CustomCondition>,
    /// The leads `resolved` selects, worked out once by the server when they are few (the
    /// board's several queries then look them up by id instead of each joining the index).
    #[serde(skip)]
    #[cfg_attr(feature = "ssr", schema(ignore))]
    pub matching: Option<Vec<i64>>,
}

/// A condition on one custom field, as written in the URL.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CustomFilter {
    pub key: String,
    /// One value (`Logistics`, `yes`, `7`) or a range (`2027-01-01..2027-03-31`, `10..`).
    pub value: String,
}

/// A custom field condition checked against its definition, ready for SQL over the
/// `field_values` index.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CustomCondition {
    pub field: super::ids::FieldId,
    pub test: CustomTest,
}

/// What a [`CustomCondition`] asks of the indexed value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CustomTest {
    /// The lower-cased text (a choice, one of several, a text, a date) equals this.
    Text(String),
    /// The number (hundredths, a user id, 1/0 for yes/no) equals this.
    Number(i64),
    /// Text between these (dates), inclusive.
    TextRange(Option<String>, Option<String>),
    /// Number between these (hundredths), inclusive.
    NumberRange(Option<i64>, Option<i64>),
}

impl CustomFilter {
    /// The URL key, `f.<field key>`, that errors name.
    pub fn param(&self) -> String {
        format!("f.{}", self.key)
    }

    /// Checks the condition against the field definitions.
    pub fn resolve(&self, defs: &[super::fields::FieldDef]) -> Result<CustomCondition, FieldError> {
        use super::fields::FieldKind;
        let field = self.param();
        let def = defs
            .iter()
            .find(|d| d.key == self.key && d.entity == super::fields::FieldEntity::Lead)
            .ok_or_else(|| err(&field, format!("There is no lead field \"{}\"", self.key)))?;
        let v = self.value.trim();
        let fail = |m: String| err(&field, format!("{}: {m}", def.label));
        let number = |t: &str| -> Result<i64, FieldError> {
            let checked = super::fields::FieldDef {
                kind: FieldKind::Number,
                ..def.clone()
            }
            .check(&serde_json::Value::String(t.into()), &[])
            .map_err(&fail)?;
            Ok(checked.as_ref().map(checked_hundredths).unwrap_or_default())
        };
        let date = |t: &str| -> Result<String, FieldError> {
            super::time::parse_date(t)
                .map(super::time::date_text)
                .ok_or_else(|| fail("Filter by dates written YYYY-MM-DD".into()))
        };
        let range = v.split_once("..");
        let test = match (def.kind, range) {
            (FieldKind::Date, Some((lo, hi))) => CustomTest::TextRange(
                (!lo.trim().is_empty())
                    .then(|| date(lo.trim()))
                    .transpose()?,
                (!hi.trim().is_empty())
                    .then(|| date(hi.trim()))
                    .transpose()?,
            ),
            (FieldKind::Number | FieldKind::Money, Some((lo, hi))) => CustomTest::NumberRange(
                (!lo.trim().is_empty())
                    .then(|| number(lo.trim()))
                    .transpose()?,
                (!hi.trim().is_empty())
                    .then(|| number(hi.trim()))
                    .transpose()?,
            ),
            (_, Some(_)) => return Err(fail("Only dates and numbers filter by a range".into())),
            (FieldKind::Date, None) => CustomTest::Text(date(v)?),
            (FieldKind::Number | FieldKind::Money, None) => CustomTest::Number(number(v)?),
            (
                FieldKind::YesNo | FieldKind::User | FieldKind::Choice | FieldKind::MultiChoice,
                None,
            ) => {
                let users: Vec<super::lead::UserRef> = v
                    .parse::<i64>()
                    .ok()
                    .map(|id| super::lead::UserRef {
                        id,
                        name: String::new(),
                    })
                    .into_iter()
                    .collect();
                let checked = def
                    .check(&serde_json::Value::String(v.into()), &users)
                    .map_err(&fail)?
                    .ok_or_else(|| fail("Give a value to filter by".into()))?;
                match checked {
                    serde_json::Value::Bool(b) => CustomTest::Number(i64::from(b)),
                    serde_json::Value::Number(n) => CustomTest::Number(n.as_i64().unwrap_or(0)),
                    serde_json::Value::String(s) => CustomTest::Text(s.to_lowercase()),
                    serde_json::Value::Array(a) => match a.as_slice() {
                        [one] => CustomTest::Text(one.as_str().unwrap_or("").to_lowercase()),
                        _ => return Err(fail("Filter by one option at a time".into())),
                    },
                    _ => return Err(fail("Give a value to filter by".into())),
                }
            }
            (_, None) => CustomTest::Text(v.to_lowercase()),
        };
        if let CustomTest::TextRange(Some(a), Some(b)) = &test {
            if a > b {
                return Err(fail("The range ends before it starts".into()));
            }
        }
        if let CustomTest::NumberRange(Some(a), Some(b)) = &test {
            if a > b {
                return Err(fail("The range ends before it starts".into()));
            }
        }
        Ok(CustomCondition {
            field: def.id,
            test,
        })
    }

    /// Whether a lead's stored value for this field passes (for live changes on the board).
    pub fn passes(&self, value: Option<&serde_json::Value>) -> bool {
        use serde_json::Value;
        let Some(value) = value else {
            return false;
        };
        let v = self.value.trim();
        let as_number = |t: &str| t.trim().replace(',', "").parse::<f64>().ok();
        match value {
            Value::Array(items) => items
                .iter()
                .any(|i| i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(v))),
            Value::Bool(b) => match v.to_ascii_lowercase().as_str() {
                "yes" | "true" | "y" | "1" => *b,
                "no" | "false" | "n" | "0" => !*b,
                _ => false,
            },
            Value::Number(n) => {
                let x = n.as_f64().unwrap_or(0.0);
                match v.split_once("..") {
                    Some((lo, hi)) => {
                        as_number(lo).is_none_or(|lo| x >= lo)
                            && as_number(hi).is_none_or(|hi| x <= hi)
                    }
                    None => as_number(v).is_some_and(|y| (x - y).abs() < 0.005),
                }
            }
            Value::String(s) => match v.split_once("..") {
                Some((lo, hi)) => {
                    let (lo, hi) = (lo.trim(), hi.trim());
                    (lo.is_empty() || s.as_str() >= lo) && (hi.is_empty() || s.as_str() <= hi)
                }
                None => s.eq_ignore_ascii_case(v),
            },
            Value::Null | Value::Object(_) => false,
        }
    }
}

/// Hundredths of a canonical JSON number.
fn checked_hundredths(n: &serde_json::Value) -> i64 {
    n.as_i64()
        .map(|w| w * 100)
        .or_else(|| n.as_f64().map(|f| (f * 100.0).round() as i64))
        .unwrap_or_default()
}

impl BoardFilter {
    /// Reads a filter from URL query pairs. Unknown keys are ignored (links may carry other
    /// state); a known key with a bad value is an error naming it, so a mistyped link is
    /// explained rather than silently widened. Empty values mean "not set".
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, FieldError> {
        let mut f = BoardFilter::default();
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let id = |field: &str, what: &str| -> Result<i64, FieldError> {
                value
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| err(field, format!("{what} must be chosen from the list")))
            };
            match key {
                "pipeline" => f.pipeline = Some(PipelineId(id("pipeline", "Pipeline")?)),
                "owner" => f.owner = Some(UserId(id("owner", "Owner")?)),
                "team" => f.team = Some(TeamId(id("team", "Team")?)),
                "source" => f.source = Some(id("source", "Source")?),
                "campaign" => f.campaign = Some(id("campaign", "Campaign")?),
                "min" => f.min_value = Some(amount("min", value)?),
                "max" => f.max_value = Some(amount("max", value)?),
                "q" => {
                    if value.chars().count() > MAX_SEARCH {
                        return Err(err(
                            "q",
                            format!("Search text is longer than {MAX_SEARCH} characters"),
                        ));
                    }
                    f.text = Some(value.to_string());
                }
                k if k.starts_with("f.") => {
                    let field = &k[2..];
                    if field.is_empty()
                        || field.len() > 60
                        || !field.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    {
                        return Err(err(
                            k,
                            "Custom field filters are written f.<field key>".into(),
                        ));
                    }
                    if f.custom.len() >= MAX_CUSTOM_FILTERS {
                        return Err(err(
                            k,
                            format!("Filter by at most {MAX_CUSTOM_FILTERS} custom fields at once"),
                        ));
                    }
                    if value.chars().count() > MAX_SEARCH {
                        return Err(err(
                            k,
                            format!("The value is longer than {MAX_SEARCH} characters"),
                        ));
                    }
                    f.custom.retain(|c| c.key != field);
                    f.custom.push(CustomFilter {
                        key: field.to_string(),
                        value: value.to_string(),
                    });
                }
                "sort" => {
                    f.sort = CardSort::parse(value).ok_or_else(|| {
                        err(
                            "sort",
                            "Sort must be attention, value or newest".to_string(),
                        )
                    })?
                }
                _ => {}
            }
        }
        if let (Some(lo), Some(hi)) = (f.min_value, f.max_value) {
            if lo > hi {
                return Err(err(
                    "max",
                    "The highest value is below the lowest value".to_string(),
                ));
            }
        }
        Ok(f)
    }

    /// The filter as a query string without the `?` (empty when nothing is set), in a fixed
    /// order so equal filters give equal URLs.
    pub fn to_query(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if let Some(p) = self.pipeline {
            parts.push(format!("pipeline={}", p.0));
        }
        if let Some(o) = self.owner {
            parts.push(format!("owner={}", o.0));
        }
        if let Some(t) = self.team {
            parts.push(format!("team={}", t.0));
        }
        if let Some(s) = self.source {
            parts.push(format!("source={s}"));
        }
        if let Some(c) = self.campaign {
            parts.push(format!("campaign={c}"));
        }
        if let Some(v) = self.min_value {
            parts.push(format!("min={}", whole_units(v)));
        }
        if let Some(v) = self.max_value {
            parts.push(format!("max={}", whole_units(v)));
        }
        if let Some(q) = &self.text {
            parts.push(format!("q={}", encode_component(q)));
        }
        for c in &self.custom {
            parts.push(format!("f.{}={}", c.key, encode_component(&c.value)));
        }
        if self.sort != CardSort::Attention {
            parts.push(format!("sort={}", self.sort.key()));
        }
        parts.join("&")
    }

    /// True when nothing narrows the board (the pipeline and the order may still be set).
    pub fn is_unfiltered(&self) -> bool {
        BoardFilter {
            sort: CardSort::Attention,
            pipeline: None,
            resolved: Vec::new(),
            matching: None,
            ..self.clone()
        } == BoardFilter::default()
    }

    /// The lower-cased search text, as both sides compare it.
    pub fn needle(&self) -> Option<String> {
        self.text.as_deref().map(str::to_ascii_lowercase)
    }

    /// Whether `lead` belongs on the board under this filter (scope aside).
    pub fn matches(&self, lead: &Lead) -> bool {
        let value = lead.value.map(|v| v.cents);
        self.owner
            .is_none_or(|o| lead.owner.as_ref().is_some_and(|u| u.id == o.0))
            && self.team.is_none_or(|t| lead.team_id == Some(t))
            && self.source.is_none_or(|s| lead.source_id == s)
            && self.campaign.is_none_or(|c| lead.campaign_id == Some(c))
            && self
                .min_value
                .is_none_or(|lo| value.is_some_and(|v| v >= lo))
            && self
                .max_value
                .is_none_or(|hi| value.is_some_and(|v| v <= hi))
            && self.needle().is_none_or(|n| {
                let custom = lead.fields.values().flat_map(|v| match v {
                    serde_json::Value::String(s) => vec![s.as_str()],
                    serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                    _ => Vec::new(),
                });
                [
                    Some(lead.contact_name.as_str()),
                    lead.company.as_deref(),
                    lead.email.as_deref(),
                ]
                .into_iter()
                .flatten()
                .chain(custom)
                .any(|h| h.to_ascii_lowercase().contains(&n))
            })
            && self
                .custom
                .iter()
                .all(|c| c.passes(lead.fields.get(&c.key)))
    }

    /// Checks the custom field conditions against the definitions, for the SQL; an error
    /// names the URL key (`f.fleet_size`).
    pub fn resolve(&mut self, defs: &[super::fields::FieldDef]) -> Result<(), FieldError> {
        self.resolved = self
            .custom
            .iter()
            .map(|c| c.resolve(defs))
            .collect::<Result<_, _>>()?;
        Ok(())
    }
}

/// Which leads a list holds by state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    Open,
    Closed,
    #[default]
    All,
}

/// Most leads one page of the API's lead list holds.
pub const MAX_LIST_LIMIT: i64 = 200;
/// Leads per page when the caller does not say.
pub const DEFAULT_LIST_LIMIT: i64 = 50;

/// The API's lead list query: the board's filter, plus stage, status and a page after a
/// cursor, oldest lead first.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadQuery {
    pub filter: BoardFilter,
    pub stage: Option<super::stage::StageId>,
    pub status: LeadStatus,
    /// Only leads with a larger id (the previous page's `next`).
    pub after: Option<i64>,
    pub limit: i64,
}

impl LeadQuery {
    /// Reads the query string: the board's keys (`owner`, `team`, `source`, `campaign`, `min`,
    /// `max`, `q`) and `stage`, `status` (open, closed, all), `after`, `limit` (1–200). A bad
    /// value is refused, naming its key.
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone,
    ) -> Result<Self, FieldError> {
        let filter = BoardFilter::from_query(pairs.clone())?;
        let mut q = LeadQuery {
            filter,
            stage: None,
            status: LeadStatus::All,
            after: None,
            limit: DEFAULT_LIST_LIMIT,
        };
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let positive =
                |field: &str, what: &str| {
                    value.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        err(field, format!("{what} must be a positive whole number"))
                    })
                };
            match key {
                "stage" => q.stage = Some(super::stage::StageId(positive("stage", "The stage")?)),
                "after" => q.after = Some(positive("after", "The cursor")?),
                "limit" => {
                    let n = positive("limit", "The limit")?;
                    if n > MAX_LIST_LIMIT {
                        return Err(err(
                            "limit",
                            format!("The limit is at most {MAX_LIST_LIMIT}"),
                        ));
                    }
                    q.limit = n;
                }
                "status" => {
                    q.status = match value {
                        "open" => LeadStatus::Open,
                        "closed" => LeadStatus::Closed,
                        "all" => LeadStatus::All,
                        _ => {
                            return Err(err(
                                "status",
                                "Status must be open, closed or all".to_string(),
                            ))
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(q)
    }
}

/// One page of the API's lead list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LeadList {
    pub items: Vec<Lead>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next: Option<String>,
}

fn err(field: &str, message: String) -> FieldError {
    FieldError {
        field: field.into(),
        message,
    }
}

/// A value bound in whole currency units ("1500" or "1,500"), as minor units.
fn amount(field: &str, text: &str) -> Result<i64, FieldError> {
    let what = if field == "min" { "Lowest" } else { "Highest" };
    let digits: String = text.chars().filter(|c| *c != ',' && *c != '_').collect();
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .and_then(|n| n.checked_mul(100))
        .ok_or_else(|| {
            err(
                field,
                format!("{what} value must be a whole amount, like 5000"),
            )
        })
}

fn whole_units(cents: i64) -> i64 {
    cents / 100
}

/// Percent-encodes a query value (RFC 3986 unreserved characters pass).
pub fn encode_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Formats a minor-unit bound for a form field ("" when unset).
pub fn bound_text(v: Option<i64>) -> String {
    v.map(|c| whole_units(c).to_string()).unwrap_or_default()
}

/// A choice in a filter list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FilterChoice {
    pub id: i64,
    pub name: String,
}

/// The lists the filter bar offers, limited to what the viewer may see.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FilterOptions {
    pub owners: Vec<FilterChoice>,
    pub teams: Vec<FilterChoice>,
    pub sources: Vec<FilterChoice>,
    pub campaigns: Vec<FilterChoice>,
    /// The live lead custom fields, each filterable (by the board's pipeline).
    #[serde(default)]
    pub fields: Vec<super::fields::FieldDef>,
}

/// One more page of a column, after a cursor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ColumnPage {
    pub cards: Vec<Lead>,
    /// Where the following page starts; `None` when this was the last.
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead::tests::sample_lead;
    use crate::domain::lead::{LeadId, NextStep, NextStepKind};
    use crate::domain::Timestamp;

    fn parse(q: &str) -> Result<BoardFilter, FieldError> {
        BoardFilter::from_query(q.split('&').filter_map(|p| p.split_once('=')))
    }

    #[test]
    fn a_filter_survives_the_round_trip_through_its_url() {
        let f =
            parse("owner=3&team=2&source=5&campaign=7&min=1000&max=50000&q=acme%20co&sort=value")
                .unwrap_or_else(|e| panic!("{e:?}"));
        // `from_query` gets decoded pairs from the router; the raw %20 stays literal here.
        assert_eq!(f.owner, Some(UserId(3)));
        assert_eq!(f.min_value, Some(100_000));
        assert_eq!(f.sort, CardSort::Value);
        let again = parse(&f.to_query()).unwrap();
        assert_eq!(again.min_value, f.min_value);
        assert_eq!(again.owner, f.owner);
        assert_eq!(again.sort, f.sort);
    }

    #[test]
    fn a_bad_value_names_its_field() {
        assert_eq!(parse("owner=dana").unwrap_err().field, "owner");
        assert_eq!(parse("min=-5").unwrap_err().field, "min");
        assert_eq!(parse("min=500&max=100").unwrap_err().field, "max");
        assert_eq!(parse("sort=random").unwrap_err().field, "sort");
        let long = format!("q={}", "x".repeat(MAX_SEARCH + 1));
        assert_eq!(parse(&long).unwrap_err().field, "q");
    }

    #[test]
    fn empty_and_unknown_parameters_leave_the_board_unfiltered() {
        let f = parse("owner=&q=&lead=9&utm=x").unwrap();
        assert!(f.is_unfiltered());
        assert_eq!(f.to_query(), "");
    }

    #[test]
    fn matching_checks_every_set_field() {
        let lead = sample_lead();
        assert!(parse("owner=7&team=1&q=ANALYTICAL").unwrap().matches(&lead));
        assert!(parse("q=ada@").unwrap().matches(&lead));
        assert!(!parse("owner=8").unwrap().matches(&lead));
        assert!(!parse("team=2").unwrap().matches(&lead));
        assert!(parse("min=12000&max=12000").unwrap().matches(&lead));
        assert!(!parse("min=12001").unwrap().matches(&lead));
        let mut no_value = sample_lead();
        no_value.value = None;
        assert!(!parse("max=100").unwrap().matches(&no_value));
        assert!(!parse("q=babbage").unwrap().matches(&lead));
    }

    #[test]
    fn search_text_is_encoded_for_the_url() {
        let f = BoardFilter {
            text: Some("o'neil & co".into()),
            ..BoardFilter::default()
        };
        assert_eq!(f.to_query(), "q=o%27neil%20%26%20co");
    }

    #[test]
    fn attention_order_puts_missing_steps_first_then_earliest_due() {
        let order = ColumnOrder {
            sort: CardSort::Attention,
            closed: false,
        };
        let step = |id: i64, due: Option<i64>| {
            let mut l = sample_lead();
            l.id = LeadId(id);
            l.next_step = due.map(|d| NextStep {
                kind: NextStepKind::Call,
                due_at: Timestamp(d),
                note: None,
            });
            l
        };
        let mut cards = [step(1, Some(500)), step(2, Some(100)), step(3, None)];
        cards.sort_by(|a, b| order.compare(a, b));
        let ids: Vec<_> = cards.iter().map(|l| l.id.0).collect();
        assert_eq!(ids, [3, 2, 1]);
    }

    #[test]
    fn value_order_is_highest_first_with_missing_values_last() {
        let order = ColumnOrder {
            sort: CardSort::Value,
            closed: false,
        };
        let mut a = sample_lead();
        a.id = LeadId(1);
        let mut b = sample_lead();
        b.id = LeadId(2);
        b.value = None;
        let mut c = sample_lead();
        c.id = LeadId(3);
        c.value = Some(crate::domain::Money::new(1, crate::domain::Currency::USD));
        let mut cards = [b, c, a];
        cards.sort_by(|x, y| order.compare(x, y));
        let ids: Vec<_> = cards.iter().map(|l| l.id.0).collect();
        assert_eq!(ids, [1, 3, 2]);
    }

    #[test]
    fn a_cursor_must_fit_its_column_order() {
        let attention = ColumnOrder {
            sort: CardSort::Attention,
            closed: false,
        };
        let cur = attention.cursor_after(&sample_lead());
        assert_eq!(Cursor::parse(&cur.encode(), attention).unwrap(), cur);
        assert_eq!(Cursor::parse("1.2", attention).unwrap_err().field, "after");
        assert_eq!(
            Cursor::parse("a.b.c", attention).unwrap_err().field,
            "after"
        );
    }
}
