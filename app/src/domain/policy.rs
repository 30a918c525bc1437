//! The follow-up policy and its one evaluator.
//!
//! A [`Policy`] is a team's rule set as it applies (the organisation default with the team's
//! overrides already merged, and the team's business calendar). [`evaluate`] says what a lead
//! breaks at an instant; [`check_write`] says which of those a write may not leave behind.
//! Both are pure: the server enforces and records with them, the browser shows the same
//! findings before saving.

use super::access::TeamId;
use super::calendar::BusinessCalendar;
use super::lead::{CloseReason, Lead, NextStep, NextStepKind};
use super::stage::{Criterion, Stage, StageId, StageKind};
use super::time::{Timestamp, DAY_MS};
use serde::{Deserialize, Serialize};

/// Milliseconds in a minute.
const MINUTE_MS: i64 = 60_000;

/// A rule set, as it applies to one team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Policy {
    pub name: String,
    /// Increases with every saved change; findings record the version they came from.
    pub version: i64,
    /// First touch within this many business minutes of assignment (`None`: no SLA).
    pub first_touch_minutes: Option<u32>,
    /// A different SLA for leads from particular sources (source id, minutes).
    pub first_touch_by_source: Vec<(i64, u32)>,
    /// The share of the SLA after which an untouched lead is "at risk", in percent.
    pub at_risk_percent: u8,
    /// Every open lead carries a next step.
    pub next_step_required: bool,
    /// An open lead untouched for this many days is stale (unless its next step is due in the
    /// future); `None`: no limit.
    pub max_idle_days: Option<u32>,
    /// Per-stage limits replacing `max_idle_days`.
    pub idle_days_by_stage: Vec<(StageId, u32)>,
    /// A lost lead needs its reason (and a note for "other").
    pub close_reason_required: bool,
    /// Fields a lead needs to enter a stage, on top of the stage's own entry criteria.
    pub exit_criteria: Vec<(StageId, Vec<Criterion>)>,
    pub escalation: Escalation,
    pub calendar: BusinessCalendar,
    /// The pipeline's lost stages (from the stages when the policy is resolved; not part of
    /// the saved rules).
    #[serde(default)]
    pub lost_stages: Vec<StageId>,
    /// The stages' own stale limits, in days (from the stages when the policy is resolved;
    /// `idle_days_by_stage` overrides them).
    #[serde(default)]
    pub stage_idle_days: Vec<(StageId, u32)>,
    /// The custom fields (by key) a lead needs in each stage (from the field definitions when
    /// the policy is resolved): part of "complete data".
    #[serde(default)]
    pub stage_fields: Vec<(StageId, Vec<String>)>,
}

/// The policies in force: the organisation default and the teams' overrides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Policies {
    pub org: Policy,
    pub teams: Vec<(TeamId, Policy)>,
}

impl Policies {
    /// The rules for a lead of `team` (the organisation's when the team has none).
    pub fn for_team(&self, team: Option<TeamId>) -> &Policy {
        team.and_then(|t| self.teams.iter().find(|(id, _)| *id == t))
            .map_or(&self.org, |(_, p)| p)
    }
}

/// What happens while a breach lasts, in business minutes after it began.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Escalation {
    pub remind_rep_after: Option<u32>,
    pub alert_manager_after: Option<u32>,
    /// Give the lead to another rep of the team, round robin.
    pub reassign_after: Option<u32>,
}

impl Policy {
    /// The organisation default of a new installation: first touch within 4 business hours,
    /// a next step on every open lead, stale after 14 days, a reason on every loss.
    pub fn default_for(calendar: BusinessCalendar) -> Policy {
        Policy {
            name: "Organisation default".into(),
            version: 1,
            first_touch_minutes: Some(4 * 60),
            first_touch_by_source: Vec::new(),
            at_risk_percent: 75,
            next_step_required: true,
            max_idle_days: Some(14),
            idle_days_by_stage: Vec::new(),
            close_reason_required: true,
            exit_criteria: Vec::new(),
            escalation: Escalation {
                remind_rep_after: Some(0),
                alert_manager_after: Some(4 * 60),
                reassign_after: None,
            },
            calendar,
            lost_stages: Vec::new(),
            stage_idle_days: Vec::new(),
            stage_fields: Vec::new(),
        }
    }

    /// The SLA for a lead from `source`, in business minutes.
    pub fn first_touch_for(&self, source: i64) -> Option<u32> {
        self.first_touch_by_source
            .iter()
            .find(|(s, _)| *s == source)
            .map(|(_, m)| *m)
            .or(self.first_touch_minutes)
    }

    /// The next step a new lead from `source` arriving at `at` starts with: a first call, due
    /// when its first-touch time runs out (a day later when the policy sets no SLA), so a
    /// fresh lead is never without a plan.
    pub fn first_step(&self, source: i64, at: Timestamp) -> NextStep {
        let due_at = self
            .first_touch_for(source)
            .and_then(|m| self.calendar.add_business_ms(at, i64::from(m) * MINUTE_MS))
            .unwrap_or(at.plus_days(1));
        NextStep {
            kind: NextStepKind::Call,
            due_at,
            note: Some("First contact".into()),
        }
    }

    /// The stages with an idle limit of their own, in days: the policy's for the stage, else
    /// the stage's own (the general limit applies to the rest).
    pub fn idle_days_per_stage(&self) -> Vec<(StageId, u32)> {
        let mut out = self.idle_days_by_stage.clone();
        for (s, d) in &self.stage_idle_days {
            if !out.iter().any(|(o, _)| o == s) {
                out.push((*s, *d));
            }
        }
        out
    }

    /// The idle limit of a stage, in days: the policy's for the stage, else the stage's own,
    /// else the policy's general one.
    pub fn idle_days_for(&self, stage: StageId) -> Option<u32> {
        self.idle_days_by_stage
            .iter()
            .chain(&self.stage_idle_days)
            .find(|(s, _)| *s == stage)
            .map(|(_, d)| *d)
            .or(self.max_idle_days)
    }

