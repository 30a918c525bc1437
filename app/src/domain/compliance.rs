//! The compliance scorecard: how closely a rep or a team followed the follow-up policy over a
//! period, as the share of leads that passed each measure and one weighted score.
//!
//! Every lead is judged under its own team's policy, with the same rules [`evaluate`] applies,
//! so a lead that counts against a rep here is one the board flagged.
//!
//! The server counts the same measures in SQL (`ssr::store::compliance`) from the facts
//! [`lead_facts`] keeps on each lead; [`scorecard`], [`by_owner`] and [`weekly_trend`] here are
//! the definition those counts are tested against, lead by lead.
//!
//! [`evaluate`]: super::policy::evaluate

use super::access::UserId;
use super::lead::{CloseReason, Lead, LeadId};
use super::policy::{Policies, Policy};
use super::stage::{Criterion, StageId};
use super::time::{Timestamp, DAY_MS};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;

/// Milliseconds in a minute.
const MINUTE_MS: i64 = 60_000;
/// Milliseconds in a week.
const WEEK_MS: i64 = 7 * DAY_MS;

/// The measures of the score and their weights, in the order the scorecard shows them.
pub const WEIGHTS: [(&str, f64); 5] = [
    ("First touch within SLA", 0.30),
    ("Open leads with a planned next step", 0.25),
    ("Open leads not stale", 0.20),
    ("Losses with a reason", 0.15),
    ("Open leads with complete data", 0.10),
];

/// A stretch of time: from `from` (included) up to `to` (not included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Period {
    /// The first instant of the period.
    pub from: Timestamp,
    /// The first instant after the period.
    pub to: Timestamp,
}

impl Period {
    /// Whether `t` falls in the period: at or after its start, and before its end.
    pub fn contains(self, t: Timestamp) -> bool {
        self.from <= t && t < self.to
    }
}

/// Which leads a measure counted and which of them passed, for click-through.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Metric {
    /// How many of the counted leads passed.
    pub passed: u32,
    /// How many leads the measure applies to.
    pub counted: u32,
    /// The leads that passed, in the order they were given.
    pub passed_ids: Vec<LeadId>,
    /// The leads that failed, in the order they were given.
    pub failed_ids: Vec<LeadId>,
}

impl Metric {
    fn record(&mut self, id: LeadId, passed: bool) {
        self.counted += 1;
        if passed {
            self.passed += 1;
            self.passed_ids.push(id);
        } else {
            self.failed_ids.push(id);
        }
    }

    /// A metric known by its counts only (no ids to click through).
    pub fn counts(passed: u32, counted: u32) -> Metric {
        Metric {
            passed,
            counted,
            ..Metric::default()
        }
    }

    /// The share of counted leads that passed, from 0 to 1; nothing when no lead was counted.
    pub fn share(&self) -> Option<f64> {
        ratio(self.passed, self.counted)
    }

    /// The share as a whole percentage ("87%"), or "–" when no lead was counted. Rounded to
    /// the nearest percent, except that one failure is never shown as 100% and one pass never
    /// as 0%.
    pub fn percent_text(&self) -> String {
        let Some(share) = self.share() else {
            return "–".into();
        };
        let mut percent = (share * 100.0).round() as u32;
        if self.passed > 0 && self.passed < self.counted {
            percent = percent.clamp(1, 99);
        }
        format!("{percent}%")
    }
}

/// How closely one rep or team followed the policy over a period. Each lead is judged under
/// its team's policy (the organisation's when its team has none).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Scorecard {
    /// Leads that arrived in the period and have a first-touch time under their policy. A lead
    /// passes when it was first contacted by the time that many business hours after it
    /// arrived had passed. It fails when it was contacted later, or when it is still
    /// uncontacted and its time is up. An uncontacted lead with time left is not counted yet.
    pub first_touch_in_sla: Metric,
    /// The middle time, in business minutes, from arrival to first contact, over the leads
    /// that arrived in the period and have been contacted (the lower of the two middle ones
    /// when their number is even). Nothing when no such lead was contacted.
    pub median_first_touch_minutes: Option<i64>,
    /// Leads open now, whenever they arrived. A lead passes when it has a next step that is
    /// not overdue.
    pub next_step_planned: Metric,
    /// Leads open now, whenever they arrived. A lead passes unless it is stale: untouched for
    /// longer than its stage allows (counting from its last touch, or from its arrival or its
    /// move into the stage when later), with no next step due in the future.
    pub not_stale: Metric,
    /// Leads lost in the period. A lead passes when it has a close reason, and for "Other" a
    /// note saying what happened.
    pub close_reason_given: Metric,
    /// Leads open now, whenever they arrived. A lead passes when it has an email address or a
    /// phone number, a company, a product interest and an estimated value above zero.
    pub data_complete: Metric,
    /// The score from 0 to 100: the weighted mean of the measures above, with the weights of
    /// [`WEIGHTS`]. A measure that counted no lead is left out and the weights of the others
    /// are scaled up to add up to 100%. Nothing when no measure counted a lead.
    pub composite: Option<f64>,
}

