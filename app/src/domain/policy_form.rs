//! The policy as the Settings page shows and edits it: every rule as typed text, turned back
//! into a [`Policy`] with an error per bad field; what a saved version changed, in words; and
//! the shapes of the page's data (scopes, history, preview).

use super::access::TeamId;
use super::calendar::{BusinessCalendar, Hours};
use super::policy::{Escalation, Policy};
use super::stage::{Criterion, StageId, StageKind};
use super::time::Timestamp;
use super::zone;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};

/// Weekday names, Monday first (as [`BusinessCalendar::week`]).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// One weekday's hours as typed: open at all, and `HH:MM` to `HH:MM`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DayForm {
    pub open: bool,
    pub from: String,
    pub to: String,
}

/// A policy as its form holds it. Empty optional numbers mean "no limit".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyForm {
    pub name: String,
    pub first_touch_minutes: String,
    pub at_risk_percent: String,
    pub next_step_required: bool,
    pub max_idle_days: String,
    /// Per open stage: (stage, days or empty for the default).
    pub idle_days_by_stage: Vec<(StageId, String)>,
    pub close_reason_required: bool,
    /// Per source: (source, business minutes, or empty for the first-touch time above).
    pub first_touch_by_source: Vec<(i64, String)>,
    /// Per stage a lead can be moved into: (stage, what the policy requires to enter it, on
    /// top of the pipeline's own requirements).
    pub exit_criteria: Vec<(StageId, Vec<Criterion>)>,
    pub remind_rep_after: String,
    pub alert_manager_after: String,
    pub reassign_after: String,
    pub zone_name: String,
    pub week: Vec<DayForm>,
    /// `YYYY-MM-DD`, one per line (commas too).
    pub holidays: String,
}

