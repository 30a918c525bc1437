//! `/compliance`: follow-up compliance per team and per rep over a period, counted in SQL
//! (`store::compliance`, the rules of `domain::compliance`), and the leads behind each number.

use super::now;
use crate::domain::access::{self, Actor, LeadScope, TeamId};
use crate::domain::compliance::{
    composite, formula, lead_facts, lower_median, rank, ratio, Metric, Period, Scorecard,
};
use crate::domain::time::DAY_MS;
use crate::domain::{PipelineId, Timestamp, UserId};
use crate::error::AppError;
use crate::model::compliance::{
    ComplianceQuery, ComplianceView, LeadLine, LeadsBehind, Measure, ScoreRow, PERIODS,
};
use crate::ssr::store::compliance::{self as facts, Group, Population, Rules, Tally};
use crate::ssr::store::Reading;
use crate::ssr::store::{accounts, leads};
use crate::ssr::AppState;
use std::collections::HashMap;

/// Weeks in the trend.
const TREND_WEEKS: u32 = 8;

/// Leads whose first-touch facts are worked out per transaction.
const FACTS_BATCH: i64 = 2_000;

/// Works out the stored compliance facts of every lead written (or put under new rules) since
/// they were last worked out, with the rules as stored now; returns how many. Called before
/// counting and by each sweep, so it rarely finds more than the last minute's writes.
pub async fn refresh_facts(state: &AppState) -> Result<usize, AppError> {
    // Usually nothing is out of date: find that out without taking the writer.
    let mut conn = state.store.read().await?;
    if !facts::any_facts_todo(&mut conn).await? {
        return Ok(0);
    }
    drop(conn);
    let mut done = 0;
    loop {
        let mut tx = state.store.begin().await?;
        let todo = facts::facts_todo(&mut tx, FACTS_BATCH).await?;
        if todo.is_empty() {
            return Ok(done);
        }
        let policies = state.store.read_policies(&mut tx).await?;
        let rows: Vec<_> = todo
            .iter()
            .map(|t| {
                let policy = policies.for_team(t.team_id.map(TeamId));
                (t.id, lead_facts(policy, &t.facts_of()))
            })
            .collect();
        facts::write_facts(&mut tx, &rows, now()).await?;
        tx.commit().await?;
        done += todo.len();
        if (todo.len() as i64) < FACTS_BATCH {
            return Ok(done);
        }
    }
}

/// What `q` is about, after authorization: whose leads, over which period, and the names.
struct Loaded {
    scope: LeadScope,
    period: Period,
    at: Timestamp,
    rules: Rules,
    users: HashMap<i64, (String, Option<i64>)>,
    teams: Vec<(i64, String)>,
    own_only: bool,
    /// The pipelines to narrow to, when there are several.
    pipelines: Vec<(i64, String)>,
}

impl Loaded {
    fn who<'a>(&'a self, q: &ComplianceQuery) -> Population<'a> {
        Population {
            scope: &self.scope,
            team: q.team,
            rep: q.rep,
            pipeline: q.pipeline,
        }
    }
}

async fn load(state: &AppState, actor: &Actor, q: &ComplianceQuery) -> Result<Loaded, AppError> {
    let scope = access::view_compliance(actor)?;
    load_scoped(state, scope, q).await
}

/// What `q` is about within `scope`, which the caller has authorized.
async fn load_scoped(
    state: &AppState,
    scope: LeadScope,
    q: &ComplianceQuery,
) -> Result<Loaded, AppError> {
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
    refresh_facts(state).await?;
    let at = now();
    let period = Period {
        from: Timestamp(at.0 - i64::from(q.days) * DAY_MS),
        to: at,
    };
    let mut conn = state.store.read().await?;
    let policies = state.store.policies(&mut conn).await?;
    let shape = state.store.pipeline(&mut conn).await?;
    if let Some(p) = q.pipeline {
        if shape.pipeline(PipelineId(p)).is_none_or(|p| p.retired) {
            return Err(AppError::field("pipeline", "There is no such pipeline"));
        }
    }
    let pipelines = if shape.several() {
        shape.active().map(|p| (p.id.0, p.name.clone())).collect()
    } else {
        Vec::new()
    };
    let users = accounts::users(&mut conn)
        .await?
        .into_iter()
        .map(|u| (u.id.0, (u.name, u.team_id.map(|t| t.0))))
        .collect();
    let teams = accounts::teams(&mut conn)
        .await?
        .into_iter()
        .filter(|t| match &scope {
            LeadScope::All => true,
            LeadScope::Teams { teams, .. } => teams.contains(&t.id),
            LeadScope::Owner(_) => false,
        })
        .map(|t| (t.id.0, t.name))
        .collect();
    Ok(Loaded {
        scope,
        period,
        at,
        rules: Rules::of(&policies),
        users,
        teams,
        own_only,
        pipelines,
    })
}