impl Scorecard {
    /// The five measures of the score with their names, in the order of [`WEIGHTS`].
    pub fn measures(&self) -> [(&'static str, &Metric); 5] {
        [
            (WEIGHTS[0].0, &self.first_touch_in_sla),
            (WEIGHTS[1].0, &self.next_step_planned),
            (WEIGHTS[2].0, &self.not_stale),
            (WEIGHTS[3].0, &self.close_reason_given),
            (WEIGHTS[4].0, &self.data_complete),
        ]
    }
}

/// How the score is computed, in words: "Score = 30% × first touch within SLA + 25% × …
/// (weights re-spread over the measures that have leads)".
pub fn formula() -> String {
    let terms: Vec<String> = WEIGHTS
        .iter()
        .map(|(name, weight)| {
            let mut chars = name.chars();
            let first = chars.next().map(|c| c.to_lowercase().to_string());
            let percent = (weight * 100.0).round() as u32;
            format!(
                "{percent}% × {}{}",
                first.unwrap_or_default(),
                chars.as_str()
            )
        })
        .collect();
    format!(
        "Score = {} (weights re-spread over the measures that have leads)",
        terms.join(" + ")
    )
}

/// The scorecard of `leads` (one rep's or one team's) over `period`, as it stands at `now`.
/// Arrivals and losses count when they fall in the period; open leads count as they are now.
pub fn scorecard(
    leads: &[&Lead],
    policies: &Policies,
    period: Period,
    now: Timestamp,
) -> Scorecard {
    let mut first_touch_in_sla = Metric::default();
    let mut next_step_planned = Metric::default();
    let mut not_stale = Metric::default();
    let mut close_reason_given = Metric::default();
    let mut data_complete = Metric::default();
    let mut minutes = Vec::new();
    for &lead in leads {
        let policy = policies.for_team(lead.team_id);
        if period.contains(lead.created_at) {
            if let Some(passed) = first_touch_verdict(policy, lead, now) {
                first_touch_in_sla.record(lead.id, passed);
            }
            if let (_, Some(m)) = first_touch_facts(
                policy,
                lead.source_id,
                lead.created_at,
                lead.first_touched_at,
            ) {
                minutes.push(m);
            }
        }
        match lead.closed_at {
            None => {
                let planned = lead.next_step.as_ref().is_some_and(|s| s.due_at >= now);
                next_step_planned.record(lead.id, planned);
                not_stale.record(lead.id, !is_stale(policy, lead, now));
                data_complete.record(lead.id, has_complete_data(policy, lead));
            }
            Some(closed) => {
                if period.contains(closed) && policy.lost_stages.contains(&lead.stage_id) {
                    close_reason_given.record(lead.id, has_close_reason(lead));
                }
            }
        }
    }
    let mut card = Scorecard {
        first_touch_in_sla,
        median_first_touch_minutes: lower_median(&mut minutes),
        next_step_planned,
        not_stale,
        close_reason_given,
        data_complete,
        composite: None,
    };
    card.composite = composite(&card);
    card
}

/// Week by week, for the `weeks` weeks before `now` (oldest first; each week runs from
/// `now` minus k+1 weeks, included, to `now` minus k weeks, not included): when the week
/// began, the share of the leads that arrived that week first touched within their SLA, and
/// the share of the leads lost that week with a reason. Both follow the scorecard's rules as
/// they stand at `now`; a share is missing when the week counted no lead for it.
pub fn weekly_trend(
    leads: &[&Lead],
    policies: &Policies,
    weeks: u32,
    now: Timestamp,
) -> Vec<(Timestamp, Option<f64>, Option<f64>)> {
    let n = weeks as usize;
    // (passed, counted) per week, oldest first.
    let mut sla = vec![(0u32, 0u32); n];
    let mut reasons = vec![(0u32, 0u32); n];
    let week_of = |t: Timestamp| -> Option<usize> {
        if t >= now {
            return None;
        }
        // t lies in [now - (k+1) weeks, now - k weeks).
        let k = (now.0 - t.0 - 1) / WEEK_MS;
        (k < i64::from(weeks)).then(|| n - 1 - k as usize)
    };
    let tally = |slot: &mut (u32, u32), passed: bool| {
        slot.0 += u32::from(passed);
        slot.1 += 1;
    };
    for &lead in leads {
        let policy = policies.for_team(lead.team_id);
        if let Some(w) = week_of(lead.created_at) {
            if let Some(passed) = first_touch_verdict(policy, lead, now) {
                tally(&mut sla[w], passed);
            }
        }
        if let Some(w) = lead.closed_at.and_then(week_of) {
            if policy.lost_stages.contains(&lead.stage_id) {
                tally(&mut reasons[w], has_close_reason(lead));
            }
        }
    }
    (0..n)
        .map(|w| {
            let start = Timestamp(now.0 - (n - w) as i64 * WEEK_MS);
            (
                start,
                ratio(sla[w].0, sla[w].1),
                ratio(reasons[w].0, reasons[w].1),
            )
        })
        .collect()
}

/// One scorecard per lead owner, best score first: by score from high to low, owners without
/// a score last, equal scores by user id. Leads without an owner are left out.
pub fn by_owner(
    leads: &[Lead],
    policies: &Policies,
    period: Period,
    now: Timestamp,
) -> Vec<(UserId, Scorecard)> {
    let mut groups: HashMap<UserId, Vec<&Lead>> = HashMap::new();
    for lead in leads {
        if let Some(owner) = &lead.owner {
            groups.entry(UserId(owner.id)).or_default().push(lead);
        }
    }
    let mut out: Vec<(UserId, Scorecard)> = groups
        .into_iter()
        .map(|(user, own)| (user, scorecard(&own, policies, period, now)))
        .collect();
    rank(&mut out);
    out
}

/// Orders scorecards best first: by score from high to low, those without a score last, equal
/// scores by user id.
pub fn rank(cards: &mut [(UserId, Scorecard)]) {
    cards.sort_by(|(ua, a), (ub, b)| {
        let by_score = match (a.composite, b.composite) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        by_score.then(ua.cmp(ub))
    });
}

/// `passed / counted`, or nothing when nothing was counted.
pub fn ratio(passed: u32, counted: u32) -> Option<f64> {
    (counted > 0).then(|| f64::from(passed) / f64::from(counted))
}

/// What a lead's first touch comes to under `policy`: its deadline (`None` when the policy sets
/// no first-touch time; `Timestamp(i64::MAX)` when the calendar never opens, as in `evaluate`)
/// and the business minutes from arrival to the first touch (`None` while untouched). The
/// server keeps both on the lead so compliance can count in SQL.
fn first_touch_facts(
    policy: &Policy,
    source_id: i64,
    created_at: Timestamp,
    first_touched_at: Option<Timestamp>,
) -> (Option<Timestamp>, Option<i64>) {
    let deadline = policy.first_touch_for(source_id).map(|minutes| {
        policy
            .calendar
            .add_business_ms(created_at, i64::from(minutes) * MINUTE_MS)
            .unwrap_or(Timestamp(i64::MAX))
    });
    let minutes = first_touched_at.map(|t| policy.calendar.business_ms(created_at, t) / MINUTE_MS);
    (deadline, minutes)
}

/// Whether a lead with first-touch `deadline` met it, or `None` when it does not count (no
/// deadline, or untouched with time left).
fn first_touch_met(
    deadline: Option<Timestamp>,
    first_touched_at: Option<Timestamp>,
    now: Timestamp,
) -> Option<bool> {
    let deadline = deadline?;
    match first_touched_at {
        Some(touched) => Some(touched <= deadline),
        None => (deadline <= now).then_some(false),
    }
}

/// Whether `lead` met its first-touch time, or `None` when it does not count.
fn first_touch_verdict(policy: &Policy, lead: &Lead, now: Timestamp) -> Option<bool> {
    let (deadline, _) = first_touch_facts(policy, lead.source_id, lead.created_at, None);
    first_touch_met(deadline, lead.first_touched_at, now)
}

/// `evaluate`'s Stale rule for an open lead. Restated rather than called: `evaluate` also
/// judges every other rule and formats a message for each finding; a test keeps the two in
/// step.
fn is_stale(policy: &Policy, lead: &Lead, now: Timestamp) -> bool {
    let Some(days) = policy.idle_days_for(lead.stage_id) else {
        return false;
    };
    let last = lead
        .last_touched_at
        .unwrap_or(lead.created_at)
        .max(lead.stage_entered_at);
    let planned = lead.next_step.as_ref().is_some_and(|s| s.due_at > now);
    now >= last.plus_days(i64::from(days)) && !planned
}

/// What compliance reads of a lead besides its clocks: the inputs of [`LeadFacts`].
#[derive(Clone, Copy, Debug)]
pub struct FactsOf<'a> {
    pub source_id: i64,
    pub created_at: Timestamp,
    pub first_touched_at: Option<Timestamp>,
    /// Has an e-mail address or a phone number.
    pub reachable: bool,
    pub company: Option<&'a str>,
    pub product_interest: Option<&'a str>,
    pub value_cents: Option<i64>,
    pub close_reason: Option<CloseReason>,
    pub close_note: Option<&'a str>,
    pub stage_id: StageId,
    /// The lead's custom field values.
    pub fields: &'a super::fields::FieldValues,
}