fn opt_text(v: Option<u32>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl PolicyForm {
    /// The form of `policy`, with a row for every open stage of `stages` (idle days), every
    /// stage but the lost ones (entry requirements) and every source of `sources`.
    pub fn of(
        policy: &Policy,
        stages: &[(StageId, String, StageKind)],
        sources: &[(i64, String)],
    ) -> PolicyForm {
        PolicyForm {
            name: policy.name.clone(),
            first_touch_minutes: opt_text(policy.first_touch_minutes),
            at_risk_percent: policy.at_risk_percent.to_string(),
            next_step_required: policy.next_step_required,
            max_idle_days: opt_text(policy.max_idle_days),
            idle_days_by_stage: stages
                .iter()
                .filter(|(_, _, k)| *k == StageKind::Open)
                .map(|(id, _, _)| {
                    let days = policy
                        .idle_days_by_stage
                        .iter()
                        .find(|(s, _)| s == id)
                        .map(|(_, d)| *d);
                    (*id, opt_text(days))
                })
                .collect(),
            close_reason_required: policy.close_reason_required,
            first_touch_by_source: sources
                .iter()
                .map(|(id, _)| {
                    let minutes = policy
                        .first_touch_by_source
                        .iter()
                        .find(|(s, _)| s == id)
                        .map(|(_, m)| *m);
                    (*id, opt_text(minutes))
                })
                .collect(),
            exit_criteria: stages
                .iter()
                .filter(|(_, _, k)| *k != StageKind::Lost)
                .map(|(id, _, _)| {
                    let required = policy
                        .exit_criteria
                        .iter()
                        .find(|(s, _)| s == id)
                        .map(|(_, c)| c.clone())
                        .unwrap_or_default();
                    (*id, required)
                })
                .collect(),
            remind_rep_after: opt_text(policy.escalation.remind_rep_after),
            alert_manager_after: opt_text(policy.escalation.alert_manager_after),
            reassign_after: opt_text(policy.escalation.reassign_after),
            zone_name: policy.calendar.zone_name.clone(),
            week: policy
                .calendar
                .week
                .iter()
                .map(|h| match h {
                    Some(h) => DayForm {
                        open: true,
                        from: clock(h.open),
                        to: clock(h.close),
                    },
                    None => DayForm {
                        open: false,
                        from: "09:00".into(),
                        to: "17:00".into(),
                    },
                })
                .collect(),
            holidays: policy
                .calendar
                .holidays
                .iter()
                .map(|d| BusinessCalendar::day_text(*d))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The policy this form describes, on top of `base` (which keeps what the form does not
    /// show: the pipeline's lost stages, and the rules of sources or stages the form has no
    /// row for). Every bad field is reported, none applied.
    pub fn to_policy(&self, base: &Policy) -> Result<Policy, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut p = base.clone();
        p.name = self.name.trim().to_string();
        if p.name.is_empty() || p.name.chars().count() > 80 {
            bad(
                &mut errors,
                "name",
                "Give the policy a name (up to 80 characters)",
            );
        }
        let minutes = |text: &str| -> Result<Option<u32>, ()> {
            let t = text.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<u32>().map(Some).map_err(|_| ())
        };
        match minutes(&self.first_touch_minutes) {
            Ok(Some(0)) | Err(()) => bad(
                &mut errors,
                "first_touch_minutes",
                "Business minutes as a whole number above 0, or empty for no SLA",
            ),
            Ok(Some(m)) if m > 60 * 24 * 30 => bad(
                &mut errors,
                "first_touch_minutes",
                "At most 30 days (43,200 minutes) of business time",
            ),
            Ok(m) => p.first_touch_minutes = m,
        }
        match self.at_risk_percent.trim().parse::<u8>() {
            Ok(n) if (1..=100).contains(&n) => p.at_risk_percent = n,
            _ => bad(&mut errors, "at_risk_percent", "A percentage from 1 to 100"),
        }
        p.next_step_required = self.next_step_required;
        p.close_reason_required = self.close_reason_required;
        let days = |text: &str| -> Result<Option<u32>, ()> {
            match minutes(text) {
                Ok(Some(d)) if (1..=365).contains(&d) => Ok(Some(d)),
                Ok(None) => Ok(None),
                _ => Err(()),
            }
        };
        match days(&self.max_idle_days) {
            Ok(d) => p.max_idle_days = d,
            Err(()) => bad(
                &mut errors,
                "max_idle_days",
                "Days from 1 to 365, or empty for no limit",
            ),
        }
        let mut by_stage = Vec::new();
        for (stage, text) in &self.idle_days_by_stage {
            match days(text) {
                Ok(Some(d)) => by_stage.push((*stage, d)),
                Ok(None) => {}
                Err(()) => bad(
                    &mut errors,
                    &format!("idle_days_{}", stage.0),
                    "Days from 1 to 365, or empty for the default",
                ),
            }
        }
        p.idle_days_by_stage = by_stage;
        let mut by_source: Vec<(i64, u32)> = base
            .first_touch_by_source
            .iter()
            .filter(|(s, _)| !self.first_touch_by_source.iter().any(|(f, _)| f == s))
            .copied()
            .collect();
        for (source, text) in &self.first_touch_by_source {
            match minutes(text) {
                Ok(Some(m)) if (1..=60 * 24 * 30).contains(&m) => by_source.push((*source, m)),
                Ok(None) => {}
                _ => bad(
                    &mut errors,
                    &format!("first_touch_source_{source}"),
                    "Business minutes from 1 to 43,200, or empty for the policy's first-touch time",
                ),
            }
        }
        by_source.sort_unstable();
        p.first_touch_by_source = by_source;
        let mut criteria: Vec<(StageId, Vec<Criterion>)> = base
            .exit_criteria
            .iter()
            .filter(|(s, _)| !self.exit_criteria.iter().any(|(f, _)| f == s))
            .cloned()
            .collect();
        for (stage, required) in &self.exit_criteria {
            // In the order of `Criterion::ALL`, each once.
            let set: Vec<Criterion> = Criterion::ALL
                .into_iter()
                .filter(|c| required.contains(c))
                .collect();
            if !set.is_empty() {
                criteria.push((*stage, set));
            }
        }
        criteria.sort_by_key(|(s, _)| *s);
        p.exit_criteria = criteria;
        let mut escalation = Escalation::default();
        for (field, text, slot) in [
            (
                "remind_rep_after",
                &self.remind_rep_after,
                &mut escalation.remind_rep_after,
            ),
            (
                "alert_manager_after",
                &self.alert_manager_after,
                &mut escalation.alert_manager_after,
            ),
            (
                "reassign_after",
                &self.reassign_after,
                &mut escalation.reassign_after,
            ),
        ] {
            match minutes(text) {
                Ok(m) if m.is_none_or(|m| m <= 60 * 24 * 30) => *slot = m,
                _ => bad(
                    &mut errors,
                    field,
                    "Business minutes after the breach (0 for at once), or empty to skip",
                ),
            }
        }
        p.escalation = escalation;
        match zone::named(&self.zone_name) {
            Some(z) => {
                p.calendar.zone = z;
                p.calendar.zone_name = self.zone_name.clone();
            }
            None => bad(&mut errors, "zone_name", "Choose a time zone from the list"),
        }
        if self.week.len() == 7 {
            for (i, day) in self.week.iter().enumerate() {
                p.calendar.week[i] = if day.open {
                    match (parse_clock(&day.from), parse_clock(&day.to)) {
                        (Some(open), Some(close)) if close > open => Some(Hours { open, close }),
                        _ => {
                            bad(
                                &mut errors,
                                &format!("week_{i}"),
                                &format!(
                                    "{}: opening and closing time as HH:MM, closing later",
                                    WEEKDAYS[i]
                                ),
                            );
                            None
                        }
                    }
                } else {
                    None
                };
            }
        } else {
            bad(&mut errors, "week", "Give the hours of all seven days");
        }
        match parse_holidays(&self.holidays) {
            Ok(h) => p.calendar.holidays = h,
            Err(line) => bad(
                &mut errors,
                "holidays",
                &format!("“{line}” is not a date: write one YYYY-MM-DD per line"),
            ),
        }
        if errors.is_empty() {
            // Whatever the form cannot say wrong field by field (e.g. a week with no open day,
            // or an escalation ladder out of order).
            if let Err((field, message)) = p.validate() {
                bad(&mut errors, field, &message);
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }
}

fn bad(errors: &mut Vec<FieldError>, field: &str, message: &str) {
    errors.push(FieldError {
        field: field.into(),
        message: message.into(),
    });
}

/// `HH:MM` (or `H:MM`, or `24:00`) as minutes after midnight.
fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// Dates one per line or comma separated, sorted and deduplicated; the bad text on failure.
fn parse_holidays(text: &str) -> Result<Vec<i64>, String> {
    let mut days = Vec::new();
    for item in text
        .split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let day = super::time::parse_date(item);
        days.push(day.ok_or_else(|| item.to_string())?);
    }
    days.sort_unstable();
    days.dedup();
    Ok(days)
}

fn limit(v: Option<u32>, unit: &str) -> String {
    v.map_or_else(|| "none".into(), |n| format!("{n} {unit}"))
}

/// The keys of two keyed lists, each once, in order.
fn keys<K: Ord + Copy, V>(a: &[(K, V)], b: &[(K, V)]) -> Vec<K> {
    let mut out: Vec<K> = a.iter().chain(b).map(|(k, _)| *k).collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// What the change list calls stages and sources.
pub struct Names<'a> {
    pub stages: &'a [(StageId, String, StageKind)],
    pub sources: &'a [(i64, String)],
}

impl Names<'_> {
    fn stage(&self, id: StageId) -> String {
        self.stages
            .iter()
            .find(|(s, _, _)| *s == id)
            .map_or_else(|| format!("stage {}", id.0), |(_, n, _)| n.clone())
    }

    fn source(&self, id: i64) -> String {
        self.sources
            .iter()
            .find(|(s, _)| *s == id)
            .map_or_else(|| format!("source {id}"), |(_, n)| n.clone())
    }
}

/// What changed from `old` to `new`, one line per rule ("First touch: 240 → 120 business
/// minutes"), for the version history and the confirmation before saving.
pub fn describe_changes(old: &Policy, new: &Policy, names: &Names) -> Vec<String> {
    let mut out = Vec::new();
    let mut diff = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label}: {a} → {b}"));
        }
    };
    diff("Name", old.name.clone(), new.name.clone());
    diff(
        "First touch",
        limit(old.first_touch_minutes, "business minutes"),
        limit(new.first_touch_minutes, "business minutes"),
    );
    diff(
        "At risk from",
        format!("{}%", old.at_risk_percent),
        format!("{}%", new.at_risk_percent),
    );
    let yes = |b: bool| if b { "required" } else { "optional" }.to_string();
    diff(
        "Next step",
        yes(old.next_step_required),
        yes(new.next_step_required),
    );
    diff(
        "Stale after",
        limit(old.max_idle_days, "days"),
        limit(new.max_idle_days, "days"),
    );
    for s in keys(&old.idle_days_by_stage, &new.idle_days_by_stage) {
        let days = |p: &Policy| {
            p.idle_days_by_stage
                .iter()
                .find(|(x, _)| *x == s)
                .map(|(_, d)| *d)
        };
        diff(
            &format!("Stale after, in {}", names.stage(s)),
            limit(days(old), "days"),
            limit(days(new), "days"),
        );
    }
    for s in keys(&old.first_touch_by_source, &new.first_touch_by_source) {
        let minutes = |p: &Policy| {
            p.first_touch_by_source
                .iter()
                .find(|(x, _)| *x == s)
                .map(|(_, m)| *m)
        };
        diff(
            &format!("First touch from {}", names.source(s)),
            limit(minutes(old), "business minutes"),
            limit(minutes(new), "business minutes"),
        );
    }
    for s in keys(&old.exit_criteria, &new.exit_criteria) {
        let needs = |p: &Policy| {
            let list: Vec<&str> = p
                .exit_criteria
                .iter()
                .filter(|(x, _)| *x == s)
                .flat_map(|(_, cs)| cs.iter().map(|c| c.requirement()))
                .collect();
            if list.is_empty() {
                "nothing more".to_string()
            } else {
                list.join(", ")
            }
        };
        diff(
            &format!("To enter {}", names.stage(s)),
            needs(old),
            needs(new),
        );
    }
    diff(
        "Close reason",
        yes(old.close_reason_required),
        yes(new.close_reason_required),
    );
    for (label, a, b) in [
        (
            "Remind the rep",
            old.escalation.remind_rep_after,
            new.escalation.remind_rep_after,
        ),
        (
            "Alert the manager",
            old.escalation.alert_manager_after,
            new.escalation.alert_manager_after,
        ),
        (
            "Reassign",
            old.escalation.reassign_after,
            new.escalation.reassign_after,
        ),
    ] {
        diff(label, limit(a, "min after"), limit(b, "min after"));
    }
    diff(
        "Time zone",
        old.calendar.zone_name.clone(),
        new.calendar.zone_name.clone(),
    );
    let hours = |c: &BusinessCalendar| {
        c.week
            .iter()
            .zip(WEEKDAYS)
            .map(|(h, d)| match h {
                Some(h) => format!("{} {}–{}", &d[..3], clock(h.open), clock(h.close)),
                None => format!("{} closed", &d[..3]),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    diff("Business hours", hours(&old.calendar), hours(&new.calendar));
    diff(
        "Holidays",
        format!("{} days", old.calendar.holidays.len()),
        format!("{} days", new.calendar.holidays.len()),
    );
    out
}

/// One scope's rules as the Settings page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyScope {
    /// `None`: the organisation default.
    pub team: Option<TeamId>,
    /// "Organisation default" or the team's name.
    pub label: String,
    /// The rules in force for the scope (the organisation's when the team has no override).
    pub policy: Policy,
    /// The team has rules of its own (always true for the organisation).
    pub own: bool,
    /// The viewer may change them.
    pub editable: bool,
}

/// One saved version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    pub team: Option<TeamId>,
    pub version: i64,
    pub author: Option<String>,
    pub at: Timestamp,
    /// What it changed against the version before it (empty for the first).
    pub changes: Vec<String>,
}

/// The Settings → Follow-up policy page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicySettings {
    pub scopes: Vec<PolicyScope>,
    /// Newest first, of the scopes shown.
    pub history: Vec<PolicyVersion>,
    pub stages: Vec<(StageId, String, StageKind)>,
    pub sources: Vec<(i64, String)>,
}

