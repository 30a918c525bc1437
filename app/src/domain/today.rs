//! My day: the rep's queue of what to do next, in the order it matters, and the rep's own
//! numbers (commission, the compliance streak).
//!
//! The queue is worked out from the same policy evaluation the server enforces, so a lead is
//! on it exactly when the policy (or its due next step, or its score) says it needs the rep.
//! Each lead appears once, under its most urgent reason.

use super::activity::{apply_next_step, ActivityKind, NextStepChange, QuickPick};
use super::lead::{Lead, NextStepKind};
use super::policy::{evaluate, FindingKind, Policy};
use super::stage::StageKind;
use super::time::{Timestamp, DAY_MS};
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// A new lead at least this promising is "hot" (scores run 0–100).
pub const HOT_SCORE: i64 = 60;
/// How long a lead counts as new for the hot list.
pub const HOT_DAYS: i64 = 7;

/// Why a lead is on the queue, most urgent first (the derive orders them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    SlaBreached,
    SlaAtRisk,
    NextStepOverdue,
    NextStepMissing,
    DueToday,
    Stale,
    Hot,
}

impl Why {
    pub const ALL: [Why; 7] = [
        Why::SlaBreached,
        Why::SlaAtRisk,
        Why::NextStepOverdue,
        Why::NextStepMissing,
        Why::DueToday,
        Why::Stale,
        Why::Hot,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Why::SlaBreached => "First touch overdue",
            Why::SlaAtRisk => "First touch due soon",
            Why::NextStepOverdue => "Next step overdue",
            Why::NextStepMissing => "No next step",
            Why::DueToday => "Due today",
            Why::Stale => "Gone quiet",
            Why::Hot => "Hot new lead",
        }
    }

    /// CSS modifier.
    pub fn class(self) -> &'static str {
        match self {
            Why::SlaBreached => "breached",
            Why::SlaAtRisk => "at-risk",
            Why::NextStepOverdue => "overdue",
            Why::NextStepMissing => "missing",
            Why::DueToday => "today",
            Why::Stale => "stale",
            Why::Hot => "hot",
        }
    }

    /// Whether the rep may push it to later with a reason. A lead waiting for its first touch
    /// cannot be snoozed: the first-touch clock does not stop.
    pub fn snoozable(self) -> bool {
        !matches!(self, Why::SlaBreached | Why::SlaAtRisk)
    }
}

/// What the queue suggests doing about an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "do", content = "kind")]
pub enum Suggestion {
    /// Make this touch and log it.
    Touch(ActivityKind),
    /// Decide what happens next and when.
    PlanNextStep,
    /// Close it out: it looks dead.
    CloseOut,
}

impl Suggestion {
    pub fn text(self) -> String {
        match self {
            Suggestion::Touch(ActivityKind::Call) => "Call now".into(),
            Suggestion::Touch(ActivityKind::Email) => "Send the e-mail".into(),
            Suggestion::Touch(ActivityKind::Meeting) => "Hold the meeting".into(),
            Suggestion::Touch(k) => format!("Log a {}", k.label().to_lowercase()),
            Suggestion::PlanNextStep => "Plan the next step".into(),
            Suggestion::CloseOut => "Close it out".into(),
        }
    }
}

/// One row of the queue.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueueItem {
    pub lead: Lead,
    pub why: Why,
    /// The reason in words ("Untouched 2 h past the 1 h first-touch time").
    pub detail: String,
    pub suggestion: Suggestion,
}

/// The touch that does a planned next step.
fn touch_for(kind: NextStepKind) -> ActivityKind {
    match kind {
        NextStepKind::Email => ActivityKind::Email,
        NextStepKind::Meeting => ActivityKind::Meeting,
        NextStepKind::Call | NextStepKind::SendQuote | NextStepKind::FollowUp => ActivityKind::Call,
    }
}