impl<'a> From<&'a Lead> for FactsOf<'a> {
    fn from(lead: &'a Lead) -> Self {
        FactsOf {
            source_id: lead.source_id,
            created_at: lead.created_at,
            first_touched_at: lead.first_touched_at,
            reachable: Criterion::Contact.holds(lead),
            company: lead.company.as_deref(),
            product_interest: lead.product_interest.as_deref(),
            value_cents: lead.value.map(|v| v.cents),
            close_reason: lead.close_reason,
            close_note: lead.close_note.as_deref(),
            stage_id: lead.stage_id,
            fields: &lead.fields,
        }
    }
}

/// A lead's standing on the measures that do not move with the clock, under its team's
/// policy. The server keeps these on the lead (worked out again after every write and policy
/// save) so that compliance is counted in SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeadFacts {
    /// The first-touch deadline; `None` when the policy sets no first-touch time,
    /// `Timestamp(i64::MAX)` when the calendar never opens (as in `evaluate`).
    pub first_touch_due: Option<Timestamp>,
    /// Business minutes from arrival to the first touch; `None` while untouched.
    pub first_touch_minutes: Option<i64>,
    /// An e-mail address or a phone number, a company, a product interest and an estimated
    /// value above zero.
    pub data_complete: bool,
    /// A close reason, and for "Other" a note saying what happened (the opposite of the
    /// policy's "lost without a reason"; meaningful for lost leads).
    pub reason_given: bool,
}

