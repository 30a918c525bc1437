//! The leaderboard: reps ranked by follow-up discipline first (the compliance score, SLA
//! hits), then wins, with streak badges; who sees it is an admin's setting, and admins
//! download a period's figures for incentive payouts.

use super::now;
use crate::domain::access::{Actor, Denied, LeadScope, Role, TeamId};
use crate::domain::compliance::ratio;
use crate::domain::quota::{Attainment, Measure};
use crate::domain::recognition::{badges, rank, Standing, Visibility};
use crate::domain::roi::csv_cell;
use crate::domain::today::streak;
use crate::error::AppError;
use crate::model::recognition::{Leaderboard, LEADERBOARD_DAYS};
use crate::ssr::store::{events, today};
use crate::ssr::AppState;
use serde_json::json;
use std::collections::HashMap;

/// How far back a streak counts on the board.
const STREAK_MAX_DAYS: u32 = 90;

/// Whose reps `actor` sees under `visibility`: the scope, the team ids (none: everyone) and
/// its name.
fn audience(
    actor: &Actor,
    visibility: Visibility,
) -> Result<(LeadScope, Option<Vec<TeamId>>), Denied> {
    crate::domain::access::view_leaderboard(actor)?;
    let everyone = || Ok((LeadScope::All, None));
    match (actor.role, visibility) {
        (Role::Admin, _) => everyone(),
        (_, Visibility::Off) => Err(Denied("The leaderboard is off")),
        (_, Visibility::Organisation) | (Role::Leadership, _) => everyone(),
        (Role::Manager, Visibility::Team) => Ok((
            LeadScope::Teams {
                teams: actor.managed_teams.clone(),
                also_owner: None,
            },
            Some(actor.managed_teams.clone()),
        )),
        (_, Visibility::Team) => {
            let teams: Vec<TeamId> = actor.team_id.into_iter().collect();
            Ok((
                LeadScope::Teams {
                    teams: teams.clone(),
                    also_owner: None,
                },
                Some(teams),
            ))
        }
    }
}

pub async fn leaderboard(
    state: &AppState,
    actor: &Actor,
    days: u32,
) -> Result<Leaderboard, AppError> {
    if !LEADERBOARD_DAYS.contains(&days) {
        return Err(AppError::field("days", "Choose 7, 30 or 90 days"));
    }
    let mut conn = state.store.read().await?;
    let visibility =
        Visibility::parse(&today::leaderboard_visibility(&mut conn).await?).unwrap_or_default();
    let (scope, teams) = audience(actor, visibility)?;
    // The reps on the board: active reps of those teams (or all).
    let reps = crate::ssr::store::accounts::active_reps(&mut conn).await?;
    let reps: Vec<_> = reps
        .into_iter()
        .filter(|(_, _, team, _)| {
            teams
                .as_ref()
                .is_none_or(|ts| team.is_some_and(|t| ts.contains(&TeamId(t))))
        })
        .collect();
    let policies = state.store.policies(&mut conn).await?;
    drop(conn);
    let view = super::compliance::scoped(state, scope, days).await?;
    let at = now();
    let offset = (policies.org.calendar.zone.offset_at(at.0) / 60) as i32;
    let mut conn = state.store.read().await?;
    let wins: HashMap<i64, (i64, i64)> =
        today::wins_by_owner(&mut conn, (view.period.from, view.period.to), "USD")
            .await?
            .into_iter()
            .map(|(owner, n, cents)| (owner, (n, cents)))
            .collect();
    let ids: Vec<i64> = reps.iter().map(|r| r.0).collect();
    let quotas = super::quotas::attainments(state, &ids, at).await?;
    let mut rows = Vec::with_capacity(reps.len());
    for (id, name, _, team) in reps {
        let breaches =
            today::breaches(&mut conn, id, at.plus_days(-i64::from(STREAK_MAX_DAYS) - 2)).await?;
        let streak_days = streak(&breaches, at, offset, STREAK_MAX_DAYS).days;
        let card = view.reps.iter().find(|r| r.id == id).map(|r| &r.card);
        let (sla_hits, sla_counted) = card.map_or((0, 0), |c| {
            (c.first_touch_in_sla.passed, c.first_touch_in_sla.counted)
        });
        let (n, cents) = wins.get(&id).copied().unwrap_or_default();
        rows.push(Standing {
            rep_id: id,
            name,
            team,
            score: card.and_then(|c| c.composite),
            sla_hits,
            sla_counted,
            next_step_share: card
                .and_then(|c| ratio(c.next_step_planned.passed, c.next_step_planned.counted)),
            data_complete_share: card
                .and_then(|c| ratio(c.data_complete.passed, c.data_complete.counted)),
            wins: n as u32,
            won_cents: cents,
            streak: streak_days,
            badges: badges(streak_days, (sla_hits, sla_counted)),
            quotas: quotas.iter().filter(|a| a.user_id == id).cloned().collect(),
        });
    }
    rank(&mut rows);
    Ok(Leaderboard {
        days,
        period: view.period,
        visibility,
        scope: match &teams {
            None => "Every rep".to_string(),
            Some(_) => {
                let mut names: Vec<String> = rows.iter().filter_map(|r| r.team.clone()).collect();
                names.sort();
                names.dedup();
                if names.is_empty() {
                    "Your team".to_string()
                } else {
                    names.join(", ")
                }
            }
        },
        can_export: actor.role == Role::Admin,
        rows,
    })
}

