//! The follow-up sweep: judges the leads that are due (written since the last sweep, under a
//! policy saved since, or with a clock or escalation rung running out: `leads.judge_at`) with
//! their team's policy, records breaches that began and ended as findings (each an event), and
//! climbs each open breach's escalation ladder: a notification to the rep, then to the
//! manager, then reassignment within the team (round robin). Every step is an event, taken
//! once per breach: the step reached is stored with the finding, so a restart or a second
//! sweep never repeats it. Each judged lead is then marked with the instant it must be judged
//! again (`domain::policy::next_change`, `next_rung_at`), so a sweep over a quiet database
//! reads almost nothing.
//!
//! Idempotent: a sweep at the same instant over unchanged leads changes nothing. Run by one
//! instance at a time (`server::sweeper` holds a lease row for it).

use super::now;
use crate::domain::{
    escalation_due, evaluate, next_change, next_rung_at, EscalationStep, FindingKind, Lead, LeadId,
    Policies, Timestamp, UserId,
};
use crate::error::AppError;
use crate::model::inbox::Inbox;
use crate::model::LiveEvent;
use crate::model::LiveKind;
use crate::ssr::store::leads::Due;
use crate::ssr::store::sweep::{self as store, NewFinding, NewNotification, OpenFinding};
use crate::ssr::store::{events, leads, Tx};
use crate::ssr::AppState;
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// Changes written per transaction, so the single writer is never held for long.
const BATCH: usize = 500;
/// Leads marked judged per transaction.
const JUDGED_BATCH: usize = 2_000;

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    /// Leads judged: those due (most sweeps judge few).
    pub judged: usize,
    pub opened: usize,
    pub resolved: usize,
    pub reminded: usize,
    pub alerted: usize,
    pub reassigned: usize,
    /// Milliseconds spent judging (reading and evaluating) and writing.
    pub judge_ms: u64,
    pub write_ms: u64,
}

/// Kinds the sweep records. "At risk" is a warning on the card, not a breach to escalate; a
/// missing close reason is refused on write and concerns closed leads.
fn recorded(kind: FindingKind) -> bool {
    !matches!(
        kind,
        FindingKind::SlaAtRisk | FindingKind::CloseReasonMissing
    )
}

enum Op {
    Open {
        lead: LeadId,
        kind: &'static str,
        version: i64,
        team: Option<i64>,
        began: Timestamp,
        message: String,
        steps: Vec<EscalationStep>,
    },
    Resolve {
        finding: i64,
        lead: LeadId,
        kind: String,
    },
    Escalate {
        finding: i64,
        lead: LeadId,
        kind: String,
        /// The step reached when the sweep read the finding.
        was: i64,
        steps: Vec<EscalationStep>,
    },
}

/// What the sweep must write, and when each judged lead is due again:
/// (lead, version read, `judge_at` read, next judging).
struct Plan {
    ops: Vec<Op>,
    judged: Vec<(LeadId, i64, i64, Option<Timestamp>)>,
}

/// Who is told or gets the lead at each rung, per team.
struct Teams {
    manager: HashMap<i64, i64>,
    reps: HashMap<i64, Vec<i64>>,
}