/// The queue for `leads` (the rep's open leads) at `now`, each judged under `policy_of(lead)`,
/// days counted in a zone `offset_minutes` east of UTC.
///
/// Order: first touch overdue (longest overdue first), first touch due soon (soonest first),
/// next step overdue (longest first), no next step (longest in the stage first), next step
/// due later today (earliest first), gone quiet (quiet longest first), then hot new leads
/// (best score first). Ties go to the older lead.
pub fn queue<'p>(
    leads: &[Lead],
    policy_of: impl Fn(&Lead) -> &'p Policy,
    now: Timestamp,
    offset_minutes: i32,
) -> Vec<QueueItem> {
    let today = now.day_number(offset_minutes);
    // (why, sort key, lead id) per item, to sort once.
    let mut items: Vec<(Why, i64, QueueItem)> = Vec::new();
    for lead in leads.iter().filter(|l| l.closed_at.is_none()) {
        let findings = evaluate(policy_of(lead), lead, now);
        let found = |kind: FindingKind| findings.iter().find(|f| f.kind == kind);
        let step = lead.next_step.as_ref();
        let entry = if let Some(f) = found(FindingKind::SlaBreached) {
            Some((
                Why::SlaBreached,
                f.at.0,
                f.message.clone(),
                Suggestion::Touch(ActivityKind::Call),
            ))
        } else if let Some(f) = found(FindingKind::SlaAtRisk) {
            Some((
                Why::SlaAtRisk,
                f.at.0,
                f.message.clone(),
                Suggestion::Touch(ActivityKind::Call),
            ))
        } else if let (Some(f), Some(s)) = (found(FindingKind::NextStepOverdue), step) {
            let detail = format!(
                "{} was due {}",
                s.kind.label(),
                s.due_at.short_date(offset_minutes)
            );
            Some((
                Why::NextStepOverdue,
                f.at.0,
                detail,
                Suggestion::Touch(touch_for(s.kind)),
            ))
        } else if let Some(f) = found(FindingKind::NextStepMissing) {
            Some((
                Why::NextStepMissing,
                lead.stage_entered_at.0,
                f.message.clone(),
                Suggestion::PlanNextStep,
            ))
        } else if let Some(s) = step.filter(|s| s.due_at.day_number(offset_minutes) <= today) {
            let detail = match &s.note {
                Some(note) => format!("{} today: {note}", s.kind.label()),
                None => format!("{} today", s.kind.label()),
            };
            Some((
                Why::DueToday,
                s.due_at.0,
                detail,
                Suggestion::Touch(touch_for(s.kind)),
            ))
        } else if let Some(f) = found(FindingKind::Stale) {
            let suggestion = if lead.suggest_close.is_some() {
                Suggestion::CloseOut
            } else {
                Suggestion::Touch(ActivityKind::Call)
            };
            let detail = match &lead.suggest_close {
                Some(why) => format!("{}: {why}", f.message),
                None => f.message.clone(),
            };
            Some((Why::Stale, f.at.0, detail, suggestion))
        } else {
            // A promising new lead nobody has called yet (before its first-touch clock flags
            // it, or with no clock at all).
            match lead.score {
                Some(score)
                    if score >= HOT_SCORE
                        && lead.first_touched_at.is_none()
                        && now.0 - lead.created_at.0 < HOT_DAYS * DAY_MS =>
                {
                    let detail = format!(
                        "Score {score}, came in {}",
                        lead.created_at.short_date(offset_minutes)
                    );
                    // Best score first: sort on the negated score.
                    Some((
                        Why::Hot,
                        -score,
                        detail,
                        Suggestion::Touch(ActivityKind::Call),
                    ))
                }
                _ => None,
            }
        };
        if let Some((why, key, detail, suggestion)) = entry {
            items.push((
                why,
                key,
                QueueItem {
                    lead: lead.clone(),
                    why,
                    detail,
                    suggestion,
                },
            ));
        }
    }
    items.sort_by_key(|(why, key, item)| (*why, *key, item.lead.created_at.0, item.lead.id.0));
    items.into_iter().map(|(_, _, item)| item).collect()
}

crate::keyed! {
    /// Why a rep pushes a lead to later.
    #[derive(Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum SnoozeReason {
        WaitingOnThem => "waiting_on_them", "Waiting on them";
        AskedForLater => "asked_for_later", "They asked for later";
        Away => "away", "They are away";
        Other => "other", "Other";
    }
}