/// A scorecard from its counts and median.
fn card(t: &Tally, median: Option<i64>) -> Scorecard {
    let m = |(passed, counted): (u32, u32)| Metric::counts(passed, counted);
    let mut card = Scorecard {
        first_touch_in_sla: m(t.first_touch_in_sla),
        median_first_touch_minutes: median,
        next_step_planned: m(t.next_step_planned),
        not_stale: m(t.not_stale),
        close_reason_given: m(t.close_reason_given),
        data_complete: m(t.data_complete),
        composite: None,
    };
    card.composite = composite(&card);
    card
}

/// The page for `q`: team rows, rep rows (best first), the trend and the formula.
pub async fn page(
    state: &AppState,
    actor: &Actor,
    q: ComplianceQuery,
) -> Result<ComplianceView, AppError> {
    let l = load(state, actor, &q).await?;
    build(state, l, q).await
}

/// The whole organisation's page, for the wall (which authorizes its token itself).
pub async fn organisation(state: &AppState, days: u32) -> Result<ComplianceView, AppError> {
    let q = ComplianceQuery {
        days,
        ..Default::default()
    };
    let l = load_scoped(state, LeadScope::All, &q).await?;
    build(state, l, q).await
}

/// The page for `scope` (a team, everyone), for callers that authorized it themselves (the
/// leaderboard).
pub async fn scoped(
    state: &AppState,
    scope: LeadScope,
    days: u32,
) -> Result<ComplianceView, AppError> {
    let q = ComplianceQuery {
        days,
        ..Default::default()
    };
    let l = load_scoped(state, scope, &q).await?;
    build(state, l, q).await
}

/// Each rep's follow-up score (0–100, whole points) over `[from, to)`, as
/// /compliance counts it, for quotas on the score; reps with nothing to score are left out.
/// `only` counts one rep's leads alone (My day, a review). The caller authorizes whose
/// figures it shows.
pub async fn rep_scores(
    state: &AppState,
    (from, to): (Timestamp, Timestamp),
    only: Option<i64>,
) -> Result<HashMap<i64, i64>, AppError> {
    refresh_facts(state).await?;
    let at = now();
    let mut conn = state.store.read().await?;
    let policies = state.store.policies(&mut conn).await?;
    let rules = Rules::of(&policies);
    let who = Population {
        scope: &LeadScope::All,
        team: None,
        rep: only,
        pipeline: None,
    };
    let tallies = facts::tallies(&mut conn, &rules, who, (from, to.min(at), at)).await?;
    let mut per_rep: HashMap<i64, Tally> = HashMap::new();
    for ((owner, _), t) in &tallies {
        if let Some(o) = owner {
            per_rep.entry(*o).or_default().add(t);
        }
    }
    Ok(per_rep
        .into_iter()
        .filter_map(|(rep, t)| card(&t, None).composite.map(|c| (rep, c.round() as i64)))
        .collect())
}

