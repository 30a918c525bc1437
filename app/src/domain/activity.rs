//! What a rep does to a lead besides moving it: log a touch (call, e-mail, meeting, note) with
//! its outcome and the next step, edit the lead's details, close it out. Each request is
//! judged here, once, for the server (which enforces it) and the drawer (which previews it).

use super::account::{parse_name, Email};
use super::lead::{CloseReason, Lead, NextStep, NextStepKind};
use super::money::{Currency, Money};
use super::stage::StageKind;
use super::time::{Timestamp, DAY_MS, HOUR_MS};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// Longest note on an activity or next step, in characters.
pub const MAX_NOTE: usize = 2_000;
/// Longest free-text field of a lead (company, product interest), in characters.
pub const MAX_TEXT: usize = 200;

/// The kind of a logged touch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Meeting,
    Note,
    QuoteSent,
    /// A message on a social network (LinkedIn, X, …): social is a channel and a touch.
    Social,
    /// The person wrote in (a web form, a repeat inquiry): theirs, so not a touch of ours.
    Inquiry,
}

impl ActivityKind {
    /// What the quick log offers, with its keyboard shortcut.
    pub const QUICK: [(ActivityKind, &'static str); 5] = [
        (ActivityKind::Call, "c"),
        (ActivityKind::Email, "e"),
        (ActivityKind::Meeting, "m"),
        (ActivityKind::Social, "s"),
        (ActivityKind::Note, "n"),
    ];

    pub fn key(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Email => "email",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Note => "note",
            ActivityKind::QuoteSent => "quote_sent",
            ActivityKind::Social => "social",
            ActivityKind::Inquiry => "inquiry",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::Call => "Call",
            ActivityKind::Email => "E-mail",
            ActivityKind::Meeting => "Meeting",
            ActivityKind::Note => "Note",
            ActivityKind::QuoteSent => "Quote sent",
            ActivityKind::Social => "Social message",
            ActivityKind::Inquiry => "Inquiry",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        [
            ActivityKind::Call,
            ActivityKind::Email,
            ActivityKind::Meeting,
            ActivityKind::Note,
            ActivityKind::QuoteSent,
            ActivityKind::Social,
            ActivityKind::Inquiry,
        ]
        .into_iter()
        .find(|k| k.key() == key)
    }

    /// A touch counts towards first-touch and staleness; a note to self, or the person
    /// writing in, does not.
    pub fn is_touch(self) -> bool {
        !matches!(self, ActivityKind::Note | ActivityKind::Inquiry)
    }

    /// The next step a logged touch suggests, so one keystroke logs both.
    pub fn follow_up(self) -> NextStepKind {
        match self {
            ActivityKind::Call => NextStepKind::Call,
            ActivityKind::Email => NextStepKind::FollowUp,
            ActivityKind::Meeting => NextStepKind::FollowUp,
            ActivityKind::Note => NextStepKind::Call,
            ActivityKind::QuoteSent => NextStepKind::FollowUp,
            ActivityKind::Social => NextStepKind::FollowUp,
            ActivityKind::Inquiry => NextStepKind::Call,
        }
    }
}

crate::keyed! {
    /// How a touch went.
    #[derive(Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
    #[serde(rename_all = "snake_case")]
    pub enum Outcome {
        Reached => "reached", "Reached";
        LeftMessage => "left_message", "Left message";
        NoAnswer => "no_answer", "No answer";
        MeetingBooked => "meeting_booked", "Meeting booked";
        NotInterested => "not_interested", "Not interested";
    }
}

/// The quick picks for a next step's due date: 09:00 in the viewer's zone on that day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuickPick {
    Tomorrow,
    InThreeDays,
    NextWeek,
}

impl QuickPick {
    pub const ALL: [(QuickPick, &'static str); 3] = [
        (QuickPick::Tomorrow, "t"),
        (QuickPick::InThreeDays, "d"),
        (QuickPick::NextWeek, "w"),
    ];

    pub fn label(self) -> &'static str {
        match self {
            QuickPick::Tomorrow => "Tomorrow",
            QuickPick::InThreeDays => "In 3 days",
            QuickPick::NextWeek => "Next week",
        }
    }