    /// Checks the rules make sense; the error names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.name.trim().is_empty() {
            return Err(("name", "Give the policy a name".into()));
        }
        if !(1..=100).contains(&self.at_risk_percent) {
            return Err(("at_risk_percent", "Between 1 and 100".into()));
        }
        let sla = self
            .first_touch_minutes
            .iter()
            .chain(self.first_touch_by_source.iter().map(|(_, m)| m));
        for &m in sla {
            if m == 0 || m > 60 * 24 * 30 {
                return Err((
                    "first_touch_minutes",
                    "Between 1 minute and 30 days of business time".into(),
                ));
            }
        }
        let idle = self
            .max_idle_days
            .iter()
            .chain(self.idle_days_by_stage.iter().map(|(_, d)| d));
        for &d in idle {
            if d == 0 || d > 365 {
                return Err(("max_idle_days", "Between 1 and 365 days".into()));
            }
        }
        let e = &self.escalation;
        if let (Some(a), Some(b)) = (e.remind_rep_after, e.alert_manager_after) {
            if b < a {
                return Err((
                    "alert_manager_after",
                    "The manager is alerted after the rep is reminded, not before".into(),
                ));
            }
        }
        if let (Some(a), Some(b)) = (e.alert_manager_after, e.reassign_after) {
            if b < a {
                return Err((
                    "reassign_after",
                    "A lead is reassigned after the manager is alerted, not before".into(),
                ));
            }
        }
        self.calendar.validate()
    }
}

/// What a lead breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum FindingKind {
    /// Untouched, and most of the first-touch time is used up.
    SlaAtRisk,
    /// Untouched past the first-touch time.
    SlaBreached,
    NextStepMissing,
    NextStepOverdue,
    /// No touch for longer than the stage allows, and no next step due later.
    Stale,
    /// Lost without a reason (or "other" without a note).
    CloseReasonMissing,
    /// In a stage without a field the policy requires there.
    ExitCriterion(Criterion),
}

impl FindingKind {
    /// A stable key for storage and URLs.
    pub fn key(self) -> &'static str {
        match self {
            FindingKind::SlaAtRisk => "sla_at_risk",
            FindingKind::SlaBreached => "sla_breached",
            FindingKind::NextStepMissing => "next_step_missing",
            FindingKind::NextStepOverdue => "next_step_overdue",
            FindingKind::Stale => "stale",
            FindingKind::CloseReasonMissing => "close_reason_missing",
            FindingKind::ExitCriterion(Criterion::Value) => "exit_value",
            FindingKind::ExitCriterion(Criterion::NextStep) => "exit_next_step",
            FindingKind::ExitCriterion(Criterion::Contact) => "exit_contact",
            FindingKind::ExitCriterion(Criterion::CloseDate) => "exit_close_date",
        }
    }

    /// The kind stored under `key` (see [`FindingKind::key`]).
    pub fn parse(key: &str) -> Option<FindingKind> {
        [
            FindingKind::SlaAtRisk,
            FindingKind::SlaBreached,
            FindingKind::NextStepMissing,
            FindingKind::NextStepOverdue,
            FindingKind::Stale,
            FindingKind::CloseReasonMissing,
        ]
        .into_iter()
        .chain(Criterion::ALL.map(FindingKind::ExitCriterion))
        .find(|k| k.key() == key)
    }

    /// The badge text on a card.
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::SlaAtRisk => "SLA at risk",
            FindingKind::SlaBreached => "SLA breached",
            FindingKind::NextStepMissing => "No next step",
            FindingKind::NextStepOverdue => "Next step overdue",
            FindingKind::Stale => "Stale",
            FindingKind::CloseReasonMissing => "No close reason",
            FindingKind::ExitCriterion(_) => "Missing for this stage",
        }
    }

    /// The lead field a person fixes it in.
    pub fn field(self) -> &'static str {
        match self {
            FindingKind::SlaAtRisk | FindingKind::SlaBreached | FindingKind::Stale => "activity",
            FindingKind::NextStepMissing | FindingKind::NextStepOverdue => "next_step",
            FindingKind::CloseReasonMissing => "close_reason",
            FindingKind::ExitCriterion(c) => c.field(),
        }
    }
}

/// One thing a lead breaks at an instant, under one policy version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Finding {
    pub kind: FindingKind,
    pub message: String,
    /// When the breach began (or, for "at risk", when the SLA runs out).
    pub at: Timestamp,
    pub policy_version: i64,
}

/// When the first-touch clock of `lead` started. Leads are assigned as they arrive today, so
/// that is their arrival; routing rules (intake) will record a later assignment.
fn clock_start(lead: &Lead) -> Timestamp {
    lead.created_at
}