/// What a proposed policy would flag among the scope's open leads now, next to what the rules
/// in force flag.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PolicyPreview {
    pub open_leads: u32,
    pub flagged: u32,
    pub stale: u32,
    pub sla: u32,
    pub next_step: u32,
    pub current_flagged: u32,
    pub current_stale: u32,
    pub changes: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::time::days_from_civil;

    fn stages() -> Vec<(StageId, String, StageKind)> {
        vec![
            (StageId(1), "New".into(), StageKind::Open),
            (StageId(2), "Quoted".into(), StageKind::Open),
            (StageId(9), "Won".into(), StageKind::Won),
        ]
    }

    fn sources() -> Vec<(i64, String)> {
        vec![(1, "Website".into()), (2, "Trade show".into())]
    }

    fn base() -> Policy {
        Policy::default_for(BusinessCalendar::office_hours_utc())
    }

    #[test]
    fn a_policy_survives_the_round_trip_through_its_form() {
        let mut p = base();
        p.idle_days_by_stage = vec![(StageId(2), 5)];
        p.calendar.holidays = vec![days_from_civil(2026, 12, 25)];
        p.first_touch_by_source = vec![(2, 30)];
        p.exit_criteria = vec![(StageId(2), vec![Criterion::Value, Criterion::Contact])];
        let form = PolicyForm::of(&p, &stages(), &sources());
        assert_eq!(form.idle_days_by_stage.len(), 2, "one row per open stage");
        assert_eq!(
            form.first_touch_by_source,
            [(1, "".into()), (2, "30".into())]
        );
        assert_eq!(
            form.exit_criteria.len(),
            3,
            "one row per stage but lost ones"
        );
        assert_eq!(form.week[0].from, "09:00");
        assert_eq!(form.holidays, "2026-12-25");
        assert_eq!(form.to_policy(&p).unwrap(), p);
    }

    #[test]
    fn every_bad_field_is_named_and_nothing_is_applied() {
        let mut form = PolicyForm::of(&base(), &stages(), &sources());
        form.first_touch_minutes = "soon".into();
        form.at_risk_percent = "0".into();
        form.max_idle_days = "-3".into();
        form.idle_days_by_stage[1].1 = "400".into();
        form.first_touch_by_source[0].1 = "0".into();
        form.zone_name = "Mars/Olympus".into();
        form.week[2] = DayForm {
            open: true,
            from: "17:00".into(),
            to: "09:00".into(),
        };
        form.holidays = "2026-12-25\n2026-02-30".into();
        form.remind_rep_after = "x".into();
        let fields: Vec<String> = form
            .to_policy(&base())
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "first_touch_minutes",
                "at_risk_percent",
                "max_idle_days",
                "idle_days_2",
                "first_touch_source_1",
                "remind_rep_after",
                "zone_name",
                "week_2",
                "holidays"
            ]
        );
    }

    #[test]
    fn rules_the_fields_allow_together_are_still_checked() {
        let mut form = PolicyForm::of(&base(), &stages(), &sources());
        form.remind_rep_after = "120".into();
        form.alert_manager_after = "60".into();
        let e = form.to_policy(&base()).unwrap_err();
        assert_eq!(e[0].field, "alert_manager_after");
        let mut form = PolicyForm::of(&base(), &stages(), &sources());
        for d in &mut form.week {
            d.open = false;
        }
        assert_eq!(form.to_policy(&base()).unwrap_err()[0].field, "week");
    }

    #[test]
    fn empty_limits_switch_rules_off_and_holidays_are_sorted() {
        let mut form = PolicyForm::of(&base(), &stages(), &sources());
        form.first_touch_minutes = " ".into();
        form.max_idle_days = String::new();
        form.holidays = "2026-12-25, 2026-01-01\n2026-12-25".into();
        form.zone_name = "Europe/Berlin".into();
        let p = form.to_policy(&base()).unwrap();
        assert_eq!(p.first_touch_minutes, None);
        assert_eq!(p.max_idle_days, None);
        assert_eq!(
            p.calendar.holidays,
            vec![days_from_civil(2026, 1, 1), days_from_civil(2026, 12, 25)]
        );
        assert_eq!(p.calendar.zone, zone::named("Europe/Berlin").unwrap());
    }

    #[test]
    fn changes_are_described_rule_by_rule() {
        let (stages, sources) = (stages(), sources());
        let names = Names {
            stages: &stages,
            sources: &sources,
        };
        let old = base();
        let mut new = old.clone();
        new.first_touch_minutes = Some(120);
        new.calendar.week[4] = None;
        new.idle_days_by_stage = vec![(StageId(2), 5)];
        new.first_touch_by_source = vec![(1, 30)];
        new.exit_criteria = vec![(StageId(2), vec![Criterion::Value])];
        let lines = describe_changes(&old, &new, &names);
        assert_eq!(
            lines[..4],
            [
                "First touch: 240 business minutes → 120 business minutes",
                "Stale after, in Quoted: none → 5 days",
                "First touch from Website: none → 30 business minutes",
                "To enter Quoted: nothing more → an estimated value",
            ]
        );
        assert_eq!(lines.len(), 5, "{lines:?}");
        assert!(lines[4].starts_with("Business hours:"), "{lines:?}");
        assert!(lines[4].ends_with("Fri closed, Sat closed, Sun closed"));
        assert!(describe_changes(&old, &old, &names).is_empty());
    }
}