/// The board's figures for the period as CSV, for incentive payouts (admins).
pub async fn export_csv(state: &AppState, actor: &Actor, days: u32) -> Result<String, AppError> {
    if actor.role != Role::Admin {
        return Err(Denied("Only an admin exports the figures for payouts").into());
    }
    let board = leaderboard(state, actor, days).await?;
    let pct = |v: Option<f64>| v.map(|v| format!("{:.1}", v * 100.0)).unwrap_or_default();
    let mut out = format!(
        "# period {} to {} (UTC)\r\nrank,rep,team,score,first_touches_in_sla,first_touches_counted,\
         next_step_pct,data_complete_pct,wins,won_usd,streak_days,badges,\
         quota_won_value,quota_won_value_period,won_value_attained_pct,\
         quota_wins,quota_wins_period,wins_attained_pct,\
         quota_score,quota_score_period,score_attained_pct\r\n",
        board.period.from.date_string(0),
        board.period.to.plus_ms(-1).date_string(0),
    );
    for (i, r) in board.rows.iter().enumerate() {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}.{:02},{},{},{}\r\n",
            i + 1,
            csv_cell(&r.name),
            csv_cell(r.team.as_deref().unwrap_or("")),
            r.score.map(|s| format!("{s:.1}")).unwrap_or_default(),
            r.sla_hits,
            r.sla_counted,
            pct(r.next_step_share),
            pct(r.data_complete_share),
            r.wins,
            r.won_cents / 100,
            r.won_cents % 100,
            r.streak,
            csv_cell(
                &r.badges
                    .iter()
                    .map(|b| b.label())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            quota_cells(&r.quotas),
        ));
    }
    Ok(out)
}

/// A rep's quota columns: per measure the target (a decimal amount for won value, with its
/// currency code), the period, and the whole percent attained; empty where none holds.
fn quota_cells(quotas: &[Attainment]) -> String {
    Measure::ALL
        .iter()
        .map(|m| match quotas.iter().find(|a| a.measure == *m) {
            None => ",,".to_string(),
            Some(a) => {
                let target = match m {
                    Measure::WonValue => format!(
                        "{}.{:02} {}",
                        a.target / 100,
                        a.target % 100,
                        a.currency.code()
                    ),
                    _ => a.target.to_string(),
                };
                format!(
                    "{},{},{}",
                    csv_cell(&target),
                    csv_cell(&a.period),
                    a.percent()
                )
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub async fn set_visibility(
    state: &AppState,
    actor: &Actor,
    key: &str,
) -> Result<Visibility, AppError> {
    if actor.role != Role::Admin {
        return Err(Denied("Only an admin sets who sees the leaderboard").into());
    }
    let v = Visibility::parse(key)
        .ok_or_else(|| AppError::field("leaderboard", "Choose team, organisation or off"))?;
    let at = now();
    let mut tx = state.store.begin().await?;
    today::set_leaderboard_visibility(&mut tx, v.key(), actor.id.0, at).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "settings.saved",
            lead_id: None,
            payload: json!({"after": {"leaderboard": v.key()}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}