/// Everything `lead` breaks under `policy` at `now`, most urgent first.
pub fn evaluate(policy: &Policy, lead: &Lead, now: Timestamp) -> Vec<Finding> {
    let mut out = Vec::new();
    let v = policy.version;
    let mut push = |kind: FindingKind, message: String, at: Timestamp| {
        out.push(Finding {
            kind,
            message,
            at,
            policy_version: v,
        })
    };
    if lead.closed_at.is_some() {
        let lost = policy.lost_stages.contains(&lead.stage_id);
        if policy.close_reason_required && lost && without_reason(lead) {
            push(
                FindingKind::CloseReasonMissing,
                "Lost without a reason: say why".into(),
                lead.closed_at.unwrap_or(now),
            );
        }
        return out;
    }

    // First touch.
    if let (None, Some(minutes)) = (
        lead.first_touched_at,
        policy.first_touch_for(lead.source_id),
    ) {
        let start = clock_start(lead);
        let limit = i64::from(minutes) * MINUTE_MS;
        let deadline = policy
            .calendar
            .add_business_ms(start, limit)
            .unwrap_or(Timestamp(i64::MAX));
        // The deadline is the first instant with `limit` of business time behind it, so a
        // lead past it is breached without walking every day since it arrived.
        let used = if now >= deadline {
            limit
        } else {
            policy.calendar.business_ms(start, now)
        };
        if used >= limit {
            push(
                FindingKind::SlaBreached,
                format!("Not contacted within {}", business_duration(minutes)),
                deadline,
            );
        } else if used * 100 >= limit * i64::from(policy.at_risk_percent) {
            push(
                FindingKind::SlaAtRisk,
                format!(
                    "First contact due within {}",
                    business_duration(((limit - used) / MINUTE_MS).max(1) as u32)
                ),
                deadline,
            );
        }
    }

    // Next step.
    match &lead.next_step {
        None if policy.next_step_required => push(
            FindingKind::NextStepMissing,
            "No next step: plan one".into(),
            lead.updated_at,
        ),
        Some(step) if step.due_at < now => push(
            FindingKind::NextStepOverdue,
            format!("{} was due", step.kind.label()),
            step.due_at,
        ),
        _ => {}
    }

    // Staleness: a next step due later means someone is on it.
    if let Some(days) = policy.idle_days_for(lead.stage_id) {
        let last = lead
            .last_touched_at
            .unwrap_or(lead.created_at)
            .max(lead.stage_entered_at);
        let since = last.plus_days(i64::from(days));
        let planned = lead.next_step.as_ref().is_some_and(|s| s.due_at > now);
        if now >= since && !planned {
            push(
                FindingKind::Stale,
                format!("No touch for {} days", (now.0 - last.0) / DAY_MS),
                since,
            );
        }
    }

    // Fields the policy requires in this stage.
    for c in policy
        .exit_criteria
        .iter()
        .filter(|(s, _)| *s == lead.stage_id)
        .flat_map(|(_, cs)| cs)
    {
        if !c.holds(lead) {
            push(
                FindingKind::ExitCriterion(*c),
                format!("This stage needs {}", c.requirement()),
                lead.stage_entered_at,
            );
        }
    }
    out
}

/// The first instant after `now` at which `evaluate(policy, lead, ·)` may find other kinds of
/// finding than it finds at `now`, if nobody touches the lead; `None` when only a write can
/// change them (a closed lead, or an open one whose every clock has run out). The sweep
/// judges a lead again then and not before. It may name an instant at which nothing changes
/// after all (a lead only judged once more), never one later than a change.
pub fn next_change(policy: &Policy, lead: &Lead, now: Timestamp) -> Option<Timestamp> {
    if lead.closed_at.is_some() {
        return None;
    }
    let mut next: Option<Timestamp> = None;
    let mut consider = |t: Timestamp| {
        if t > now && next.is_none_or(|n| t < n) {
            next = Some(t);
        }
    };
    // First touch: "at risk" from its share of the limit on, "breached" from the deadline.
    if let (None, Some(minutes)) = (
        lead.first_touched_at,
        policy.first_touch_for(lead.source_id),
    ) {
        let start = clock_start(lead);
        let limit = i64::from(minutes) * MINUTE_MS;
        let risk = (limit * i64::from(policy.at_risk_percent) + 99) / 100;
        for ms in [risk, limit] {
            if let Some(t) = policy.calendar.add_business_ms(start, ms) {
                consider(t);
            }
        }
    }
    // A next step keeps the lead from going stale until its due instant, and is overdue from
    // just after it.
    if let Some(step) = &lead.next_step {
        consider(step.due_at);
        consider(Timestamp(step.due_at.0.saturating_add(1)));
    }
    if let Some(days) = policy.idle_days_for(lead.stage_id) {
        let last = lead
            .last_touched_at
            .unwrap_or(lead.created_at)
            .max(lead.stage_entered_at);
        consider(last.plus_days(i64::from(days)));
    }
    next
}

/// When the next rung of `policy`'s ladder above `reached` falls due for a breach that began
/// at `began`: the earliest deadline among the rungs not yet taken; `None` when none is left.
pub fn next_rung_at(policy: &Policy, began: Timestamp, reached: i64) -> Option<Timestamp> {
    let e = &policy.escalation;
    EscalationStep::ALL
        .into_iter()
        .filter(|step| step.number() > reached)
        .filter_map(|step| match step {
            EscalationStep::RemindRep => e.remind_rep_after,
            EscalationStep::AlertManager => e.alert_manager_after,
            EscalationStep::Reassign => e.reassign_after,
        })
        .filter_map(|m| {
            policy
                .calendar
                .add_business_ms(began, i64::from(m) * MINUTE_MS)
        })
        .min()
}

fn without_reason(lead: &Lead) -> bool {
    match lead.close_reason {
        None => true,
        Some(CloseReason::Other) => lead
            .close_note
            .as_deref()
            .is_none_or(|n| n.trim().is_empty()),
        Some(_) => false,
    }
}

/// The findings a write may not leave behind: a next step missing on an open lead (when
/// required), a loss without a reason, a field the policy requires in the lead's new stage.
/// Clocks (SLA, staleness, an overdue step) never block a write: the write is how they clear.
///
/// A stage change or a logged touch is working the lead, so it must leave the lead compliant
/// with all of those. Any other write (a corrected phone number) is refused only for what it
/// breaks itself: a gap the lead already had does not stop a rep from fixing a typo.
pub fn check_write(policy: &Policy, before: &Lead, after: &Lead, now: Timestamp) -> Vec<Finding> {
    let moved = before.stage_id != after.stage_id || before.closed_at != after.closed_at;
    let worked = moved || before.last_touched_at != after.last_touched_at;
    let had: Vec<FindingKind> = if worked {
        Vec::new()
    } else {
        evaluate(policy, before, now)
            .into_iter()
            .map(|f| f.kind)
            .collect()
    };
    evaluate(policy, after, now)
        .into_iter()
        .filter(|f| blocks_a_write(f.kind) && !had.contains(&f.kind))
        .collect()
}