/// Runs one sweep at instant `at`. Also brings the stored compliance facts up to date, so
/// the compliance page seldom has any to work out itself.
pub async fn sweep(state: &AppState, at: Timestamp) -> Result<SweepReport, AppError> {
    let started = std::time::Instant::now();
    super::compliance::refresh_facts(state).await?;
    let mut conn = state.store.read().await?;
    let due = leads::due_for_judging(&mut conn, at).await?;
    let findings = store::open_findings_due(&mut conn, at).await?;
    let people = store::team_people(&mut conn).await?;
    // The rules, uncached and read after the leads: a save after this read marks its leads
    // anew, so the judgement below is not kept for them (`leads::write_judged`).
    let policies = state.store.read_policies(&mut conn).await?;
    drop(conn);
    let teams = Teams {
        manager: people
            .iter()
            .filter_map(|(t, m, _)| m.map(|m| (*t, m)))
            .collect(),
        reps: people.into_iter().map(|(t, _, r)| (t, r)).collect(),
    };
    let Plan { ops, judged } = plan(&policies, &due, &findings, at);
    let mut report = SweepReport {
        judged: due.len(),
        judge_ms: started.elapsed().as_millis() as u64,
        ..Default::default()
    };
    let written = std::time::Instant::now();
    // The leads judged were read without names; read whole those someone is told about.
    let mut told: Vec<i64> = ops
        .iter()
        .filter_map(|op| match op {
            Op::Open { lead, steps, .. } | Op::Escalate { lead, steps, .. }
                if !steps.is_empty() =>
            {
                Some(lead.0)
            }
            _ => None,
        })
        .collect();
    told.sort_unstable();
    told.dedup();
    let mut whole = Vec::with_capacity(told.len());
    {
        let mut conn = state.store.read().await?;
        for ids in told.chunks(500) {
            whole.extend(leads::by_ids(&mut conn, ids).await?);
        }
    }
    let by_id: HashMap<LeadId, &Lead> = whole.iter().map(|l| (l.id, l)).collect();
    for batch in ops.chunks(BATCH) {
        let mut tx = state.store.begin().await?;
        let mut live = Vec::new();
        write_batch(
            &mut tx,
            state,
            batch,
            &by_id,
            &teams,
            at,
            &mut report,
            &mut live,
        )
        .await?;
        tx.commit().await?;
        for event in live {
            state.hub.publish(event);
        }
    }
    // Only once every change is in: a sweep cut short judges its leads again next time.
    for batch in judged.chunks(JUDGED_BATCH) {
        let mut tx = state.store.begin().await?;
        leads::write_judged(&mut tx, batch).await?;
        tx.commit().await?;
    }
    report.write_ms = written.elapsed().as_millis() as u64;
    Ok(report)
}

