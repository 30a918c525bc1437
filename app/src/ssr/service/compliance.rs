//! `/compliance`: follow-up compliance per team and per rep over a period, from the leads and
//! the policies in force (see `domain::compliance` for every rule), and the leads behind each
//! number.

use super::{internal, now};
use crate::api::compliance::{
    ComplianceQuery, ComplianceView, LeadLine, LeadsBehind, Measure, ScoreRow, PERIODS,
};
use crate::domain::access::{self, Actor, LeadScope, TeamId, UserId};
use crate::domain::compliance::{by_owner, formula, scorecard, weekly_trend, Period, Scorecard};
use crate::domain::time::DAY_MS;
use crate::domain::{Lead, Timestamp};
use crate::error::AppError;
use crate::ssr::store::{accounts, leads};
use crate::ssr::AppState;
use std::collections::HashMap;

/// Weeks in the trend.
const TREND_WEEKS: u32 = 8;

/// The leads `q` is about, after authorization, with the rest of what the page needs.
struct Loaded {
    leads: Vec<Lead>,
    period: Period,
    at: Timestamp,
    policies: std::sync::Arc<crate::domain::Policies>,
    users: HashMap<i64, (String, Option<i64>)>,
    teams: Vec<(i64, String)>,
    own_only: bool,
}

async fn load(state: &AppState, actor: &Actor, q: &ComplianceQuery) -> Result<Loaded, AppError> {
    let scope = access::view_compliance(actor)?;
    if !PERIODS.contains(&q.days) {
        return Err(AppError::field(
            "days",
            "Choose a period of 7, 30, 90 or 365 days",
        ));
    }
    let own_only = matches!(scope, LeadScope::Owner(_));
    if let (LeadScope::Owner(me), Some(rep)) = (&scope, q.rep) {
        if me.0 != rep {
            return Err(access::Denied("A rep sees their own figures only").into());
        }
    }
    if let (LeadScope::Teams { teams, .. }, Some(team)) = (&scope, q.team) {
        if !teams.contains(&TeamId(team)) {
            return Err(access::Denied("This is not a team you manage").into());
        }
    }
    let at = now();
    let period = Period {
        from: Timestamp(at.0 - i64::from(q.days) * DAY_MS),
        to: at,
    };
    let since = Timestamp(
        period
            .from
            .0
            .min(at.0 - i64::from(TREND_WEEKS) * 7 * DAY_MS),
    );
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("compliance: acquire"))?;
    let policies = state
        .store
        .policies(&mut conn)
        .await
        .map_err(internal("compliance: policies"))?;
    let all = leads::for_compliance(&mut conn, since)
        .await
        .map_err(internal("compliance: leads"))?;
    let users = accounts::users(&mut conn)
        .await
        .map_err(internal("compliance: users"))?
        .into_iter()
        .map(|u| (u.id.0, (u.name, u.team_id.map(|t| t.0))))
        .collect();
    let teams = accounts::teams(&mut conn)
        .await
        .map_err(internal("compliance: teams"))?
        .into_iter()
        .filter(|t| match &scope {
            LeadScope::All => true,
            LeadScope::Teams { teams, .. } => teams.contains(&t.id),
            LeadScope::Owner(_) => false,
        })
        .map(|t| (t.id.0, t.name))
        .collect();
    let leads = all
        .into_iter()
        .filter(|l| scope.contains(l))
        .filter(|l| q.team.is_none_or(|t| l.team_id == Some(TeamId(t))))
        .filter(|l| {
            q.rep
                .is_none_or(|r| l.owner.as_ref().is_some_and(|o| o.id == r))
        })
        .collect();
    Ok(Loaded {
        leads,
        period,
        at,
        policies,
        users,
        teams,
        own_only,
    })
}