/// What a write that works a lead (a move, a touch, a merge of a duplicate into it) may not
/// leave behind, whatever the lead had before: [`check_write`] for such a write.
pub fn check_worked(policy: &Policy, lead: &Lead, now: Timestamp) -> Vec<Finding> {
    evaluate(policy, lead, now)
        .into_iter()
        .filter(|f| blocks_a_write(f.kind))
        .collect()
}

/// What a lead needs to be in `stage` under `policy`, on top of the stage's own entry criteria
/// (so a column can list every rule a drop there is judged by): a next step on every open
/// lead, the fields the policy requires there, a reason on a loss. Requirements the stage
/// already has are left out.
pub fn entry_requirements(policy: &Policy, stage: &Stage) -> Vec<&'static str> {
    let mut needs: Vec<&'static str> = Vec::new();
    let mut add = |need: &'static str| {
        let stage_has = stage.entry_criteria.iter().any(|c| c.requirement() == need);
        if !stage_has && !needs.contains(&need) {
            needs.push(need);
        }
    };
    if stage.kind == StageKind::Open && policy.next_step_required {
        add(Criterion::NextStep.requirement());
    }
    for (_, criteria) in policy.exit_criteria.iter().filter(|(s, _)| *s == stage.id) {
        for c in criteria {
            add(c.requirement());
        }
    }
    if stage.kind == StageKind::Lost && policy.close_reason_required {
        add("a close-out reason");
    }
    needs
}

/// The words a refused write answers with: the first thing it would break and the policy
/// that says so ("No next step: plan one (Organisation default policy)").
pub fn refusal_message(policy: &Policy, broken: &[Finding]) -> Option<String> {
    broken
        .first()
        .map(|f| format!("{} ({} policy)", f.message, policy.name))
}

/// The findings a write is refused for (clocks never are).
fn blocks_a_write(kind: FindingKind) -> bool {
    matches!(
        kind,
        FindingKind::NextStepMissing
            | FindingKind::CloseReasonMissing
            | FindingKind::ExitCriterion(_)
    )
}

/// A rung of the escalation ladder, in the order they are climbed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum EscalationStep {
    RemindRep = 1,
    AlertManager = 2,
    Reassign = 3,
}

impl EscalationStep {
    pub const ALL: [EscalationStep; 3] = [
        EscalationStep::RemindRep,
        EscalationStep::AlertManager,
        EscalationStep::Reassign,
    ];

    /// The number stored with a finding (0 is "not escalated").
    pub fn number(self) -> i64 {
        self as i64
    }

    pub fn key(self) -> &'static str {
        match self {
            EscalationStep::RemindRep => "remind_rep",
            EscalationStep::AlertManager => "alert_manager",
            EscalationStep::Reassign => "reassign",
        }
    }
}

/// The rungs of `policy`'s ladder a breach that began at `began` has reached by `now` (in the
/// team's business time) beyond `reached` (the number of the last rung taken), lowest first.
/// A rung the policy leaves empty is never due.
pub fn escalation_due(
    policy: &Policy,
    began: Timestamp,
    now: Timestamp,
    reached: i64,
) -> Vec<EscalationStep> {
    let e = &policy.escalation;
    EscalationStep::ALL
        .into_iter()
        .filter(|step| step.number() > reached && now >= began)
        .filter(|step| {
            let after = match step {
                EscalationStep::RemindRep => e.remind_rep_after,
                EscalationStep::AlertManager => e.alert_manager_after,
                EscalationStep::Reassign => e.reassign_after,
            };
            // Due once `after` of business time has passed: from the rung's own deadline, so
            // an old breach costs no walk over every day since it began.
            after.is_some_and(|m| {
                policy
                    .calendar
                    .add_business_ms(began, i64::from(m) * MINUTE_MS)
                    .is_some_and(|due| now >= due)
            })
        })
        .collect()
}

/// `4 business hours`, `45 business minutes`, `7 h 30 min of business time`.
/// When the lead was first touched and how that stood against its first-touch SLA, for a
/// list of leads: "Dec 3 · after 2 h 10 min of business time · 1 h 10 min late".
pub fn first_touch_text(policy: &Policy, lead: &Lead, now: Timestamp) -> String {
    let start = clock_start(lead);
    let limit = policy
        .first_touch_for(lead.source_id)
        .map(|m| i64::from(m) * MINUTE_MS);
    let minutes = |ms: i64| {
        u32::try_from(ms.max(0) / MINUTE_MS)
            .unwrap_or(u32::MAX)
            .max(1)
    };
    match lead.first_touched_at {
        Some(at) => {
            let took = policy.calendar.business_ms(start, at);
            let mut text = format!(
                "{} · after {}",
                at.short_date(0),
                business_duration(minutes(took))
            );
            if let Some(limit) = limit {
                if took > limit {
                    text.push_str(&format!(
                        " · {} late",
                        short_duration(minutes(took - limit))
                    ));
                } else {
                    text.push_str(" · in time");
                }
            }
            text
        }
        None => match limit {
            None => "Not yet".into(),
            Some(limit) => {
                let used = policy.calendar.business_ms(start, now);
                if used > limit {
                    format!("Not yet · {} late", short_duration(minutes(used - limit)))
                } else {
                    format!("Not yet · {} left", short_duration(minutes(limit - used)))
                }
            }
        },
    }
}