/// The facts of `lead` under `policy`.
pub fn lead_facts(policy: &Policy, lead: &FactsOf) -> LeadFacts {
    let (first_touch_due, first_touch_minutes) = first_touch_facts(
        policy,
        lead.source_id,
        lead.created_at,
        lead.first_touched_at,
    );
    LeadFacts {
        first_touch_due,
        first_touch_minutes,
        data_complete: data_complete(policy, lead),
        reason_given: reason_given(lead),
    }
}

/// Reachable, a company, a product interest, a value above zero, and every custom field the
/// lead's stage requires.
fn data_complete(policy: &Policy, lead: &FactsOf) -> bool {
    let custom = policy
        .stage_fields
        .iter()
        .filter(|(s, _)| *s == lead.stage_id)
        .flat_map(|(_, keys)| keys)
        .all(|k| {
            lead.fields
                .get(k)
                .is_some_and(|v| !super::fields::is_empty(v))
        });
    lead.reachable
        && lead.company.is_some_and(filled)
        && lead.product_interest.is_some_and(filled)
        && lead.value_cents.is_some_and(|c| c > 0)
        && custom
}

fn reason_given(lead: &FactsOf) -> bool {
    match lead.close_reason {
        None => false,
        Some(CloseReason::Other) => lead.close_note.is_some_and(filled),
        Some(_) => true,
    }
}

fn has_close_reason(lead: &Lead) -> bool {
    reason_given(&lead.into())
}

fn has_complete_data(policy: &Policy, lead: &Lead) -> bool {
    data_complete(policy, &lead.into())
}

fn filled(text: &str) -> bool {
    !text.trim().is_empty()
}

/// The lower of the two middle values for an even count; linear time.
pub fn lower_median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mid = (values.len() - 1) / 2;
    Some(*values.select_nth_unstable(mid).1)
}

/// The weighted score of `card`'s measures (see [`Scorecard::composite`]).
pub fn composite(card: &Scorecard) -> Option<f64> {
    let (sum, weight) = card
        .measures()
        .iter()
        .zip(WEIGHTS)
        .filter_map(|((_, m), (_, w))| m.share().map(|s| (s * w, w)))
        .fold((0.0, 0.0), |(sum, weight), (s, w)| (sum + s, weight + w));
    (weight > 0.0).then(|| 100.0 * sum / weight)
}

crate::keyed! {
    /// The measures a number can click through to.
    #[derive(Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Measure {
        FirstTouch => "first_touch", "First touch within SLA";
        NextStep => "next_step", "Next step planned";
        NotStale => "not_stale", "Not stale";
        CloseReason => "close_reason", "Losses with a reason";
        DataComplete => "data_complete", "Complete data";
    }
}