/// The page for `q`: team rows, rep rows (best first), the trend and the formula.
pub async fn page(
    state: &AppState,
    actor: &Actor,
    q: ComplianceQuery,
) -> Result<ComplianceView, AppError> {
    let l = load(state, actor, &q).await?;
    let mut by_team: HashMap<i64, Vec<&Lead>> = HashMap::new();
    for lead in &l.leads {
        if let Some(t) = lead.team_id {
            by_team.entry(t.0).or_default().push(lead);
        }
    }
    let strip = |mut card: Scorecard| {
        for m in [
            &mut card.first_touch_in_sla,
            &mut card.next_step_planned,
            &mut card.not_stale,
            &mut card.close_reason_given,
            &mut card.data_complete,
        ] {
            m.passed_ids = Vec::new();
            m.failed_ids = Vec::new();
        }
        card
    };
    let teams = if l.own_only || q.rep.is_some() {
        Vec::new()
    } else {
        l.teams
            .iter()
            .filter_map(|(id, name)| {
                let leads = by_team.get(id)?;
                Some(ScoreRow {
                    id: *id,
                    name: name.clone(),
                    team: None,
                    card: strip(scorecard(leads, &l.policies, l.period, l.at)),
                })
            })
            .collect()
    };
    let team_name = |t: Option<i64>| {
        t.and_then(|t| l.teams.iter().find(|(id, _)| *id == t))
            .map(|(_, n)| n.clone())
    };
    let reps = by_owner(&l.leads, &l.policies, l.period, l.at)
        .into_iter()
        .map(|(UserId(u), card)| {
            let (name, team) = l
                .users
                .get(&u)
                .cloned()
                .unwrap_or_else(|| (format!("User {u}"), None));
            ScoreRow {
                id: u,
                name,
                team: team_name(team),
                card: strip(card),
            }
        })
        .collect();
    let refs: Vec<&Lead> = l.leads.iter().collect();
    Ok(ComplianceView {
        rep_name: q.rep.and_then(|r| l.users.get(&r).map(|(n, _)| n.clone())),
        trend: weekly_trend(&refs, &l.policies, TREND_WEEKS, l.at),
        query: q,
        period: l.period,
        now: l.at,
        formula: formula(),
        teams,
        reps,
        team_choices: l.teams.clone(),
        own_only: l.own_only,
    })
}

/// The leads that passed or failed `measure` among the leads of `q` (a team, a rep, or the
/// viewer's whole scope), most recent first, at most 500.
pub async fn leads_behind(
    state: &AppState,
    actor: &Actor,
    q: ComplianceQuery,
    measure: Measure,
    passed: bool,
) -> Result<LeadsBehind, AppError> {
    let l = load(state, actor, &q).await?;
    let refs: Vec<&Lead> = l.leads.iter().collect();
    let card = scorecard(&refs, &l.policies, l.period, l.at);
    let metric = measure.of(&card);
    let ids = if passed {
        &metric.passed_ids
    } else {
        &metric.failed_ids
    };
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("compliance leads: acquire"))?;
    let pipeline = state
        .store
        .pipeline(&mut conn)
        .await
        .map_err(internal("compliance leads: stages"))?;
    let by_id: HashMap<_, &Lead> = l.leads.iter().map(|x| (x.id, x)).collect();
    let mut lines: Vec<LeadLine> = ids
        .iter()
        .filter_map(|id| by_id.get(id))
        .map(|lead| LeadLine {
            id: lead.id,
            title: lead.title().to_string(),
            owner: lead.owner.as_ref().map(|o| o.name.clone()),
            stage: pipeline
                .get(lead.stage_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            created_at: lead.created_at,
            next_step: lead
                .next_step
                .as_ref()
                .map(|s| format!("{} · {}", s.kind.label(), s.due_at.date_string(0))),
        })
        .collect();
    lines.sort_by_key(|x| std::cmp::Reverse(x.created_at));
    lines.truncate(500);
    let whose = match (q.rep, q.team) {
        (Some(r), _) => l.users.get(&r).map(|(n, _)| n.clone()),
        (None, Some(t)) => l
            .teams
            .iter()
            .find(|(id, _)| *id == t)
            .map(|(_, n)| n.clone()),
        _ => None,
    }
    .unwrap_or_else(|| "Everyone you see".into());
    Ok(LeadsBehind {
        title: format!(
            "{whose} · {} · {} · last {} days",
            measure.label(),
            if passed { "met" } else { "missed" },
            q.days
        ),
        leads: lines,
    })
}