    /// What a quick log plans by default on `lead`: a next step booked for a later day is
    /// kept (`None`: the touch leaves it as it is), so a call logged before a meeting never
    /// moves the meeting; a step due today (the touch is doing it) or overdue makes way for
    /// tomorrow. Days are counted in a zone `offset_minutes` east of UTC (the team's).
    pub fn default_for(lead: &Lead, now: Timestamp, offset_minutes: i32) -> Option<QuickPick> {
        match Self::booked(lead, now, offset_minutes) {
            Some(_) => None,
            None => Some(QuickPick::Tomorrow),
        }
    }

    /// The lead's next step when it is booked for a later day than `now`'s, days counted in
    /// a zone `offset_minutes` east of UTC (the team's, as My day counts them).
    pub fn booked(lead: &Lead, now: Timestamp, offset_minutes: i32) -> Option<&NextStep> {
        lead.next_step
            .as_ref()
            .filter(|s| s.due_at.day_number(offset_minutes) > now.day_number(offset_minutes))
    }

    /// The due instant, counted from `now` in a zone `offset_minutes` east of UTC. "Next week"
    /// is the coming Monday.
    pub fn due(self, now: Timestamp, offset_minutes: i32) -> Timestamp {
        let today = now.day_number(offset_minutes);
        let days = match self {
            QuickPick::Tomorrow => 1,
            QuickPick::InThreeDays => 3,
            QuickPick::NextWeek => {
                // Day 0 (1970-01-01) was a Thursday: Monday = 0 after shifting by 3.
                let weekday = (today + 3).rem_euclid(7);
                7 - weekday
            }
        };
        Timestamp((today + days) * DAY_MS + 9 * HOUR_MS - i64::from(offset_minutes) * 60_000)
    }
}

/// A planned next step as the client sends it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NextStepInput {
    pub kind: NextStepKind,
    pub due_at: Timestamp,
    #[serde(default)]
    pub note: Option<String>,
}

/// Logging a touch on a lead, optionally setting its next step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LogRequest {
    /// The lead version this was decided on; a stale version is a conflict.
    pub version: i64,
    pub kind: ActivityKind,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub note: Option<String>,
    /// Replaces the lead's next step; `None` keeps the current one.
    #[serde(default)]
    pub next_step: Option<NextStepInput>,
}

fn field(name: &str, message: impl Into<String>) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

/// A trimmed optional text of at most `max` characters.
fn optional_text(name: &str, raw: Option<&str>, max: usize) -> Result<Option<String>, FieldError> {
    let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if t.chars().count() > max {
        return Err(field(name, format!("Keep it under {max} characters")));
    }
    Ok(Some(t.to_string()))
}