async fn build(
    state: &AppState,
    l: Loaded,
    q: ComplianceQuery,
) -> Result<ComplianceView, AppError> {
    let who = l.who(&q);
    let mut conn = state.store.read().await?;
    let span = (l.period.from, l.period.to);
    let tallies = facts::tallies(&mut conn, &l.rules, who, (span.0, span.1, l.at)).await?;
    let minutes = facts::first_touch_minutes(&mut conn, state.store.backend(), who, span).await?;
    // The lower middle of each owner's and each team's minutes.
    let median_by = |key: &dyn Fn(&Group) -> Option<i64>| {
        let mut groups: HashMap<i64, Vec<i64>> = HashMap::new();
        for (k, values) in &minutes {
            if let Some(g) = key(k) {
                groups.entry(g).or_default().extend(values);
            }
        }
        groups
            .into_iter()
            .filter_map(|(g, mut v)| lower_median(&mut v).map(|m| (g, m)))
            .collect::<HashMap<i64, i64>>()
    };
    let rep_median = median_by(&|(owner, _)| *owner);
    let trend = facts::weekly(&mut conn, &l.rules, who, TREND_WEEKS, l.at).await?;

    let teams = if l.own_only || q.rep.is_some() {
        Vec::new()
    } else {
        let by_team = median_by(&|(_, team)| *team);
        l.teams
            .iter()
            .filter_map(|(id, name)| {
                let mut sum: Option<Tally> = None;
                for ((_, team), t) in &tallies {
                    if *team == Some(*id) {
                        sum.get_or_insert_with(Tally::default).add(t);
                    }
                }
                Some(ScoreRow {
                    id: *id,
                    name: name.clone(),
                    team: None,
                    card: card(&sum?, by_team.get(id).copied()),
                })
            })
            .collect()
    };
    let team_name = |t: Option<i64>| {
        t.and_then(|t| l.teams.iter().find(|(id, _)| *id == t))
            .map(|(_, n)| n.clone())
    };
    let mut per_rep: HashMap<i64, Tally> = HashMap::new();
    for ((owner, _), t) in &tallies {
        if let Some(o) = owner {
            per_rep.entry(*o).or_default().add(t);
        }
    }
    let mut ranked: Vec<(UserId, Scorecard)> = per_rep
        .iter()
        .map(|(u, t)| (UserId(*u), card(t, rep_median.get(u).copied())))
        .collect();
    rank(&mut ranked);
    let reps = ranked
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
                card,
            }
        })
        .collect();
    let weeks = TREND_WEEKS as i64;
    Ok(ComplianceView {
        rep_name: q.rep.and_then(|r| l.users.get(&r).map(|(n, _)| n.clone())),
        trend: trend
            .iter()
            .enumerate()
            .map(|(w, (sla, reasons))| {
                let start = Timestamp(l.at.0 - (weeks - w as i64) * 7 * DAY_MS);
                (start, ratio(sla.0, sla.1), ratio(reasons.0, reasons.1))
            })
            .collect(),
        query: q,
        period: l.period,
        now: l.at,
        formula: formula(),
        teams,
        reps,
        team_choices: l.teams.clone(),
        pipelines: l.pipelines.clone(),
        own_only: l.own_only,
    })
}

/// The leads that passed or failed `measure` among the leads of `q` (a team, a rep, or the
/// viewer's whole scope), newest arrival first, at most 500.
pub async fn leads_behind(
    state: &AppState,
    actor: &Actor,
    q: ComplianceQuery,
    measure: Measure,
    passed: bool,
) -> Result<LeadsBehind, AppError> {
    let l = load(state, actor, &q).await?;
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let ids = facts::leads_behind(
        &mut conn,
        &l.rules,
        l.who(&q),
        measure,
        passed,
        (l.period.from, l.period.to, l.at),
        500,
    )
    .await?;
    let found = leads::by_ids(&mut conn, &ids).await?;
    let mut lines: Vec<LeadLine> = found
        .iter()
        .map(|lead| LeadLine {
            id: lead.id,
            title: lead.title().to_string(),
            owner: lead.owner.as_ref().map(|o| o.name.clone()),
            stage: pipeline
                .get(lead.stage_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
            created_at: lead.created_at,
            first_touch: crate::domain::policy::first_touch_text(
                policies.for_team(lead.team_id),
                lead,
                l.at,
            ),
            next_step: lead
                .next_step
                .as_ref()
                .map(|s| format!("{} · {}", s.kind.label(), s.due_at.date_string(0))),
        })
        .collect();
    lines.sort_by_key(|x| (std::cmp::Reverse(x.created_at), std::cmp::Reverse(x.id)));
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