/// "2 h 10 min", "45 min", "3 h" (business time).
fn short_duration(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn business_duration(minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, 1) => "1 business minute".into(),
        (0, m) => format!("{m} business minutes"),
        (1, 0) => "1 business hour".into(),
        (h, 0) => format!("{h} business hours"),
        (h, m) => format!("{h} h {m} min of business time"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::Hours;
    use crate::domain::lead::Channel;
    use crate::domain::time::days_from_civil;
    use crate::domain::zone::Zone;
    use crate::domain::{LeadId, Money};

    const HOUR: i64 = 3_600_000;
    const OPEN: StageId = StageId(10);
    const QUOTED: StageId = StageId(30);
    const LOST: StageId = StageId(90);

    fn calendar() -> BusinessCalendar {
        let day = Some(Hours {
            open: 9 * 60,
            close: 17 * 60,
        });
        BusinessCalendar {
            zone_name: "America/New_York".into(),
            zone: Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap(),
            week: [day, day, day, day, day, None, None],
            holidays: vec![days_from_civil(2026, 11, 26)], // Thanksgiving
        }
    }

    fn policy() -> Policy {
        let mut p = Policy::default_for(calendar());
        p.exit_criteria = vec![(QUOTED, vec![Criterion::Value])];
        p.lost_stages = vec![LOST];
        p
    }

    #[test]
    fn a_column_lists_the_policys_rules_beside_the_stages_own() {
        let stage = |id: StageId, kind: StageKind, own: Vec<Criterion>| Stage {
            id,
            key: "s".into(),
            name: "S".into(),
            position: 1,
            kind,
            entry_criteria: own,
            pipeline_id: crate::domain::PipelineId(1),
            probability: None,
            stale_days: None,
            retired: false,
        };
        let p = policy();
        // Contacted has no entry rules of its own, yet the policy wants a next step there.
        assert_eq!(
            entry_requirements(&p, &stage(StageId(2), StageKind::Open, vec![])),
            ["a next step"]
        );
        // Quoted: the stage already asks for a next step; the policy adds a value.
        assert_eq!(
            entry_requirements(
                &p,
                &stage(QUOTED, StageKind::Open, vec![Criterion::NextStep])
            ),
            ["an estimated value"]
        );
        assert_eq!(
            entry_requirements(&p, &stage(LOST, StageKind::Lost, vec![])),
            ["a close-out reason"]
        );
        assert!(entry_requirements(&p, &stage(StageId(9), StageKind::Won, vec![])).is_empty());
        let mut relaxed = p.clone();
        relaxed.next_step_required = false;
        assert!(
            entry_requirements(&relaxed, &stage(StageId(2), StageKind::Open, vec![])).is_empty()
        );
    }

    /// New York wall-clock time.
    fn ny(m: u32, d: u32, h: i64, min: i64) -> Timestamp {
        Timestamp(
            calendar()
                .zone
                .to_utc(days_from_civil(2026, m, d) * DAY_MS + h * HOUR + min * 60_000),
        )
    }

    fn lead(created: Timestamp) -> Lead {
        Lead {
            fields: Default::default(),
            id: LeadId(1),
            version: 1,
            contact_name: "Ana Ruiz".into(),
            email: Some("ana@example.com".into()),
            phone: None,
            company: Some("Acme".into()),
            channel: Channel::Web,
            source_id: 1,
            source_name: "Web form".into(),
            campaign_id: None,
            campaign_name: None,
            product_interest: None,
            value: None,
            score: None,
            owner: None,
            team_id: None,
            stage_id: OPEN,
            next_step: Some(NextStep {
                kind: NextStepKind::Call,
                due_at: created.plus_days(1),
                note: None,
            }),
            created_at: created,
            updated_at: created,
            first_touched_at: None,
            last_touched_at: None,
            stage_entered_at: created,
            closed_at: None,
            close_reason: None,
            close_note: None,
            score_reasons: Vec::new(),
            suggest_close: None,
            expected_close: None,
            committed: false,
        }
    }

    fn kinds(f: &[Finding]) -> Vec<FindingKind> {
        f.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn the_first_touch_reads_when_and_how_late_in_business_time() {
        let p = policy();
        let mut l = lead(ny(11, 30, 9, 0));
        l.first_touched_at = Some(ny(11, 30, 11, 30));
        let text = first_touch_text(&p, &l, ny(12, 1, 9, 0));
        assert!(
            text.ends_with("after 2 h 30 min of business time · in time"),
            "{text}"
        );
        // Touched the next morning: 8 business hours of the day, then one more: 5 h late.
        l.first_touched_at = Some(ny(12, 1, 10, 0));
        let text = first_touch_text(&p, &l, ny(12, 1, 12, 0));
        assert!(
            text.ends_with("after 9 business hours · 5 h late"),
            "{text}"
        );
        l.first_touched_at = None;
        assert_eq!(
            first_touch_text(&p, &l, ny(11, 30, 10, 0)),
            "Not yet · 3 h left"
        );
        assert_eq!(
            first_touch_text(&p, &l, ny(11, 30, 14, 15)),
            "Not yet · 1 h 15 min late"
        );
    }

    #[test]
    fn sla_clock_table() {
        use FindingKind::*;
        // (arrived, evaluated, expected first-touch finding) with a 4 business-hour SLA,
        // 75% at risk, New York hours 09:00–17:00 Mon–Fri, Thanksgiving closed.
        let cases: &[(&str, Timestamp, Timestamp, Option<FindingKind>)] = &[
            ("fresh", ny(11, 30, 9, 0), ny(11, 30, 11, 0), None),
            (
                "at risk after 3 h",
                ny(11, 30, 9, 0),
                ny(11, 30, 12, 0),
                Some(SlaAtRisk),
            ),
            (
                "breached after 4 h",
                ny(11, 30, 9, 0),
                ny(11, 30, 13, 0),
                Some(SlaBreached),
            ),
            // Friday 16:59: one minute on Friday, the weekend does not count.
            (
                "Friday 16:59, Sunday",
                ny(11, 27, 16, 59),
                ny(11, 29, 20, 0),
                None,
            ),
            (
                "Friday 16:59, Monday 11:58",
                ny(11, 27, 16, 59),
                ny(11, 30, 11, 58),
                None,
            ),
            (
                "Friday 16:59, Monday 11:59",
                ny(11, 27, 16, 59),
                ny(11, 30, 11, 59),
                Some(SlaAtRisk),
            ),
            (
                "Friday 16:59, Monday 12:59",
                ny(11, 27, 16, 59),
                ny(11, 30, 12, 59),
                Some(SlaBreached),
            ),
            // Wednesday before Thanksgiving 16:00: 1 h Wed, Thursday closed, 3 h Friday.
            (
                "across the holiday",
                ny(11, 25, 16, 0),
                ny(11, 27, 11, 59),
                Some(SlaAtRisk),
            ),
            (
                "holiday then due",
                ny(11, 25, 16, 0),
                ny(11, 27, 12, 0),
                Some(SlaBreached),
            ),
            // Clocks go back on Sunday 2026-11-01; Friday 15:00 + 4 h = Monday 11:00 EST.
            (
                "over the DST change",
                ny(10, 30, 15, 0),
                ny(11, 2, 10, 59),
                Some(SlaAtRisk),
            ),
            (
                "due after the DST change",
                ny(10, 30, 15, 0),
                ny(11, 2, 11, 0),
                Some(SlaBreached),
            ),
        ];
        for (name, arrived, now, want) in cases {
            let found: Vec<_> = evaluate(&policy(), &lead(*arrived), *now)
                .into_iter()
                .map(|f| f.kind)
                .filter(|k| matches!(k, SlaAtRisk | SlaBreached))
                .collect();
            assert_eq!(found, want.iter().copied().collect::<Vec<_>>(), "{name}");
        }
    }

    #[test]
    fn a_breach_is_dated_when_the_sla_ran_out_and_carries_the_policy_version() {
        let mut p = policy();
        p.version = 7;
        let f = evaluate(&p, &lead(ny(11, 27, 16, 59)), ny(12, 1, 9, 0));
        let breach = f
            .iter()
            .find(|f| f.kind == FindingKind::SlaBreached)
            .unwrap();
        assert_eq!(breach.at, ny(11, 30, 12, 59));
        assert_eq!(breach.policy_version, 7);
        assert_eq!(breach.message, "Not contacted within 4 business hours");
    }

    #[test]
    fn a_touched_lead_has_no_sla_finding_and_sources_can_have_their_own_sla() {
        let mut l = lead(ny(11, 30, 9, 0));
        l.first_touched_at = Some(ny(11, 30, 15, 0));
        assert!(evaluate(&policy(), &l, ny(12, 1, 9, 0)).is_empty());
        let mut p = policy();
        p.first_touch_by_source = vec![(1, 30)];
        let f = evaluate(&p, &lead(ny(11, 30, 9, 0)), ny(11, 30, 9, 31));
        assert_eq!(kinds(&f), vec![FindingKind::SlaBreached]);
        p.first_touch_minutes = None;
        p.first_touch_by_source.clear();
        assert!(evaluate(&p, &lead(ny(11, 30, 9, 0)), ny(12, 30, 9, 0))
            .iter()
            .all(|f| !matches!(f.kind, FindingKind::SlaBreached | FindingKind::SlaAtRisk)));
    }

    #[test]
    fn next_step_missing_and_overdue() {
        let t = ny(11, 30, 9, 0);
        let mut l = lead(t);
        l.first_touched_at = Some(t);
        l.next_step = None;
        assert_eq!(
            kinds(&evaluate(&policy(), &l, t)),
            vec![FindingKind::NextStepMissing]
        );
        let mut p = policy();
        p.next_step_required = false;
        assert!(evaluate(&p, &l, t).is_empty());
        l.next_step = Some(NextStep {
            kind: NextStepKind::Email,
            due_at: t.plus_days(1),
            note: None,
        });
        assert!(evaluate(&policy(), &l, t).is_empty());
        let late = evaluate(&policy(), &l, t.plus_days(2));
        assert_eq!(kinds(&late), vec![FindingKind::NextStepOverdue]);
        assert_eq!(late[0].at, t.plus_days(1));
    }

    #[test]
    fn a_future_next_step_suppresses_stale() {
        let t = ny(11, 2, 9, 0);
        let mut l = lead(t);
        l.first_touched_at = Some(t);
        l.last_touched_at = Some(t);
        // 15 days without a touch, next step due tomorrow: someone is on it.
        let now = t.plus_days(15);
        l.next_step = Some(NextStep {
            kind: NextStepKind::Call,
            due_at: now.plus_days(1),
            note: None,
        });
        assert!(evaluate(&policy(), &l, now).is_empty());
        // The same lead with the step in the past is stale and overdue.
        l.next_step.as_mut().unwrap().due_at = now.plus_days(-1);
        let f = evaluate(&policy(), &l, now);
        assert_eq!(
            kinds(&f),
            vec![FindingKind::NextStepOverdue, FindingKind::Stale]
        );
        assert_eq!(f[1].at, t.plus_days(14));
        assert_eq!(f[1].message, "No touch for 15 days");
        // A stage limit replaces the default one.
        let mut p = policy();
        p.idle_days_by_stage = vec![(OPEN, 30)];
        assert_eq!(
            kinds(&evaluate(&p, &l, now)),
            vec![FindingKind::NextStepOverdue]
        );
    }

    #[test]
    fn exit_criteria_apply_to_leads_in_their_stage() {
        let t = ny(11, 30, 9, 0);
        let mut l = lead(t);
        l.first_touched_at = Some(t);
        l.stage_id = QUOTED;
        assert_eq!(
            kinds(&evaluate(&policy(), &l, t)),
            vec![FindingKind::ExitCriterion(Criterion::Value)]
        );
        l.value = Some(Money::new(120_000, crate::domain::Currency::USD));
        assert!(evaluate(&policy(), &l, t).is_empty());
    }

    #[test]
    fn closed_leads_need_only_their_close_reason() {
        let t = ny(11, 30, 9, 0);
        let mut l = lead(t);
        l.next_step = None;
        l.closed_at = Some(t);
        l.stage_id = LOST;
        l.close_reason = None;
        let f = evaluate(&policy(), &l, t.plus_days(100));
        assert_eq!(kinds(&f), vec![FindingKind::CloseReasonMissing]);
        l.close_reason = Some(CloseReason::Other);
        l.close_note = Some("  ".into());
        assert_eq!(
            kinds(&evaluate(&policy(), &l, t)),
            vec![FindingKind::CloseReasonMissing]
        );
        l.close_note = Some("Went with a reseller".into());
        assert!(evaluate(&policy(), &l, t).is_empty());
        l.close_reason = Some(CloseReason::NoBudget);
        l.close_note = None;
        assert!(evaluate(&policy(), &l, t).is_empty());
        // Won leads have no close reason to give.
        l.stage_id = StageId(80);
        l.close_reason = None;
        assert!(evaluate(&policy(), &l, t).is_empty());
    }

    #[test]
    fn writes_are_blocked_only_by_what_they_can_fix() {
        let t = ny(11, 30, 9, 0);
        let before = lead(t);
        // A breached SLA does not block the call that clears it.
        let mut after = before.clone();
        after.first_touched_at = Some(t.plus_days(3));
        assert!(check_write(&policy(), &before, &after, t.plus_days(3)).is_empty());
        // Clearing the next step is refused.
        let mut after = before.clone();
        after.next_step = None;
        let f = check_write(&policy(), &before, &after, t);
        assert_eq!(kinds(&f), vec![FindingKind::NextStepMissing]);
        assert_eq!(f[0].kind.field(), "next_step");
        // Moving into Quoted without a value is refused; staying there without one is not.
        let mut after = before.clone();
        after.stage_id = QUOTED;
        assert_eq!(
            kinds(&check_write(&policy(), &before, &after, t)),
            vec![FindingKind::ExitCriterion(Criterion::Value)]
        );
        let mut quoted = before.clone();
        quoted.stage_id = QUOTED;
        let mut edited = quoted.clone();
        edited.phone = Some("+1 212 555 0100".into());
        assert!(check_write(&policy(), &quoted, &edited, t).is_empty());
        // ...but removing the value there is.
        let mut valued = quoted.clone();
        valued.value = Some(Money::new(50_000, crate::domain::Currency::USD));
        let mut cleared = valued.clone();
        cleared.value = None;
        assert_eq!(
            kinds(&check_write(&policy(), &valued, &cleared, t)),
            vec![FindingKind::ExitCriterion(Criterion::Value)]
        );
        // A lead without a next step: a typo fix goes through, a logged call must plan one,
        // and so must a move.
        let mut bare = before.clone();
        bare.next_step = None;
        let mut typo = bare.clone();
        typo.phone = Some("+1 212 555 0101".into());
        assert!(check_write(&policy(), &bare, &typo, t).is_empty());
        let mut called = bare.clone();
        called.last_touched_at = Some(t);
        called.first_touched_at = Some(t);
        assert_eq!(
            kinds(&check_write(&policy(), &bare, &called, t)),
            vec![FindingKind::NextStepMissing]
        );
        let mut moved = bare.clone();
        moved.stage_id = StageId(20);
        assert_eq!(
            kinds(&check_write(&policy(), &bare, &moved, t)),
            vec![FindingKind::NextStepMissing]
        );
    }

    #[test]
    fn a_new_lead_starts_with_a_first_call_due_when_its_sla_runs_out() {
        // Friday 16:00 in New York with a 4-hour SLA: one hour left on Friday, three on Monday.
        let fri = ny(11, 27, 16, 0);
        let step = policy().first_step(1, fri);
        assert_eq!(step.kind, NextStepKind::Call);
        assert_eq!(step.due_at, ny(11, 30, 12, 0));
        assert!(evaluate(&policy(), &lead(fri), fri).is_empty());
        // No SLA: due a day later.
        let mut p = policy();
        p.first_touch_minutes = None;
        assert_eq!(p.first_step(1, fri).due_at, fri.plus_days(1));
    }

    #[test]
    fn every_finding_kind_reads_back_from_its_stored_key() {
        for k in [FindingKind::SlaBreached, FindingKind::Stale]
            .into_iter()
            .chain(Criterion::ALL.map(FindingKind::ExitCriterion))
        {
            assert_eq!(FindingKind::parse(k.key()), Some(k));
        }
        assert_eq!(FindingKind::parse("nonsense"), None);
    }

    #[test]
    fn the_ladder_is_climbed_in_business_time_one_rung_at_a_time() {
        let mut p = policy();
        p.escalation = Escalation {
            remind_rep_after: Some(0),
            alert_manager_after: Some(4 * 60),
            reassign_after: Some(8 * 60),
        };
        // A breach at Friday 15:00 New York time.
        let began = ny(11, 27, 15, 0);
        use EscalationStep::*;
        assert_eq!(escalation_due(&p, began, began, 0), vec![RemindRep]);
        // Friday 17:00 is two business hours on; the weekend adds none.
        assert_eq!(escalation_due(&p, began, ny(11, 29, 12, 0), 1), vec![]);
        // Monday 11:00: four business hours: the manager is alerted, once.
        assert_eq!(
            escalation_due(&p, began, ny(11, 30, 11, 0), 1),
            vec![AlertManager]
        );
        assert_eq!(escalation_due(&p, began, ny(11, 30, 11, 0), 2), vec![]);
        // A sweep that missed a day takes every rung due, in order.
        assert_eq!(
            escalation_due(&p, began, ny(12, 2, 9, 0), 0),
            vec![RemindRep, AlertManager, Reassign]
        );
        // Empty rungs are skipped.
        p.escalation.reassign_after = None;
        assert_eq!(escalation_due(&p, began, ny(12, 2, 9, 0), 2), vec![]);
    }

    mod clocks {
        //! `next_change` and `next_rung_at` promise the sweep that nothing changes before the
        //! instant they name; checked over random leads, policies and instants.
        use super::*;
        use proptest::prelude::*;

        const MIN: i64 = 60_000;

        #[allow(clippy::too_many_arguments)]
        fn judged(
            created: i64,
            touched: Option<i64>,
            step: Option<i64>,
            last: Option<i64>,
            quoted: bool,
            from_fair: bool,
            valued: bool,
        ) -> Lead {
            let created = Timestamp(ny(11, 2, 0, 0).0 + created * MIN);
            let mut l = lead(created);
            l.first_touched_at = touched.map(|m| Timestamp(created.0 + m * MIN));
            l.last_touched_at = last.map(|m| Timestamp(created.0 + m * MIN));
            l.next_step = step.map(|m| NextStep {
                kind: NextStepKind::Call,
                due_at: Timestamp(created.0 + m * MIN),
                note: None,
            });
            if quoted {
                l.stage_id = QUOTED;
                l.stage_entered_at = Timestamp(created.0 + 90 * MIN);
            }
            l.source_id = if from_fair { 2 } else { 1 };
            l.value = valued.then(|| Money::new(5_000, crate::domain::Currency::USD));
            l
        }

        fn rules(sla: u32, fair_sla: u32, idle: u32, quoted_idle: u32, risk: u8) -> Policy {
            let mut p = policy();
            p.first_touch_minutes = Some(sla);
            p.first_touch_by_source = vec![(2, fair_sla)];
            p.max_idle_days = Some(idle);
            p.idle_days_by_stage = vec![(QUOTED, quoted_idle)];
            p.at_risk_percent = risk;
            p
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(2_000))]

            #[test]
            fn no_finding_begins_or_ends_before_the_next_change(
                created in 0i64..40 * 24 * 60,
                touched in proptest::option::of(0i64..20 * 24 * 60),
                step in proptest::option::of(-10i64 * 24 * 60..30 * 24 * 60),
                last in proptest::option::of(0i64..20 * 24 * 60),
                quoted in any::<bool>(),
                from_fair in any::<bool>(),
                valued in any::<bool>(),
                sla in 1u32..3_000,
                fair_sla in 1u32..3_000,
                idle in 1u32..30,
                quoted_idle in 1u32..30,
                risk in 1u8..=100,
                after in 0i64..60 * 24 * 60,
                share in 0.0f64..1.0,
            ) {
                let p = rules(sla, fair_sla, idle, quoted_idle, risk);
                let l = judged(created, touched, step, last, quoted, from_fair, valued);
                let now = Timestamp(l.created_at.0 + after * MIN);
                let seen = kinds(&evaluate(&p, &l, now));
                let next = next_change(&p, &l, now);
                if let Some(n) = next {
                    prop_assert!(n > now);
                }
                // Up to the next change (or 90 days on when none is named), the same kinds.
                let end = next.map_or(now.0 + 90 * DAY_MS, |n| n.0);
                let between = now.0 + ((end - now.0) as f64 * share) as i64;
                for t in [now.0 + 1, between, end - 1] {
                    let t = Timestamp(t.clamp(now.0, end - 1));
                    prop_assert_eq!(
                        &kinds(&evaluate(&p, &l, t)),
                        &seen,
                        "at {:?}, next change named {:?}", t, next
                    );
                }
            }

            #[test]
            fn no_rung_falls_due_before_the_next_rung(
                began in 0i64..40 * 24 * 60,
                reached in 0i64..=3,
                remind in proptest::option::of(0u32..600),
                alert in proptest::option::of(0u32..3_000),
                reassign in proptest::option::of(0u32..6_000),
                share in 0.0f64..1.0,
            ) {
                let mut p = policy();
                p.escalation = Escalation {
                    remind_rep_after: remind,
                    alert_manager_after: alert,
                    reassign_after: reassign,
                };
                let began = Timestamp(ny(11, 2, 0, 0).0 + began * MIN);
                match next_rung_at(&p, began, reached) {
                    Some(due) => {
                        prop_assert!(due >= began);
                        let before = began.0 + ((due.0 - began.0) as f64 * share) as i64;
                        if before < due.0 {
                            prop_assert!(escalation_due(&p, began, Timestamp(before), reached).is_empty());
                        }
                        prop_assert!(!escalation_due(&p, began, due, reached).is_empty());
                    }
                    None => prop_assert!(
                        escalation_due(&p, began, began.plus_days(365), reached).is_empty()
                    ),
                }
            }
        }

        #[test]
        fn a_closed_lead_or_one_with_every_clock_run_out_waits_for_a_write() {
            let p = policy();
            let mut l = lead(ny(11, 2, 9, 0));
            l.first_touched_at = Some(ny(11, 2, 10, 0));
            l.next_step = Some(NextStep {
                kind: NextStepKind::Call,
                due_at: ny(11, 3, 9, 0),
                note: None,
            });
            // Overdue and stale a month on: nothing further can change by itself.
            assert_eq!(next_change(&p, &l, ny(12, 20, 9, 0)), None);
            // A day on: the step's due instant (stale could begin there, were it idle long
            // enough), then just after it (overdue).
            assert_eq!(next_change(&p, &l, ny(11, 2, 12, 0)), Some(ny(11, 3, 9, 0)));
            assert_eq!(
                next_change(&p, &l, ny(11, 3, 9, 0)),
                Some(Timestamp(ny(11, 3, 9, 0).0 + 1))
            );
            l.closed_at = Some(ny(11, 4, 9, 0));
            assert_eq!(next_change(&p, &l, ny(11, 2, 12, 0)), None);
        }
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(business_duration(1), "1 business minute");
        assert_eq!(business_duration(45), "45 business minutes");
        assert_eq!(business_duration(60), "1 business hour");
        assert_eq!(business_duration(240), "4 business hours");
        assert_eq!(business_duration(28_292), "471 h 32 min of business time");
    }

    #[test]
    fn policies_with_impossible_rules_are_refused_naming_the_field() {
        let mut p = policy();
        p.at_risk_percent = 0;
        assert_eq!(p.validate().unwrap_err().0, "at_risk_percent");
        let mut p = policy();
        p.first_touch_minutes = Some(0);
        assert_eq!(p.validate().unwrap_err().0, "first_touch_minutes");
        let mut p = policy();
        p.escalation.remind_rep_after = Some(120);
        p.escalation.alert_manager_after = Some(60);
        assert_eq!(p.validate().unwrap_err().0, "alert_manager_after");
        let mut p = policy();
        p.name = " ".into();
        assert_eq!(p.validate().unwrap_err().0, "name");
        assert!(policy().validate().is_ok());
    }
}