/// What the sweep must write, decided from the due leads and their open findings alone.
fn plan(policies: &Policies, due: &[Due], findings: &[OpenFinding], at: Timestamp) -> Plan {
    let mut ops = Vec::new();
    let mut judged = Vec::with_capacity(due.len());
    let mut known: HashMap<(i64, &str), &OpenFinding> = findings
        .iter()
        .map(|f| ((f.lead_id, f.kind.as_str()), f))
        .collect();
    for Due { lead, seen } in due {
        let policy = policies.for_team(lead.team_id);
        let mut next = next_change(policy, lead, at);
        let mut rung = |began: Timestamp, reached: i64| {
            if let Some(t) = next_rung_at(policy, began, reached) {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        };
        for f in evaluate(policy, lead, at)
            .into_iter()
            .filter(|f| recorded(f.kind))
        {
            let kind = f.kind.key();
            match known.remove(&(lead.id.0, kind)) {
                Some(existing) => {
                    let began = Timestamp(existing.began_at);
                    let steps = escalation_due(policy, began, at, existing.step);
                    rung(began, steps.last().map_or(existing.step, |s| s.number()));
                    if !steps.is_empty() {
                        ops.push(Op::Escalate {
                            finding: existing.id,
                            lead: lead.id,
                            kind: existing.kind.clone(),
                            was: existing.step,
                            steps,
                        });
                    }
                }
                None => {
                    let steps = escalation_due(policy, f.at, at, 0);
                    rung(f.at, steps.last().map_or(0, |s| s.number()));
                    ops.push(Op::Open {
                        lead: lead.id,
                        kind,
                        version: f.policy_version,
                        team: lead.team_id.map(|t| t.0),
                        began: f.at,
                        message: f.message,
                        steps,
                    })
                }
            }
        }
        judged.push((lead.id, lead.version, *seen, next));
    }
    // Whatever is left no longer holds (fixed, or the lead closed).
    for f in known.into_values() {
        ops.push(Op::Resolve {
            finding: f.id,
            lead: LeadId(f.lead_id),
            kind: f.kind.clone(),
        });
    }
    Plan { ops, judged }
}

/// Writes one batch of the plan with a few multi-row statements: findings resolved and
/// opened and their events, then the escalation steps taken (notices and their events), then
/// reassignments (rare; one lead at a time).
#[allow(clippy::too_many_arguments)]
async fn write_batch(
    tx: &mut Tx,
    state: &AppState,
    batch: &[Op],
    leads_by_id: &HashMap<LeadId, &Lead>,
    teams: &Teams,
    at: Timestamp,
    report: &mut SweepReport,
    live: &mut Vec<LiveEvent>,
) -> Result<(), sqlx::Error> {
    let event = |kind: &'static str, lead: LeadId, payload: serde_json::Value| events::NewEvent {
        at,
        actor_id: None,
        kind,
        lead_id: Some(lead),
        payload,
    };
    let mut log = Vec::new();

    // Breaches that ended.
    let resolved: Vec<(i64, LeadId, &str)> = batch
        .iter()
        .filter_map(|op| match op {
            Op::Resolve {
                finding,
                lead,
                kind,
            } => Some((*finding, *lead, kind.as_str())),
            _ => None,
        })
        .collect();
    let ids: Vec<i64> = resolved.iter().map(|r| r.0).collect();
    store::resolve_findings(tx, &ids, at).await?;
    for (finding, lead, kind) in &resolved {
        log.push(event(
            "finding.resolved",
            *lead,
            json!({"finding_id": finding, "kind": kind}),
        ));
    }
    report.resolved += resolved.len();

    // Breaches that began, at the rung already due.
    let opened: Vec<&Op> = batch
        .iter()
        .filter(|op| matches!(op, Op::Open { .. }))
        .collect();
    let new: Vec<NewFinding> = opened
        .iter()
        .filter_map(|op| match op {
            Op::Open {
                lead,
                kind,
                version,
                team,
                began,
                steps,
                ..
            } => Some(NewFinding {
                lead_id: *lead,
                kind,
                policy_version: *version,
                team_id: *team,
                began_at: *began,
                step: steps.last().map_or(0, |s| s.number()),
            }),
            _ => None,
        })
        .collect();
    let ids = store::open_findings(tx, &new, at).await?;
    // (finding, lead, kind, steps) of every breach climbing a rung now.
    let mut climbs: Vec<(i64, LeadId, &str, &[EscalationStep])> = Vec::new();
    for (op, id) in opened.iter().zip(&ids) {
        if let Op::Open {
            lead,
            kind,
            version,
            began,
            message,
            steps,
            ..
        } = op
        {
            log.push(event(
                "finding.opened",
                *lead,
                json!({"finding_id": id, "kind": kind, "policy_version": version,
                       "began_at": began.0, "message": message}),
            ));
            if !steps.is_empty() {
                climbs.push((*id, *lead, kind, steps));
            }
        }
    }
    report.opened += ids.len();
    events::append_many(tx, &log).await?;

    // Open breaches reaching a further rung: raised only if no other sweep did meanwhile.
    let raises: Vec<(i64, i64, i64)> = batch
        .iter()
        .filter_map(|op| match op {
            Op::Escalate {
                finding,
                was,
                steps,
                ..
            } => steps.last().map(|s| (*finding, *was, s.number())),
            _ => None,
        })
        .collect();
    let raised = store::raise_steps(tx, &raises).await?;
    for op in batch {
        if let Op::Escalate {
            finding,
            lead,
            kind,
            steps,
            ..
        } = op
        {
            if raised.contains(finding) {
                climbs.push((*finding, *lead, kind, steps));
            }
        }
    }

    // Each rung: a notice (and its event) or a reassignment, and a `finding.escalated` event.
    let mut notices: Vec<(NewNotification, &Lead)> = Vec::new();
    let mut escalated = Vec::new();
    let mut reassign = Vec::new();
    for (finding, lead, kind, steps) in climbs {
        let Some(lead) = leads_by_id.get(&lead).copied() else {
            continue;
        };
        let what = format!("{} {}", lead.title(), label(kind));
        let team = lead.team_id.map(|t| t.0);
        for step in steps {
            let payload = json!({"finding_id": finding, "kind": kind, "step": step.key()});
            match step {
                EscalationStep::RemindRep => {
                    if let Some(owner) = &lead.owner {
                        notices.push((
                            NewNotification {
                                user_id: owner.id,
                                lead_id: Some(lead.id.0),
                                kind: "reminder",
                                message: what.clone(),
                            },
                            lead,
                        ));
                        report.reminded += 1;
                    }
                }
                EscalationStep::AlertManager => {
                    if let Some(manager) = team.and_then(|t| teams.manager.get(&t)) {
                        let owner = lead.owner.as_ref().map_or("nobody", |o| o.name.as_str());
                        notices.push((
                            NewNotification {
                                user_id: *manager,
                                lead_id: Some(lead.id.0),
                                kind: "alert",
                                message: format!("{what} (owner: {owner})"),
                            },
                            lead,
                        ));
                        report.alerted += 1;
                    }
                }
                EscalationStep::Reassign => {
                    reassign.push((lead, kind, payload));
                    continue;
                }
            }
            escalated.push(event("finding.escalated", lead.id, payload));
        }
    }
    let rows: Vec<NewNotification> = notices.iter().map(|(n, _)| n.clone()).collect();
    let ids = store::insert_notifications(tx, &rows, at).await?;
    let mut log: Vec<events::NewEvent> = notices
        .iter()
        .zip(&ids)
        .map(|((n, lead), id)| {
            event(
                NOTIFICATION.key(),
                lead.id,
                json!({"user_id": n.user_id, "notification_id": id, "message": n.message}),
            )
        })
        .collect();
    let told = log.len();
    log.extend(escalated);
    let event_ids = events::append_many(tx, &log).await?;
    events::notify_many(tx, &event_ids[..told]).await?;
    for ((n, lead), id) in notices.iter().zip(&event_ids) {
        live.push(LiveEvent {
            id: *id,
            kind: NOTIFICATION,
            at,
            from_stage: Some(lead.stage_id),
            lead: (*lead).clone(),
            recipient: Some(n.user_id),
        });
    }

    for (lead, kind, mut payload) in reassign {
        if let Some(to) = reassign_lead(tx, state, lead, kind, teams, at, live).await? {
            payload["to"] = json!(to);
            report.reassigned += 1;
        }
        events::append(tx, &event("finding.escalated", lead.id, payload)).await?;
    }
    Ok(())
}