/// Pushing a lead to later from My day: its next step moves to `until`, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnoozeRequest {
    pub version: i64,
    pub until: QuickPick,
    pub reason: SnoozeReason,
    /// Required for "other".
    #[serde(default)]
    pub note: Option<String>,
}

/// The reason as the next step's note and the history show it: "Waiting on them" or
/// "Other: trade fair next week".
pub fn snooze_text(reason: SnoozeReason, note: Option<&str>) -> String {
    match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) if reason == SnoozeReason::Other => n.to_string(),
        Some(n) => format!("{}: {n}", reason.label()),
        None => reason.label().to_string(),
    }
}

/// The lead snoozed as `request` asks at `now` (days in a zone `offset_minutes` east of UTC),
/// or why not by field. Its next step keeps its kind (a call when it had none) and moves to
/// `until`, the reason as its note. A lead still waiting for its first touch under `policy`
/// cannot be snoozed: the first-touch clock does not stop.
pub fn apply_snooze(
    lead: &Lead,
    stage_kind: StageKind,
    policy: &Policy,
    request: &SnoozeRequest,
    now: Timestamp,
    offset_minutes: i32,
) -> Result<Lead, Vec<FieldError>> {
    let problem = |field: &str, message: &str| {
        vec![FieldError {
            field: field.into(),
            message: message.into(),
        }]
    };
    if lead.first_touched_at.is_none() && policy.first_touch_for(lead.source_id).is_some() {
        return Err(problem(
            "until",
            "This lead is waiting for its first touch, which cannot wait: log the touch instead",
        ));
    }
    let note = request
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if request.reason == SnoozeReason::Other && note.is_none() {
        return Err(problem("note", "Say why, in a few words"));
    }
    let change = NextStepChange {
        version: request.version,
        kind: lead
            .next_step
            .as_ref()
            .map_or(NextStepKind::Call, |s| s.kind),
        due_at: request.until.due(now, offset_minutes),
        note: Some(snooze_text(request.reason, note)),
    };
    // Named as the snooze request names them: it sends `until` and `note`.
    apply_next_step(lead, stage_kind, &change, now).map_err(|errors| {
        errors
            .into_iter()
            .map(|mut e| {
                if e.field != "note" {
                    e.field = "until".into();
                }
                e
            })
            .collect()
    })
}

/// The rep's compliance streak: days in a row, ending today, on which none of the rep's
/// leads was in breach at any moment (today counts while it is clean so far). A breach at any
/// moment today breaks it: zero until a clean day begins.
///
/// `breaches` are (began, resolved) spans; `None` is still open. Days run midnight to
/// midnight in a zone `offset_minutes` east of UTC. Counts back at most `max_days`.
pub fn streak(
    breaches: &[(Timestamp, Option<Timestamp>)],
    now: Timestamp,
    offset_minutes: i32,
    max_days: u32,
) -> Streak {
    let offset = i64::from(offset_minutes) * 60_000;
    let today = now.day_number(offset_minutes);
    let day_start = |d: i64| d * DAY_MS - offset;
    // A span [b, r) touches day d when it starts before the day ends and ends after it starts
    // (an open span runs to now).
    let clean = |d: i64, end: i64| {
        !breaches.iter().any(|(b, r)| {
            let r = r.map_or(now.0 + 1, |r| r.0);
            b.0 < end && r > day_start(d)
        })
    };
    let today_clean = clean(today, now.0 + 1);
    if !today_clean {
        return Streak {
            days: 0,
            today_clean,
        };
    }
    let mut days = 0;
    let mut d = today - 1;
    while days < max_days && clean(d, day_start(d + 1)) {
        days += 1;
        d -= 1;
    }
    Streak {
        days: days + 1,
        today_clean,
    }
}

/// A streak of clean days.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Streak {
    pub days: u32,
    /// Whether today is clean so far (a breach today has broken the streak).
    pub today_clean: bool,
}