impl Measure {
    /// The metric of `card` this measure is.
    pub fn of(self, card: &Scorecard) -> &Metric {
        match self {
            Measure::FirstTouch => &card.first_touch_in_sla,
            Measure::NextStep => &card.next_step_planned,
            Measure::NotStale => &card.not_stale,
            Measure::CloseReason => &card.close_reason_given,
            Measure::DataComplete => &card.data_complete,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::access::TeamId;
    use crate::domain::calendar::{BusinessCalendar, Hours};
    use crate::domain::lead::{Channel, NextStep, NextStepKind, UserRef};
    use crate::domain::money::{Currency, Money};
    use crate::domain::policy::{evaluate, FindingKind};
    use crate::domain::stage::StageId;
    use crate::domain::time::days_from_civil;
    use crate::domain::zone::Zone;

    const HOUR: i64 = 3_600_000;
    const OPEN: StageId = StageId(10);
    const WON: StageId = StageId(80);
    const LOST: StageId = StageId(90);

    /// New York, Monday to Friday 09:00–17:00, closed on Thanksgiving (Thursday 2026-11-26).
    fn calendar() -> BusinessCalendar {
        let day = Some(Hours {
            open: 9 * 60,
            close: 17 * 60,
        });
        BusinessCalendar {
            zone_name: "America/New_York".into(),
            zone: Zone::parse("EST5EDT,M3.2.0,M11.1.0").unwrap(),
            week: [day, day, day, day, day, None, None],
            holidays: vec![days_from_civil(2026, 11, 26)],
        }
    }

    /// The organisation default: first touch within 4 business hours, stale after 14 days.
    fn policy() -> Policy {
        let mut p = Policy::default_for(calendar());
        p.lost_stages = vec![LOST];
        p
    }

    fn policies() -> Policies {
        Policies {
            org: policy(),
            teams: Vec::new(),
        }
    }

    /// New York wall-clock time in 2026.
    fn ny(m: u32, d: u32, h: i64, min: i64) -> Timestamp {
        Timestamp(
            calendar()
                .zone
                .to_utc(days_from_civil(2026, m, d) * DAY_MS + h * HOUR + min * 60_000),
        )
    }

    /// Monday 2026-11-23 to Monday 2026-12-07, both at midnight in New York.
    fn fortnight() -> Period {
        Period {
            from: ny(11, 23, 0, 0),
            to: ny(12, 7, 0, 0),
        }
    }

    /// An open, untouched lead with contact and company but no interest or value, and a next
    /// step due a day after it arrived.
    fn lead(id: i64, created: Timestamp) -> Lead {
        Lead {
            fields: Default::default(),
            id: LeadId(id),
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

    fn touched(mut l: Lead, at: Timestamp) -> Lead {
        l.first_touched_at = Some(at);
        l.last_touched_at = Some(at);
        l
    }

    fn lost(mut l: Lead, at: Timestamp, reason: Option<CloseReason>, note: Option<&str>) -> Lead {
        l.stage_id = LOST;
        l.next_step = None;
        l.closed_at = Some(at);
        l.close_reason = reason;
        l.close_note = note.map(Into::into);
        l
    }

    fn step_due(mut l: Lead, due: Option<Timestamp>) -> Lead {
        l.next_step = due.map(|due_at| NextStep {
            kind: NextStepKind::Call,
            due_at,
            note: None,
        });
        l
    }

    fn ids(ids: &[i64]) -> Vec<LeadId> {
        ids.iter().copied().map(LeadId).collect()
    }

    fn card(leads: &[Lead], policies: &Policies, period: Period, now: Timestamp) -> Scorecard {
        let refs: Vec<&Lead> = leads.iter().collect();
        scorecard(&refs, policies, period, now)
    }

    #[test]
    fn first_touch_counts_business_hours_across_weekends_and_holidays() {
        // Team 2 answers within one business hour.
        let mut quick = policy();
        quick.first_touch_minutes = Some(60);
        let policies = Policies {
            org: policy(),
            teams: vec![(TeamId(2), quick)],
        };
        let mut h = touched(lead(8, ny(11, 30, 9, 0)), ny(11, 30, 11, 0));
        h.team_id = Some(TeamId(2));
        let leads = vec![
            // Monday 09:00, touched 11:00: 2 business hours (pass).
            touched(lead(1, ny(11, 30, 9, 0)), ny(11, 30, 11, 0)),
            // Friday 16:00, touched Monday 10:00: 1 h Friday + 1 h Monday = 2 (pass).
            touched(lead(2, ny(11, 27, 16, 0)), ny(11, 30, 10, 0)),
            // Wednesday 16:00 before Thanksgiving, touched Friday 12:30: 1 h Wednesday, the
            // holiday closed, 3.5 h Friday = 4.5 (fail; due Friday 12:00).
            touched(lead(3, ny(11, 25, 16, 0)), ny(11, 27, 12, 30)),
            // Same arrival, touched Friday 11:00: 1 + 2 = 3 business hours though 43 hours
            // passed on the clock (pass).
            touched(lead(4, ny(11, 25, 16, 0)), ny(11, 27, 11, 0)),
            // Monday 10:00, never touched: due Monday 14:00, passed by now (fail).
            lead(5, ny(11, 30, 10, 0)),
            // Tuesday 10:00, never touched: due Tuesday 14:00, still ahead (not counted).
            lead(6, ny(12, 1, 10, 0)),
            // Arrived before the period (not counted).
            touched(lead(7, ny(11, 20, 9, 0)), ny(11, 24, 9, 0)),
            // Team 2: touched after 2 business hours, over its 1-hour SLA (fail).
            h,
        ];
        let c = card(&leads, &policies, fortnight(), ny(12, 1, 12, 0));
        // 6 counted (1, 2, 3, 4, 5, 8), 3 passed (1, 2, 4).
        assert_eq!(c.first_touch_in_sla.passed, 3);
        assert_eq!(c.first_touch_in_sla.counted, 6);
        assert_eq!(c.first_touch_in_sla.passed_ids, ids(&[1, 2, 4]));
        assert_eq!(c.first_touch_in_sla.failed_ids, ids(&[3, 5, 8]));
        assert_eq!(c.first_touch_in_sla.percent_text(), "50%");
    }

    #[test]
    fn an_untouched_lead_counts_once_its_deadline_is_reached() {
        // Monday 09:00 with 4 business hours: due Monday 13:00 exactly.
        let leads = vec![lead(1, ny(11, 30, 9, 0))];
        let before = card(&leads, &policies(), fortnight(), ny(11, 30, 12, 59));
        assert_eq!(before.first_touch_in_sla.counted, 0);
        assert_eq!(before.first_touch_in_sla.percent_text(), "–");
        let at = card(&leads, &policies(), fortnight(), ny(11, 30, 13, 0));
        assert_eq!(at.first_touch_in_sla.failed_ids, ids(&[1]));
    }

    #[test]
    fn the_median_first_touch_takes_the_lower_middle_of_an_even_count() {
        let leads = vec![
            // Monday 09:00 → 09:30: 30 business minutes.
            touched(lead(1, ny(11, 30, 9, 0)), ny(11, 30, 9, 30)),
            // Friday 16:30 → Monday 10:30: 30 + 90 = 120 (the weekend does not count).
            touched(lead(2, ny(11, 27, 16, 30)), ny(11, 30, 10, 30)),
            // Monday 13:00 → 14:00: 60.
            touched(lead(3, ny(11, 30, 13, 0)), ny(11, 30, 14, 0)),
            // Monday 09:00 → Tuesday 12:00: 8 h + 3 h = 660.
            touched(lead(4, ny(11, 30, 9, 0)), ny(12, 1, 12, 0)),
            // Never touched: no time to measure.
            lead(5, ny(11, 30, 9, 0)),
            // Before the period: Monday 16th 09:00 → Thursday 19th 11:00 = 1,560. Counted by
            // mistake it would move the median to 120.
            touched(lead(6, ny(11, 16, 9, 0)), ny(11, 19, 11, 0)),
        ];
        // 30, 60, 120, 660: the lower middle is 60 (the mean would be 217.5).
        let c = card(&leads, &policies(), fortnight(), ny(12, 1, 12, 0));
        assert_eq!(c.median_first_touch_minutes, Some(60));
        let none = card(&leads[4..5], &policies(), fortnight(), ny(12, 1, 12, 0));
        assert_eq!(none.median_first_touch_minutes, None);
    }

    #[test]
    fn a_future_next_step_keeps_an_idle_lead_from_counting_as_stale() {
        let now = ny(12, 15, 12, 0);
        let idle = |id| touched(lead(id, ny(11, 23, 9, 0)), ny(11, 30, 9, 0));
        let mut won = step_due(idle(5), None);
        won.stage_id = WON;
        won.closed_at = Some(ny(12, 1, 9, 0));
        let leads = vec![
            // Idle 15 days, next step due tomorrow: someone is on it (not stale, planned).
            step_due(idle(1), Some(ny(12, 16, 9, 0))),
            // Idle 15 days, next step overdue since yesterday (stale, not planned).
            step_due(idle(2), Some(ny(12, 14, 9, 0))),
            // Idle 15 days, no next step (stale, not planned).
            step_due(idle(3), None),
            // Touched 5 days ago, no next step (not stale, not planned).
            step_due(touched(idle(4), ny(12, 10, 9, 0)), None),
            // Closed: open-lead measures skip it.
            won,
        ];
        let c = card(&leads, &policies(), fortnight(), now);
        // 4 open leads: 1 and 4 are not stale → 2/4.
        assert_eq!(c.not_stale.passed_ids, ids(&[1, 4]));
        assert_eq!(c.not_stale.failed_ids, ids(&[2, 3]));
        // Only 1 has a step that is not overdue → 1/4.
        assert_eq!(c.next_step_planned.passed_ids, ids(&[1]));
        assert_eq!(c.next_step_planned.counted, 4);
        assert_eq!(c.next_step_planned.percent_text(), "25%");
    }

    #[test]
    fn staleness_follows_the_policy_evaluator() {
        let mut by_stage = policy();
        by_stage.idle_days_by_stage = vec![(OPEN, 30)];
        let mut no_limit = policy();
        no_limit.max_idle_days = None;
        let t = ny(11, 2, 9, 0);
        for p in [policy(), by_stage, no_limit] {
            for days in [13, 14, 15, 31] {
                let now = t.plus_days(days);
                for due in [
                    None,
                    Some(now.plus_days(-1)),
                    Some(now),
                    Some(now.plus_days(1)),
                ] {
                    for touch in [None, Some(t.plus_days(1))] {
                        let mut l = step_due(lead(1, t), due);
                        l.last_touched_at = touch;
                        let flagged = evaluate(&p, &l, now)
                            .iter()
                            .any(|f| f.kind == FindingKind::Stale);
                        assert_eq!(is_stale(&p, &l, now), flagged, "{days} {due:?} {touch:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_loss_marked_other_needs_a_note_to_count_as_explained() {
        let t = ny(11, 2, 9, 0);
        let closed = ny(12, 1, 9, 0);
        let mut won = lost(lead(6, t), closed, None, None);
        won.stage_id = WON;
        let leads = vec![
            // A reason other than "Other" needs no note (pass).
            lost(lead(1, t), closed, Some(CloseReason::NoBudget), None),
            // "Other" with a blank note (fail).
            lost(lead(2, t), closed, Some(CloseReason::Other), Some("  ")),
            // "Other" saying what happened (pass).
            lost(
                lead(3, t),
                closed,
                Some(CloseReason::Other),
                Some("Went with a reseller"),
            ),
            // No reason (fail).
            lost(lead(4, t), closed, None, None),
            // Lost before the period (not counted).
            lost(lead(5, t), ny(11, 20, 9, 0), None, None),
            // Won, not lost (not counted).
            won,
        ];
        let c = card(&leads, &policies(), fortnight(), ny(12, 15, 9, 0));
        // 4 counted, 2 passed.
        assert_eq!(c.close_reason_given.passed_ids, ids(&[1, 3]));
        assert_eq!(c.close_reason_given.failed_ids, ids(&[2, 4]));
        assert_eq!(c.close_reason_given.percent_text(), "50%");
    }

    #[test]
    fn complete_data_needs_a_way_to_reach_them_a_company_an_interest_and_a_value() {
        let t = ny(11, 30, 9, 0);
        let mut full = lead(1, t);
        full.product_interest = Some("Pallet wrappers".into());
        full.value = Some(Money::new(120_000, Currency::USD));
        let mut by_phone = full.clone();
        by_phone.id = LeadId(2);
        by_phone.email = None;
        by_phone.phone = Some("+1 212 555 0100".into());
        let mut unreachable = full.clone();
        unreachable.id = LeadId(3);
        unreachable.email = None;
        let mut blank_company = full.clone();
        blank_company.id = LeadId(4);
        blank_company.company = Some(" ".into());
        let mut zero_value = full.clone();
        zero_value.id = LeadId(5);
        zero_value.value = Some(Money::new(0, Currency::USD));
        let leads = vec![full, by_phone, unreachable, blank_company, zero_value];
        let c = card(&leads, &policies(), fortnight(), t);
        assert_eq!(c.data_complete.passed_ids, ids(&[1, 2]));
        assert_eq!(c.data_complete.failed_ids, ids(&[3, 4, 5]));
    }

    #[test]
    fn the_composite_re_spreads_the_weights_over_measures_with_leads() {
        let leads = vec![
            // Touched within the SLA, next step due Tuesday 09:00, touched yesterday,
            // no interest or value.
            touched(lead(1, ny(11, 30, 9, 0)), ny(11, 30, 10, 0)),
            // Arrived an hour ago with no next step; its SLA is not due yet.
            step_due(lead(2, ny(12, 1, 11, 0)), None),
        ];
        let c = card(&leads, &policies(), fortnight(), ny(12, 1, 12, 0));
        assert_eq!(c.first_touch_in_sla.share(), Some(1.0)); // 1/1
        assert_eq!(c.next_step_planned.share(), Some(0.0)); // step of 1 overdue since 09:00
        assert_eq!(c.not_stale.share(), Some(1.0)); // 2/2
        assert_eq!(c.close_reason_given.share(), None); // no losses
        assert_eq!(c.data_complete.share(), Some(0.0)); // 0/2
                                                        // (30% × 1 + 25% × 0 + 20% × 1 + 10% × 0) / 85% = 50 / 0.85 = 58.82; without
                                                        // re-spreading the missing 15% it would read 50.
        let score = c.composite.unwrap();
        assert!((score - 50.0 / 0.85).abs() < 1e-9, "{score}");
        let empty = card(&[], &policies(), fortnight(), ny(12, 1, 12, 0));
        assert_eq!(empty.composite, None);
        assert_eq!(empty.first_touch_in_sla.counted, 0);
    }

    #[test]
    fn by_owner_ranks_the_best_score_first_then_by_user_id() {
        let now = ny(12, 1, 12, 0);
        let owned = |l: Lead, user: i64| Lead {
            owner: Some(UserRef {
                id: user,
                name: format!("Rep {user}"),
            }),
            ..l
        };
        // Touched in time, a step due tomorrow, complete data: passes everything it counts.
        let mut model = touched(lead(0, ny(11, 30, 9, 0)), ny(11, 30, 10, 0));
        model.next_step.as_mut().unwrap().due_at = ny(12, 2, 9, 0);
        model.product_interest = Some("Pallet wrappers".into());
        model.value = Some(Money::new(120_000, Currency::USD));
        let good = |id| Lead {
            id: LeadId(id),
            ..model.clone()
        };
        // Untouched past its SLA, no next step, incomplete: passes only "not stale".
        let bad = |id| step_due(lead(id, ny(11, 30, 9, 0)), None);
        // Won before the period: counted by no measure.
        let mut old_win = lead(5, ny(11, 2, 9, 0));
        old_win.stage_id = WON;
        old_win.closed_at = Some(ny(11, 10, 9, 0));
        let leads = vec![
            owned(bad(1), 1),
            owned(good(2), 3),
            owned(old_win, 4),
            owned(good(3), 2),
            owned(good(4), 3),
            // Unassigned: on nobody's scorecard.
            bad(6),
        ];
        let ranked = by_owner(&leads, &policies(), fortnight(), now);
        let order: Vec<(i64, Option<f64>)> = ranked
            .iter()
            .map(|(u, c)| (u.0, c.composite.map(|s| (s * 100.0).round() / 100.0)))
            .collect();
        // Users 2 and 3 both score 100 (tie broken by id); user 1 passes only "not stale",
        // 20 / 85 = 23.53; user 4 has no score.
        assert_eq!(
            order,
            vec![
                (2, Some(100.0)),
                (3, Some(100.0)),
                (1, Some(23.53)),
                (4, None)
            ]
        );
        assert_eq!(ranked[1].1.first_touch_in_sla.passed_ids, ids(&[2, 4]));
    }

    #[test]
    fn weekly_trend_puts_each_lead_in_the_week_it_arrived_or_was_lost() {
        // Three weeks back from Monday 2026-12-14 12:00: week 1 starts Monday 23 November
        // 12:00, week 2 on 30 November and week 3 on 7 December, at the same time.
        let now = ny(12, 14, 12, 0);
        let early = ny(11, 2, 9, 0);
        let leads = [
            // Arrives at the very start of week 2, touched in time: week 2 SLA 1/1.
            touched(lead(1, ny(11, 30, 12, 0)), ny(11, 30, 13, 0)),
            // A minute earlier, never touched: week 1 SLA 0/1.
            lead(2, ny(11, 30, 11, 59)),
            // Arrives at `now`: in no week (it would make week 3's SLA 1/1).
            touched(lead(3, now), now),
            // A minute before week 1 began, touched in time: in no week (it would make
            // week 1's SLA 1/2).
            touched(lead(4, ny(11, 23, 11, 59)), ny(11, 23, 12, 0)),
            // Lost at the start of week 3 with a reason: week 3 losses 1/1.
            lost(
                touched(lead(5, early), early),
                ny(12, 7, 12, 0),
                Some(CloseReason::NoBudget),
                None,
            ),
            // Lost a minute earlier without one: week 2 losses 0/1.
            lost(
                touched(lead(6, early), early),
                ny(12, 7, 11, 59),
                None,
                None,
            ),
        ];
        let refs: Vec<&Lead> = leads.iter().collect();
        let trend = weekly_trend(&refs, &policies(), 3, now);
        assert_eq!(
            trend,
            vec![
                (ny(11, 23, 12, 0), Some(0.0), None),
                (ny(11, 30, 12, 0), Some(1.0), Some(0.0)),
                (ny(12, 7, 12, 0), None, Some(1.0)),
            ]
        );
        assert!(weekly_trend(&refs, &policies(), 0, now).is_empty());
    }

    #[test]
    fn percentages_round_but_never_hide_a_single_miss_or_pass() {
        let m = |passed, counted| Metric {
            passed,
            counted,
            ..Metric::default()
        };
        assert_eq!(m(2, 3).percent_text(), "67%");
        assert_eq!(m(7, 8).percent_text(), "88%");
        assert_eq!(m(199, 200).percent_text(), "99%");
        assert_eq!(m(1, 200).percent_text(), "1%");
        assert_eq!(m(0, 4).percent_text(), "0%");
        assert_eq!(m(4, 4).percent_text(), "100%");
        assert_eq!(m(0, 0).percent_text(), "–");
        assert_eq!(m(0, 0).share(), None);
    }

    #[test]
    fn the_formula_names_every_measure_with_its_weight() {
        assert_eq!(
            formula(),
            "Score = 30% × first touch within SLA + 25% × open leads with a planned next step \
             + 20% × open leads not stale + 15% × losses with a reason + 10% × open leads with \
             complete data (weights re-spread over the measures that have leads)"
        );
        let total: f64 = WEIGHTS.iter().map(|(_, w)| w).sum();
        assert!((total - 1.0).abs() < 1e-9);
    }
}