/// Gives `lead` to the next rep of its team (round robin), if it is still at the version
/// read; returns who got it.
async fn reassign_lead(
    tx: &mut Tx,
    _state: &AppState,
    lead: &Lead,
    kind: &str,
    teams: &Teams,
    at: Timestamp,
    live: &mut Vec<LiveEvent>,
) -> Result<Option<i64>, sqlx::Error> {
    let team = lead.team_id.map(|t| t.0);
    let current = lead.owner.as_ref().map(|o| o.id);
    let Some(to) = team
        .and_then(|t| teams.reps.get(&t))
        .and_then(|reps| round_robin(reps, current))
    else {
        return Ok(None);
    };
    if !leads::write_owner(tx, lead.id, UserId(to), lead.team_id, lead.version, at).await? {
        return Ok(None);
    }
    let id = events::append(
        tx,
        &events::NewEvent {
            at,
            actor_id: None,
            kind: "lead.assigned",
            lead_id: Some(lead.id),
            payload: json!({
                "before": {"owner_id": current, "team_id": team, "version": lead.version},
                "after": {"owner_id": to, "team_id": team, "version": lead.version + 1},
                "reason": "escalation",
            }),
        },
    )
    .await?;
    events::notify(tx, id).await?;
    if let Some(moved) = leads::lead(tx, lead.id).await? {
        live.push(LiveEvent {
            id,
            kind: LiveKind::Assigned,
            at,
            from_stage: Some(moved.stage_id),
            lead: moved,
            recipient: None,
        });
    }
    let text = format!("{} was given to you: {}", lead.title(), label(kind));
    notify(tx, to, lead, "reassigned", &text, at, live).await?;
    Ok(Some(to))
}