/// A commission rate as typed by an admin: a percentage with at most two decimals ("5",
/// "2.5", "7.25 %"), 0 to 50; returned in basis points (1/100 of a percent).
pub fn parse_rate(text: &str) -> Result<u32, String> {
    let t = text.trim().trim_end_matches('%').trim();
    if t.is_empty() {
        return Err("Enter the rate as a percentage, e.g. 5 or 2.5".into());
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, "0"));
    let digits = |s: &str| !s.is_empty() && s.len() <= 3 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || frac.len() > 2 || !digits(frac) {
        return Err(format!(
            "\u{201c}{t}\u{201d} is not a percentage like 5 or 2.5"
        ));
    }
    let whole: u32 = whole.parse().map_err(|_| "Too large".to_string())?;
    let frac: u32 = format!("{frac:0<2}").parse().unwrap_or(0);
    let bp = whole * 100 + frac;
    if bp > 5_000 {
        return Err("At most 50 %".into());
    }
    Ok(bp)
}

/// A rate in basis points as people write it: "5 %", "2.5 %", "7.25 %".
pub fn rate_text(bp: u32) -> String {
    let whole = bp / 100;
    match bp % 100 {
        0 => format!("{whole} %"),
        f if f % 10 == 0 => format!("{whole}.{} %", f / 10),
        f => format!("{whole}.{f:02} %"),
    }
}