/// Judges a log request and returns the lead as it will be stored (touch times, next step,
/// version advanced), with the cleaned note; or every problem, by field.
pub fn apply_log(
    lead: &Lead,
    stage_kind: StageKind,
    request: &LogRequest,
    now: Timestamp,
) -> Result<(Lead, Option<String>), Vec<FieldError>> {
    let mut errors = Vec::new();
    if request.kind == ActivityKind::Call && request.outcome.is_none() {
        errors.push(field("outcome", "Say how the call went"));
    }
    if request.kind == ActivityKind::Note && request.outcome.is_some() {
        errors.push(field("outcome", "A note has no outcome"));
    }
    let note = optional_text("note", request.note.as_deref(), MAX_NOTE).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    let mut next = lead.clone();
    if let Some(step) = &request.next_step {
        match check_next_step(stage_kind, step, now, Some("next_step")) {
            Ok(step) => next.next_step = Some(step),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if request.kind.is_touch() {
        next.last_touched_at = Some(now);
        next.first_touched_at = next.first_touched_at.or(Some(now));
    }
    next.version += 1;
    next.updated_at = now;
    Ok((next, note))
}

/// A next step as it will be stored, or the problem with it by field, named as the request
/// sent it: `within` is the object holding the step (`Some("next_step")` in a logged touch,
/// `None` when the step is the request itself).
fn check_next_step(
    stage_kind: StageKind,
    step: &NextStepInput,
    now: Timestamp,
    within: Option<&str>,
) -> Result<NextStep, FieldError> {
    let name = |f: &str| within.map_or_else(|| f.to_string(), |w| format!("{w}.{f}"));
    if stage_kind.is_closed() {
        return Err(field(
            within.unwrap_or("kind"),
            "A closed lead needs no next step",
        ));
    }
    if step.due_at.day_number(0) < now.day_number(0) {
        return Err(field(
            &name("due_at"),
            "The next step cannot be due in the past",
        ));
    }
    let note = optional_text(&name("note"), step.note.as_deref(), MAX_NOTE)?;
    Ok(NextStep {
        kind: step.kind,
        due_at: step.due_at,
        note,
    })
}

/// One logged activity on a lead, as the API lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Activity {
    pub at: Timestamp,
    /// Who logged it (none for inquiries that came in by themselves).
    pub by: Option<String>,
    pub kind: ActivityKind,
    pub outcome: Option<Outcome>,
    pub note: Option<String>,
}

/// Planning a lead's next step without logging a touch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NextStepChange {
    /// The lead version this was decided on; a stale version is a conflict.
    pub version: i64,
    pub kind: NextStepKind,
    pub due_at: Timestamp,
    #[serde(default)]
    pub note: Option<String>,
}

/// The lead with its next step replaced (version advanced), or the problem by field.
pub fn apply_next_step(
    lead: &Lead,
    stage_kind: StageKind,
    change: &NextStepChange,
    now: Timestamp,
) -> Result<Lead, Vec<FieldError>> {
    let input = NextStepInput {
        kind: change.kind,
        due_at: change.due_at,
        note: change.note.clone(),
    };
    let step = check_next_step(stage_kind, &input, now, None).map_err(|e| vec![e])?;
    let mut next = lead.clone();
    next.next_step = Some(step);
    next.version += 1;
    next.updated_at = now;
    Ok(next)
}

/// A change to a lead's details as typed: each field `None` to keep it, `Some("")` to clear
/// it (the contact name cannot be cleared), otherwise the new text. The drawer sends every
/// field; a REST `PATCH` may send only the ones it changes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LeadEdit {
    pub version: i64,
    #[serde(default)]
    pub contact_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub product_interest: Option<String>,
    /// Whole or decimal amount ("12,500" or "99.50").
    #[serde(default)]
    pub value: Option<String>,
    /// ISO 4217 code.
    #[serde(default)]
    pub currency: Option<String>,
    /// Custom field values to set, by field key, as typed or in their stored shapes; `null`
    /// or an empty value clears one. Fields left out keep their values.
    #[serde(default)]
    #[cfg_attr(feature = "ssr", schema(value_type = Object))]
    pub fields: super::fields::FieldValues,
    /// The day the lead is expected to close, `YYYY-MM-DD`; empty clears it.
    #[serde(default)]
    pub expected_close: Option<String>,
    /// Whether the rep commits to winning it by its expected close date.
    #[serde(default)]
    pub committed: Option<bool>,
}

/// What checking custom values needs: the organisation's pipelines with the field
/// definitions, and the people a user field may name.
#[derive(Clone, Copy, Debug)]
pub struct FieldContext<'a> {
    pub pipelines: &'a super::stage::Pipelines,
    pub users: &'a [super::lead::UserRef],
}