fn label(kind: &str) -> &'static str {
    match kind {
        "sla_breached" => "not contacted within the SLA",
        "next_step_missing" => "has no next step",
        "next_step_overdue" => "has an overdue next step",
        "stale" => "has gone stale",
        _ => "is missing a field its stage needs",
    }
}

/// The rep after `current` in id order (wrapping), never `current` itself.
fn round_robin(reps: &[i64], current: Option<i64>) -> Option<i64> {
    let others: Vec<i64> = reps
        .iter()
        .copied()
        .filter(|r| Some(*r) != current)
        .collect();
    let cur = current.unwrap_or(i64::MIN);
    others
        .iter()
        .copied()
        .find(|r| *r > cur)
        .or_else(|| others.first().copied())
}

/// Stores an in-app notification and queues it for the recipient's live feed.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn notify(
    tx: &mut Tx,
    user: i64,
    lead: &Lead,
    kind: &str,
    message: &str,
    at: Timestamp,
    live: &mut Vec<LiveEvent>,
) -> Result<(), sqlx::Error> {
    let id = store::insert_notification(tx, user, Some(lead.id), kind, message, at).await?;
    let event = events::append(
        tx,
        &events::NewEvent {
            at,
            actor_id: None,
            kind: NOTIFICATION.key(),
            lead_id: Some(lead.id),
            payload: json!({"user_id": user, "notification_id": id, "message": message}),
        },
    )
    .await?;
    events::notify(tx, event).await?;
    live.push(LiveEvent {
        id: event,
        kind: NOTIFICATION,
        at,
        from_stage: Some(lead.stage_id),
        lead: lead.clone(),
        recipient: Some(user),
    });
    Ok(())
}

/// The event kind of an in-app notification on the live feed (only its recipient hears it).
pub const NOTIFICATION: LiveKind = LiveKind::NotificationSent;

/// The signed-in person's newest notifications (everyone with an account has an inbox).
pub async fn inbox(state: &AppState, actor: &crate::domain::Actor) -> Result<Inbox, AppError> {
    let mut conn = state.store.read().await?;
    let (items, unread) = store::notifications(&mut conn, actor.id.0, 20).await?;
    Ok(Inbox { items, unread })
}

/// Marks all of the actor's notifications read and returns the inbox.
pub async fn mark_read(state: &AppState, actor: &crate::domain::Actor) -> Result<Inbox, AppError> {
    let mut tx = state.store.begin().await?;
    store::mark_read(&mut tx, actor.id.0, now()).await?;
    tx.commit().await?;
    inbox(state, actor).await
}

/// The sweep now; for the server's timer.
pub async fn sweep_now(state: &AppState) -> Result<SweepReport, AppError> {
    sweep(state, now()).await
}

#[cfg(test)]
mod tests {
    use super::round_robin;

    #[test]
    fn round_robin_gives_the_lead_to_the_next_rep_and_never_back() {
        assert_eq!(round_robin(&[3, 5, 9], Some(5)), Some(9));
        assert_eq!(round_robin(&[3, 5, 9], Some(9)), Some(3));
        assert_eq!(round_robin(&[3, 5, 9], None), Some(3));
        assert_eq!(round_robin(&[5], Some(5)), None);
        // An owner who left the team: the next id after theirs.
        assert_eq!(round_robin(&[3, 9], Some(4)), Some(9));
    }
}