/// The commission on `won_cents` at `rate_bp`, in the same minor units, rounded half up to
/// the minor unit (an estimate: payouts are the admin's CSV).
pub fn commission(won_cents: i64, rate_bp: u32) -> i64 {
    let product = i128::from(won_cents.max(0)) * i128::from(rate_bp);
    ((product + 5_000) / 10_000) as i64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::calendar::{BusinessCalendar, Hours};
    use crate::domain::lead::{Channel, LeadId, NextStep};
    use crate::domain::stage::StageId;
    use crate::domain::zone::Zone;

    const H: i64 = 3_600_000;
    // 2026-03-04 (a Wednesday) 15:00 UTC.
    const NOW: Timestamp = Timestamp(1_772_636_400_000);

    fn lead(id: i64) -> Lead {
        Lead {
            fields: Default::default(),
            id: LeadId(id),
            version: 1,
            contact_name: format!("Contact {id}"),
            email: None,
            phone: None,
            company: Some(format!("Company {id}")),
            channel: Channel::Web,
            source_id: 1,
            source_name: "Web".into(),
            campaign_id: None,
            campaign_name: None,
            product_interest: None,
            value: None,
            score: Some(40),
            owner: None,
            team_id: None,
            stage_id: StageId(2),
            next_step: Some(NextStep {
                kind: NextStepKind::Call,
                due_at: Timestamp(NOW.0 + 3 * DAY_MS),
                note: None,
            }),
            created_at: Timestamp(NOW.0 - 30 * DAY_MS),
            updated_at: Timestamp(NOW.0 - DAY_MS),
            first_touched_at: Some(Timestamp(NOW.0 - 29 * DAY_MS)),
            last_touched_at: Some(Timestamp(NOW.0 - DAY_MS)),
            stage_entered_at: Timestamp(NOW.0 - 10 * DAY_MS),
            closed_at: None,
            close_reason: None,
            close_note: None,
            score_reasons: Vec::new(),
            suggest_close: None,
            expected_close: None,
            committed: false,
        }
    }

    fn policy() -> Policy {
        // Open around the clock, so business time is wall time.
        let day = Some(Hours {
            open: 0,
            close: 24 * 60,
        });
        let mut p = Policy::default_for(BusinessCalendar {
            zone_name: "UTC".into(),
            zone: Zone::utc(),
            week: [day; 7],
            holidays: Vec::new(),
        });
        p.first_touch_minutes = Some(60);
        p.idle_days_by_stage = vec![(StageId(2), 14)];
        p
    }

    fn due(l: &mut Lead, at: i64, kind: NextStepKind) {
        l.next_step = Some(NextStep {
            kind,
            due_at: Timestamp(at),
            note: None,
        });
    }

    #[test]
    fn the_queue_puts_first_touch_first_then_overdue_today_quiet_and_hot() {
        let p = policy();
        // Fine: next step in 3 days, touched yesterday. Not on the queue.
        let fine = lead(1);
        // Untouched for 3 h (SLA 1 h): breached 2 h ago.
        let mut breached = lead(2);
        breached.created_at = Timestamp(NOW.0 - 3 * H);
        breached.stage_entered_at = breached.created_at;
        breached.first_touched_at = None;
        breached.last_touched_at = None;
        // Untouched 10 h: breached 9 h ago, so before 2.
        let mut breached_long = breached.clone();
        breached_long.id = LeadId(3);
        breached_long.created_at = Timestamp(NOW.0 - 10 * H);
        // Untouched for 50 min: at risk.
        let mut at_risk = breached.clone();
        at_risk.id = LeadId(4);
        at_risk.created_at = Timestamp(NOW.0 - 50 * 60_000);
        // Next steps overdue by 2 days and by 3 h (an e-mail).
        let mut overdue_days = lead(5);
        due(&mut overdue_days, NOW.0 - 2 * DAY_MS, NextStepKind::Call);
        let mut overdue_hours = lead(6);
        due(&mut overdue_hours, NOW.0 - 3 * H, NextStepKind::Email);
        // No next step.
        let mut missing = lead(7);
        missing.next_step = None;
        // Due later today (23:00) and at 16:00.
        let mut today_late = lead(8);
        due(&mut today_late, NOW.0 + 8 * H, NextStepKind::Meeting);
        let mut today_soon = lead(9);
        due(&mut today_soon, NOW.0 + H, NextStepKind::Call);
        // Quiet for 20 days with no next step: the missing step is the reason shown.
        let mut quiet = lead(10);
        quiet.last_touched_at = Some(Timestamp(NOW.0 - 20 * DAY_MS));
        quiet.next_step = None;
        // Untouched for 20 and 30 minutes, before the SLA flags them: hot by their scores.
        let mut hot_90 = breached.clone();
        hot_90.id = LeadId(11);
        hot_90.score = Some(90);
        hot_90.created_at = Timestamp(NOW.0 - 20 * 60_000);
        let mut hot_70 = hot_90.clone();
        hot_70.id = LeadId(12);
        hot_70.score = Some(70);
        hot_70.created_at = Timestamp(NOW.0 - 30 * 60_000);
        // Promising but already called, and promising but 30 days old: not hot.
        let mut called = lead(13);
        called.score = Some(95);
        called.created_at = Timestamp(NOW.0 - DAY_MS);
        let mut lukewarm = hot_90.clone();
        lukewarm.id = LeadId(15);
        lukewarm.score = Some(59);
        // Closed: never on the queue.
        let mut closed = lead(14);
        closed.closed_at = Some(NOW);
        closed.next_step = None;

        let leads = vec![
            fine,
            breached,
            breached_long,
            at_risk,
            overdue_days,
            overdue_hours,
            missing,
            today_late,
            today_soon,
            quiet,
            hot_70,
            hot_90,
            called,
            lukewarm,
            closed,
        ];
        let q = queue(&leads, |_| &p, NOW, 0);
        let got: Vec<(i64, Why)> = q.iter().map(|i| (i.lead.id.0, i.why)).collect();
        assert_eq!(
            got,
            vec![
                (3, Why::SlaBreached),
                (2, Why::SlaBreached),
                (4, Why::SlaAtRisk),
                (5, Why::NextStepOverdue),
                (6, Why::NextStepOverdue),
                (7, Why::NextStepMissing),
                // 10 has no next step either: the missing step outranks its quietness.
                (10, Why::NextStepMissing),
                (9, Why::DueToday),
                (8, Why::DueToday),
                (11, Why::Hot),
                (12, Why::Hot),
            ]
        );
        assert_eq!(q[0].suggestion, Suggestion::Touch(ActivityKind::Call));
        assert_eq!(q[4].suggestion, Suggestion::Touch(ActivityKind::Email));
        assert_eq!(q[4].detail, "Email was due Mar 4");
        assert_eq!(q[5].suggestion, Suggestion::PlanNextStep);
        assert_eq!(q[8].suggestion, Suggestion::Touch(ActivityKind::Meeting));
        assert_eq!(q[8].detail, "Meeting today");
        assert_eq!(q[9].suggestion, Suggestion::Touch(ActivityKind::Call));
        assert_eq!(q[9].detail, "Score 90, came in Mar 4");
    }

    #[test]
    fn a_quiet_lead_with_a_next_step_missing_rule_off_is_stale_and_a_dead_one_is_closed_out() {
        let mut p = policy();
        p.next_step_required = false;
        let mut quiet = lead(1);
        quiet.last_touched_at = Some(Timestamp(NOW.0 - 20 * DAY_MS));
        quiet.stage_entered_at = Timestamp(NOW.0 - 25 * DAY_MS);
        quiet.next_step = None;
        let mut dead = quiet.clone();
        dead.id = LeadId(2);
        dead.last_touched_at = Some(Timestamp(NOW.0 - 30 * DAY_MS));
        dead.suggest_close = Some("4 touches in a row got no answer".into());
        let q = queue(&[quiet, dead], |_| &p, NOW, 0);
        let got: Vec<(i64, Why, Suggestion)> = q
            .iter()
            .map(|i| (i.lead.id.0, i.why, i.suggestion))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Why::Stale, Suggestion::CloseOut),
                (1, Why::Stale, Suggestion::Touch(ActivityKind::Call)),
            ]
        );
        assert!(
            q[0].detail.ends_with(": 4 touches in a row got no answer"),
            "{}",
            q[0].detail
        );
    }

    #[test]
    fn due_today_counts_in_the_reps_zone() {
        let p = policy();
        // Due at 02:00 UTC tomorrow: today for a rep 5 h west of UTC (21:00 local), tomorrow
        // in UTC.
        let mut l = lead(1);
        due(&mut l, NOW.0 + 11 * H, NextStepKind::Call);
        assert!(queue(std::slice::from_ref(&l), |_| &p, NOW, 0).is_empty());
        let q = queue(&[l], |_| &p, NOW, -300);
        assert_eq!(q[0].why, Why::DueToday);
    }

    #[test]
    fn the_streak_counts_clean_days_back_from_yesterday_and_today_while_clean() {
        let day = |d: i64| Timestamp((NOW.day_number(0) + d) * DAY_MS);
        // Nothing ever: capped at max_days, plus today.
        assert_eq!(
            streak(&[], NOW, 0, 30),
            Streak {
                days: 31,
                today_clean: true
            }
        );
        // A breach 5 days ago from 10:00 to 11:00: 4 clean whole days since, plus today.
        let b = [(day(-5).plus_ms(10 * H), Some(day(-5).plus_ms(11 * H)))];
        assert_eq!(
            streak(&b, NOW, 0, 30),
            Streak {
                days: 5,
                today_clean: true
            }
        );
        // Resolved exactly at midnight: the next day is clean.
        let b = [(day(-3).plus_ms(10 * H), Some(day(-2)))];
        assert_eq!(streak(&b, NOW, 0, 30).days, 3);
        // Open since this morning: broken today, whatever came before.
        let b = [
            (day(0).plus_ms(8 * H), None),
            (day(-4), Some(day(-4).plus_ms(H))),
        ];
        assert_eq!(
            streak(&b, NOW, 0, 30),
            Streak {
                days: 0,
                today_clean: false
            }
        );
        // The same breach resolved yesterday: yesterday and before do not count, today does.
        let b = [(day(-1).plus_ms(8 * H), Some(day(-1).plus_ms(9 * H)))];
        assert_eq!(
            streak(&b, NOW, 0, 30),
            Streak {
                days: 1,
                today_clean: true
            }
        );
        // Open for a week: nothing.
        let b = [(day(-7), None)];
        assert_eq!(
            streak(&b, NOW, 0, 30),
            Streak {
                days: 0,
                today_clean: false
            }
        );
        // Zone: a breach 01:00–02:00 UTC today is yesterday evening 5 h west of UTC.
        let b = [(day(0).plus_ms(H), Some(day(0).plus_ms(2 * H)))];
        assert_eq!(
            streak(&b, NOW, 0, 30),
            Streak {
                days: 0,
                today_clean: false
            }
        );
        assert_eq!(
            streak(&b, NOW, -300, 30),
            Streak {
                days: 1,
                today_clean: true
            }
        );
        // Five clean days after it, 5 h west: those and today.
        let b = [(day(-5).plus_ms(H), Some(day(-5).plus_ms(2 * H)))];
        assert_eq!(
            streak(&b, NOW, -300, 30),
            Streak {
                days: 6,
                today_clean: true
            }
        );
    }

    #[test]
    fn a_snooze_moves_the_next_step_with_the_reason_but_never_a_first_touch() {
        let p = policy();
        let l = lead(1);
        let request = |reason, note: Option<&str>| SnoozeRequest {
            version: 1,
            until: QuickPick::NextWeek,
            reason,
            note: note.map(str::to_string),
        };
        let after = apply_snooze(
            &l,
            StageKind::Open,
            &p,
            &request(SnoozeReason::Away, None),
            NOW,
            0,
        )
        .unwrap();
        let step = after.next_step.unwrap();
        assert_eq!(step.kind, NextStepKind::Call);
        // Wednesday Mar 4 → Monday Mar 9, 09:00 UTC.
        assert_eq!(step.due_at, Timestamp(NOW.0 + 5 * DAY_MS - 6 * H));
        assert_eq!(step.note.as_deref(), Some("They are away"));
        assert_eq!(after.version, 2);
        let with_note = apply_snooze(
            &l,
            StageKind::Open,
            &p,
            &request(SnoozeReason::WaitingOnThem, Some(" budget sign-off ")),
            NOW,
            0,
        )
        .unwrap();
        assert_eq!(
            with_note.next_step.unwrap().note.as_deref(),
            Some("Waiting on them: budget sign-off")
        );
        // "Other" needs words.
        let e = apply_snooze(
            &l,
            StageKind::Open,
            &p,
            &request(SnoozeReason::Other, Some(" ")),
            NOW,
            0,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "note");
        // Untouched under an SLA: refused on `until`.
        let mut fresh = lead(2);
        fresh.first_touched_at = None;
        let e = apply_snooze(
            &fresh,
            StageKind::Open,
            &p,
            &request(SnoozeReason::Away, None),
            NOW,
            0,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "until");
        // Closed: no next step at all.
        let e = apply_snooze(
            &l,
            StageKind::Won,
            &p,
            &request(SnoozeReason::Away, None),
            NOW,
            0,
        )
        .unwrap_err();
        assert_eq!(e[0].field, "until", "named as the snooze request names it");
    }

    #[test]
    fn commission_rates_parse_by_the_percent_and_round_half_up_to_the_cent() {
        assert_eq!(parse_rate("5"), Ok(500));
        assert_eq!(parse_rate(" 2.5 % "), Ok(250));
        assert_eq!(parse_rate("7.25%"), Ok(725));
        assert_eq!(parse_rate("0"), Ok(0));
        assert_eq!(parse_rate("50"), Ok(5_000));
        assert!(parse_rate("50.01").unwrap_err().contains("50"));
        for bad in ["", "%", "abc", "1.234", "-1", "5,5", "1e2", ".5", "5."] {
            assert!(parse_rate(bad).is_err(), "{bad:?}");
        }
        assert_eq!(rate_text(500), "5 %");
        assert_eq!(rate_text(250), "2.5 %");
        assert_eq!(rate_text(725), "7.25 %");
        assert_eq!(rate_text(5), "0.05 %");
        // 5 % of $1,234.50 = $61.725 → $61.73; 2.5 % of $0.19 = 0.475 c → 0 c; of $0.21 → 1 c.
        assert_eq!(commission(123_450, 500), 6_173);
        assert_eq!(commission(19, 250), 0);
        assert_eq!(commission(21, 250), 1);
        assert_eq!(commission(0, 500), 0);
        assert_eq!(commission(i64::MAX, 5_000), i64::MAX / 2 + 1);
    }
}