impl LeadEdit {
    /// The form pre-filled from a lead.
    pub fn from_lead(lead: &Lead) -> Self {
        LeadEdit {
            version: lead.version,
            contact_name: Some(lead.contact_name.clone()),
            email: Some(lead.email.clone().unwrap_or_default()),
            phone: Some(lead.phone.clone().unwrap_or_default()),
            company: Some(lead.company.clone().unwrap_or_default()),
            product_interest: Some(lead.product_interest.clone().unwrap_or_default()),
            value: Some(lead.value.map(|v| amount_text(v.cents)).unwrap_or_default()),
            currency: Some(
                lead.value
                    .map(|v| v.currency.code().to_string())
                    .unwrap_or_default(),
            ),
            fields: Default::default(),
            expected_close: Some(lead.expected_close.clone().unwrap_or_default()),
            committed: Some(lead.committed),
        }
    }
}

/// Checks an expected close date as typed: a real day from 2000 to 2100, `YYYY-MM-DD`.
pub fn parse_close_date(raw: &str) -> Result<String, String> {
    let bad = "Enter a date like 2027-03-31";
    let day = super::time::parse_date(raw).ok_or_else(|| bad.to_string())?;
    let text = super::time::date_text(day);
    if !("2000-01-01".."2101-01-01").contains(&text.as_str()) {
        return Err("Enter a date between 2000 and 2100".into());
    }
    Ok(text)
}

/// Minor units as an editable amount: 1250000 → "12500", 9950 → "99.50".
pub fn amount_text(cents: i64) -> String {
    if cents % 100 == 0 {
        (cents / 100).to_string()
    } else {
        format!("{}.{:02}", cents / 100, (cents % 100).abs())
    }
}

/// Parses an amount typed by a person ("12,500", "99.5", "$1,200.00") into minor units.
pub fn parse_amount(raw: &str) -> Result<i64, String> {
    let t: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '$' | '€' | '£'))
        .collect();
    let bad = || "Enter an amount like 12500 or 99.50".to_string();
    if t.is_empty() {
        return Err(bad());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty() && frac.is_empty() {
        return Err(bad());
    }
    if !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac.len() > 2 {
        return Err("Use at most two decimals".into());
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .map_err(|_| "That amount is too large".to_string())?
    };
    let frac: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    whole
        .checked_mul(100)
        .and_then(|w| w.checked_add(frac))
        .filter(|c| *c <= 100_000_000_000_000)
        .ok_or_else(|| "That amount is too large".to_string())
}

/// Checks a phone number loosely: digits with the usual separators, 5 to 20 digits.
fn parse_phone(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.' | '/'))
    {
        return Err("Use digits, spaces and + - ( ) only".into());
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    if !(5..=20).contains(&digits) {
        return Err("A phone number has 5 to 20 digits".into());
    }
    Ok(t.to_string())
}

/// Judges an edit and returns the lead as it will be stored, or every problem by field.
pub fn apply_edit(
    lead: &Lead,
    edit: &LeadEdit,
    custom: Option<FieldContext<'_>>,
    now: Timestamp,
) -> Result<Lead, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut next = lead.clone();
    if let Some(name) = &edit.contact_name {
        match parse_name(name) {
            Ok(n) => next.contact_name = n,
            Err(e) => errors.push(field("contact_name", e)),
        }
    }
    if let Some(email) = &edit.email {
        next.email = match email.trim() {
            "" => None,
            e => match Email::parse(e) {
                Ok(e) => Some(e.as_str().to_string()),
                Err(m) => {
                    errors.push(field("email", m));
                    None
                }
            },
        };
    }
    if let Some(phone) = &edit.phone {
        next.phone = match phone.trim() {
            "" => None,
            p => parse_phone(p)
                .map_err(|m| errors.push(field("phone", m)))
                .ok(),
        };
    }
    for (name, raw, slot) in [
        ("company", &edit.company, &mut next.company),
        (
            "product_interest",
            &edit.product_interest,
            &mut next.product_interest,
        ),
    ] {
        if let Some(raw) = raw {
            match optional_text(name, Some(raw), MAX_TEXT) {
                Ok(v) => *slot = v,
                Err(e) => errors.push(e),
            }
        }
    }
    let currency = match edit.currency.as_deref().map(str::trim) {
        None | Some("") => Ok(lead.value.map_or(Currency::USD, |v| v.currency)),
        Some(c) => Currency::parse(&c.to_ascii_uppercase()).map_err(|m| field("currency", m)),
    };
    let currency = currency.map_err(|e| errors.push(e)).ok();
    match edit.value.as_deref().map(str::trim) {
        None => {
            // A new currency alone re-labels the current amount.
            if let (Some(v), Some(cur)) = (next.value, currency) {
                next.value = Some(Money::new(v.cents, cur));
            }
        }
        Some("") => next.value = None,
        Some(v) => match (parse_amount(v), currency) {
            (Ok(c), Some(cur)) => next.value = Some(Money::new(c, cur)),
            (Err(m), _) => errors.push(field("value", m)),
            (Ok(_), None) => {}
        },
    }
    if let Some(raw) = &edit.expected_close {
        next.expected_close = match raw.trim() {
            "" => None,
            t => parse_close_date(t)
                .map_err(|m| errors.push(field("expected_close", m)))
                .ok()
                .or_else(|| lead.expected_close.clone()),
        };
    }
    if let Some(c) = edit.committed {
        next.committed = c;
    }
    if next.committed && !lead.committed && lead.closed_at.is_some() {
        errors.push(field(
            "committed",
            "This lead is closed: only an open lead can be committed",
        ));
    } else if next.committed && next.expected_close.is_none() && errors.is_empty() {
        errors.push(if lead.committed {
            field(
                "expected_close",
                "A committed lead needs its expected close date: take the commitment off first",
            )
        } else {
            field(
                "committed",
                "Set an expected close date before committing to the lead",
            )
        });
    }
    if let (Some(ctx), Some(_), None) = (custom, &lead.expected_close, &next.expected_close) {
        let stage = ctx.pipelines.get(lead.stage_id);
        if let Some(stage) = stage.filter(|s| {
            s.entry_criteria
                .contains(&super::stage::Criterion::CloseDate)
        }) {
            errors.push(field(
                "expected_close",
                format!(
                    "{} needs an expected close date: it cannot be cleared while the lead is there",
                    stage.name
                ),
            ));
        }
    }
    if !edit.fields.is_empty() {
        match custom {
            None => errors.push(field("fields", "Custom fields cannot be set here")),
            Some(ctx) => errors.extend(apply_field_edit(lead, &mut next, &edit.fields, ctx)),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if next == *lead {
        return Err(vec![field("contact_name", "Nothing changed")]);
    }
    next.version += 1;
    next.updated_at = now;
    Ok(next)
}

/// Sets the custom values of `edit` on `next` (the lead `before` after the rest of its edit):
/// each value checked against its field, and a field the lead's stage requires may not be
/// cleared there. Returns the errors, one per field at fault.
fn apply_field_edit(
    before: &Lead,
    next: &mut Lead,
    changes: &super::fields::FieldValues,
    ctx: FieldContext<'_>,
) -> Vec<FieldError> {
    use super::fields::{apply_changes, check_values, error_field};
    let Some(pipeline) = ctx.pipelines.of_stage(before.stage_id) else {
        return vec![field("fields", "This lead's stage is unknown")];
    };
    let checked = match check_values(ctx.pipelines.fields(), pipeline.id, changes, ctx.users) {
        Ok(c) => c,
        Err(errors) => return errors,
    };
    let (after, _) = apply_changes(&before.fields, &checked);
    if let Some(stage) = ctx.pipelines.get(before.stage_id) {
        let empty = |values: &super::fields::FieldValues, key: &str| {
            values.get(key).is_none_or(super::fields::is_empty)
        };
        // A requirement the lead already missed (added after it got here) does not block
        // other edits; emptying a required value does.
        let emptied = ctx.pipelines.required_fields(stage).into_iter().find(|d| {
            empty(&after, &d.key)
                && (!empty(&before.fields, &d.key) || checked.contains_key(&d.key))
        });
        if let Some(def) = emptied {
            return vec![FieldError {
                field: error_field(&def.key),
                message: format!(
                    "{} needs {}: it cannot be left empty while the lead is there",
                    stage.name, def.label
                ),
            }];
        }
    }
    next.fields = after;
    Vec::new()
}

/// Closing a lead out from the drawer: won with its value, or lost with a reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "outcome", rename_all = "snake_case", deny_unknown_fields)]
pub enum CloseOut {
    Won {
        version: i64,
        /// The value won, as typed; required.
        value: String,
    },
    Lost {
        version: i64,
        #[serde(default)]
        reason: Option<CloseReason>,
        #[serde(default)]
        note: Option<String>,
    },
}

impl CloseOut {
    pub fn version(&self) -> i64 {
        match self {
            CloseOut::Won { version, .. } | CloseOut::Lost { version, .. } => *version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lead::tests::sample_lead;

    #[test]
    fn a_quick_log_keeps_a_booked_next_step_and_plans_tomorrow_otherwise() {
        let now = Timestamp(1_780_000_000_000);
        let mut lead = sample_lead();
        lead.next_step = None;
        assert_eq!(
            QuickPick::default_for(&lead, now, 0),
            Some(QuickPick::Tomorrow)
        );
        lead.next_step = Some(NextStep {
            kind: NextStepKind::Meeting,
            due_at: now.plus_days(4),
            note: None,
        });
        assert_eq!(
            QuickPick::default_for(&lead, now, 0),
            None,
            "the meeting is kept"
        );
        // 1_780_000_000_000 is 20:26 UTC: a minute later is still today.
        lead.next_step.as_mut().unwrap().due_at = now.plus_ms(60_000);
        assert_eq!(
            QuickPick::default_for(&lead, now, 0),
            Some(QuickPick::Tomorrow),
            "a step due later today is what the touch does"
        );
        lead.next_step.as_mut().unwrap().due_at = now.plus_ms(-HOUR_MS);
        assert_eq!(
            QuickPick::default_for(&lead, now, 0),
            Some(QuickPick::Tomorrow),
            "an overdue step is replaced"
        );
        // 20:26 UTC is 15:26 in New York (UTC-5); a call at 23:30 New York time is already
        // the next UTC day, but still today for a rep there: the touch does it, and a new
        // step is planned, as My day expects.
        let new_york = -5 * 60;
        lead.next_step.as_mut().unwrap().due_at = now.plus_ms(8 * HOUR_MS);
        assert_eq!(QuickPick::default_for(&lead, now, 0), None, "UTC: tomorrow");
        assert_eq!(
            QuickPick::default_for(&lead, now, new_york),
            Some(QuickPick::Tomorrow),
            "New York: later today"
        );
        assert!(QuickPick::booked(&lead, now, new_york).is_none());
    }

    // 2026-11-29T06:00:00Z, a Sunday.
    const NOW: Timestamp = Timestamp(1_795_932_000_000);

    fn call(outcome: Option<Outcome>, next: Option<NextStepInput>) -> LogRequest {
        LogRequest {
            version: 3,
            kind: ActivityKind::Call,
            outcome,
            note: None,
            next_step: next,
        }
    }

    #[test]
    fn logging_a_call_touches_the_lead_and_sets_the_next_step() {
        let mut lead = sample_lead();
        lead.first_touched_at = None;
        let due = QuickPick::Tomorrow.due(NOW, 0);
        let step = NextStepInput {
            kind: NextStepKind::Call,
            due_at: due,
            note: None,
        };
        let (after, _) = apply_log(
            &lead,
            StageKind::Open,
            &call(Some(Outcome::NoAnswer), Some(step)),
            NOW,
        )
        .unwrap();
        assert_eq!(after.first_touched_at, Some(NOW));
        assert_eq!(after.last_touched_at, Some(NOW));
        assert_eq!(after.next_step.unwrap().due_at, due);
        assert_eq!(after.version, lead.version + 1);
    }

    #[test]
    fn a_call_without_an_outcome_is_rejected_naming_the_field() {
        let errs = apply_log(&sample_lead(), StageKind::Open, &call(None, None), NOW).unwrap_err();
        assert_eq!(errs[0].field, "outcome");
    }

    #[test]
    fn a_next_step_in_the_past_or_on_a_closed_lead_is_rejected() {
        let past = NextStepInput {
            kind: NextStepKind::Call,
            due_at: NOW.plus_days(-1),
            note: None,
        };
        let errs = apply_log(
            &sample_lead(),
            StageKind::Open,
            &call(Some(Outcome::Reached), Some(past.clone())),
            NOW,
        )
        .unwrap_err();
        assert_eq!(
            errs[0].field, "next_step.due_at",
            "named as the request sent it"
        );
        let errs = apply_log(
            &sample_lead(),
            StageKind::Won,
            &call(Some(Outcome::Reached), Some(past)),
            NOW,
        )
        .unwrap_err();
        assert_eq!(errs[0].field, "next_step");
    }

    #[test]
    fn a_note_is_not_a_touch() {
        let mut lead = sample_lead();
        lead.last_touched_at = None;
        let req = LogRequest {
            version: 3,
            kind: ActivityKind::Note,
            outcome: None,
            note: Some("Prefers mornings".into()),
            next_step: None,
        };
        let (after, note) = apply_log(&lead, StageKind::Open, &req, NOW).unwrap();
        assert_eq!(after.last_touched_at, None);
        assert_eq!(note.as_deref(), Some("Prefers mornings"));
    }

    #[test]
    fn quick_picks_land_at_nine_in_the_viewers_zone() {
        // Sunday 06:00 UTC: tomorrow is Monday 09:00 UTC; next week is that same Monday.
        let tomorrow = QuickPick::Tomorrow.due(NOW, 0);
        assert_eq!(
            tomorrow,
            Timestamp(NOW.0 - 6 * HOUR_MS + DAY_MS + 9 * HOUR_MS)
        );
        assert_eq!(QuickPick::NextWeek.due(NOW, 0), tomorrow);
        assert_eq!(QuickPick::InThreeDays.due(NOW, 0), tomorrow.plus_days(2));
        // In Tokyo it is already Sunday 15:00; Monday 09:00 there is 00:00 UTC.
        let tokyo = QuickPick::Tomorrow.due(NOW, 9 * 60);
        assert_eq!(tokyo.0.rem_euclid(DAY_MS), 0);
    }

    #[test]
    fn amounts_parse_as_people_type_them() {
        assert_eq!(parse_amount("12,500"), Ok(1_250_000));
        assert_eq!(parse_amount("$99.5"), Ok(9_950));
        assert_eq!(parse_amount(".5"), Ok(50));
        assert!(parse_amount("12.345").is_err());
        assert!(parse_amount("-3").is_err());
        assert!(parse_amount("abc").is_err());
        assert!(parse_amount("99999999999999999999").is_err());
        assert_eq!(amount_text(9_950), "99.50");
        assert_eq!(amount_text(1_250_000), "12500");
    }

    #[test]
    fn an_edit_reports_every_bad_field_at_once_and_changes_nothing() {
        let lead = sample_lead();
        let mut edit = LeadEdit::from_lead(&lead);
        edit.contact_name = Some("  ".into());
        edit.email = Some("not-an-address".into());
        edit.phone = Some("call me".into());
        edit.value = Some("lots".into());
        let errs = apply_edit(&lead, &edit, None, NOW).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["contact_name", "email", "phone", "value"]);
    }

    #[test]
    fn the_expected_close_date_and_commitment_are_checked_by_field() {
        let lead = sample_lead();
        let edit = |close: &str, committed: bool| LeadEdit {
            version: lead.version,
            expected_close: Some(close.into()),
            committed: Some(committed),
            ..Default::default()
        };
        let fields = |e: Vec<FieldError>| e.into_iter().map(|e| e.field).collect::<Vec<_>>();
        assert_eq!(
            fields(apply_edit(&lead, &edit("next spring", false), None, NOW).unwrap_err()),
            ["expected_close"]
        );
        assert_eq!(
            fields(apply_edit(&lead, &edit("2027-02-30", false), None, NOW).unwrap_err()),
            ["expected_close"],
            "a day that does not exist"
        );
        assert_eq!(
            fields(apply_edit(&lead, &edit("", true), None, NOW).unwrap_err()),
            ["committed"],
            "no commitment without a date"
        );
        let after = apply_edit(&lead, &edit(" 2027-3-5 ", true), None, NOW).unwrap();
        assert_eq!(after.expected_close.as_deref(), Some("2027-03-05"));
        assert!(after.committed);
        // Taking the date away from a committed lead is refused on the date.
        let e = apply_edit(
            &after,
            &LeadEdit {
                version: after.version,
                expected_close: Some(String::new()),
                ..Default::default()
            },
            None,
            NOW,
        )
        .unwrap_err();
        assert_eq!(fields(e), ["expected_close"]);
        // A closed lead is not committed to.
        let mut closed = lead.clone();
        closed.closed_at = Some(NOW);
        assert_eq!(
            fields(apply_edit(&closed, &edit("2027-03-05", true), None, NOW).unwrap_err()),
            ["committed"]
        );
    }

    #[test]
    fn a_stage_that_needs_a_close_date_keeps_it() {
        use crate::domain::stage::{tests::default_pipeline, Criterion};
        let mut stages = default_pipeline().stages().to_vec();
        let mut lead = sample_lead();
        lead.expected_close = Some("2027-01-31".into());
        let stage = stages.iter_mut().find(|s| s.id == lead.stage_id).unwrap();
        stage.entry_criteria.push(Criterion::CloseDate);
        let name = stage.name.clone();
        let pipelines = crate::domain::Pipelines::single(stages);
        let ctx = FieldContext {
            pipelines: &pipelines,
            users: &[],
        };
        let clear = LeadEdit {
            version: lead.version,
            expected_close: Some(String::new()),
            ..Default::default()
        };
        let e = apply_edit(&lead, &clear, Some(ctx), NOW).unwrap_err();
        assert_eq!(e[0].field, "expected_close");
        assert_eq!(
            e[0].message,
            format!(
                "{name} needs an expected close date: it cannot be cleared while the lead is there"
            )
        );
        // Moving it is fine; and a lead without one cannot enter the stage.
        let moved = LeadEdit {
            version: lead.version,
            expected_close: Some("2027-02-28".into()),
            ..Default::default()
        };
        assert!(apply_edit(&lead, &moved, Some(ctx), NOW).is_ok());
        lead.expected_close = None;
        let stage = pipelines.get(lead.stage_id).unwrap();
        assert_eq!(
            pipelines.unmet_criterion(stage, &lead),
            Some(Criterion::CloseDate)
        );
        assert_eq!(Criterion::CloseDate.field(), "expected_close");
    }

    #[test]
    fn a_valid_edit_advances_the_version() {
        let lead = sample_lead();
        let mut edit = LeadEdit::from_lead(&lead);
        edit.value = Some("15,000".into());
        edit.phone = Some("+1 (555) 010-2030".into());
        let after = apply_edit(&lead, &edit, None, NOW).unwrap();
        assert_eq!(after.value.unwrap().cents, 1_500_000);
        assert_eq!(after.phone.as_deref(), Some("+1 (555) 010-2030"));
        assert_eq!(after.version, lead.version + 1);
        assert_eq!(
            apply_edit(&lead, &LeadEdit::from_lead(&lead), None, NOW).unwrap_err()[0].message,
            "Nothing changed"
        );
    }
}
