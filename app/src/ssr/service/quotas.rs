//! Quotas: who sets whose (`access::set_quota`), the quotas page, and each person's
//! attainment this period, which My day, the review, the leaderboard, the wall, the forecast
//! and the payout export read from [`attainments`].

use super::now;
use crate::domain::access::{self, Actor, Denied, LeadScope, Role, TeamId, UserId};
use crate::domain::quota::{
    current, month_at, next, period_of, period_span, Attainment, Measure, Quota, QuotaInput,
};
use crate::domain::{Currency, Timestamp};
use crate::error::AppError;
use crate::model::quotas::{QuotaPerson, QuotasView};
use crate::ssr::store::{events, quotas as store};
use crate::ssr::AppState;
use serde_json::json;
use std::collections::hash_map::Entry;
use std::collections::HashMap;

/// Wins and won value (minor units) per owner.
type WinsByOwner = HashMap<i64, (i64, i64)>;

/// The quotas of `users` holding at `at`, each with what was done in its period so far; in
/// user order, then won value, wins, score.
pub async fn attainments(
    state: &AppState,
    users: &[i64],
    at: Timestamp,
) -> Result<Vec<Attainment>, AppError> {
    let mut conn = state.store.read().await?;
    let quotas = store::of(&mut conn, Some(users)).await?;
    let zone = org_zone(state, &mut conn).await?;
    let month = month_at(at, &zone);
    let holding: Vec<&Quota> = users
        .iter()
        .flat_map(|u| Measure::ALL.map(|m| current(&quotas, *u, m, month)))
        .flatten()
        .collect();
    // Wins per period and currency, read once each.
    let mut wins: HashMap<(i64, i64, Currency), WinsByOwner> = HashMap::new();
    for q in holding.iter().filter(|q| q.measure != Measure::Score) {
        let (first, months) = period_of(q.cadence, month);
        let (from, to) = period_span(first, months, &zone);
        if let Entry::Vacant(slot) = wins.entry((from.0, to.0, q.currency)) {
            let rows = store::wins(&mut conn, (from, to), q.currency).await?;
            slot.insert(rows.into_iter().map(|(o, n, c)| (o, (n, c))).collect());
        }
    }
    drop(conn);
    let mut scores: HashMap<(i64, i64), HashMap<i64, i64>> = HashMap::new();
    for q in holding.iter().filter(|q| q.measure == Measure::Score) {
        let (first, months) = period_of(q.cadence, month);
        let (from, to) = period_span(first, months, &zone);
        if let Entry::Vacant(slot) = scores.entry((from.0, to.0)) {
            let only = (users.len() == 1).then(|| users[0]);
            slot.insert(super::compliance::rep_scores(state, (from, to), only).await?);
        }
    }
    Ok(holding
        .into_iter()
        .map(|q| {
            let (first, months) = period_of(q.cadence, month);
            let (from, to) = period_span(first, months, &zone);
            let actual = match q.measure {
                Measure::Score => scores
                    .get(&(from.0, to.0))
                    .and_then(|s| s.get(&q.user_id).copied()),
                m => {
                    let (n, cents) = wins
                        .get(&(from.0, to.0, q.currency))
                        .and_then(|w| w.get(&q.user_id).copied())
                        .unwrap_or_default();
                    Some(if m == Measure::Wins { n } else { cents })
                }
            };
            Attainment::of(q, at, &zone, actual)
        })
        .collect())
}

/// The organisation's time zone, which quota periods follow.
async fn org_zone(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
) -> Result<crate::domain::zone::Zone, AppError> {
    Ok(state.store.policies(conn).await?.org.calendar.zone.clone())
}

/// A person a quota may be shown for: (id, name, role, team id, team name).
type Person = (i64, String, Role, Option<i64>, Option<String>);

async fn people(state: &AppState) -> Result<Vec<Person>, AppError> {
    let mut conn = state.store.read().await?;
    Ok(store::people(&mut conn)
        .await?
        .into_iter()
        .filter_map(|(id, name, role, team, team_name)| {
            Some((id, name, Role::parse(&role)?, team, team_name))
        })
        .collect())
}

/// The quotas page as `actor` may read it.
pub async fn page(state: &AppState, actor: &Actor) -> Result<QuotasView, AppError> {
    let scope = access::view_quotas(actor)?;
    let at = now();
    let everyone = people(state).await?;
    let shown: Vec<&Person> = everyone
        .iter()
        .filter(|(id, _, _, team, _)| match &scope {
            LeadScope::All => true,
            LeadScope::Teams { teams, also_owner } => {
                *also_owner == Some(UserId(*id)) || team.is_some_and(|t| teams.contains(&TeamId(t)))
            }
            LeadScope::Owner(me) => me.0 == *id,
        })
        .collect();
    let ids: Vec<i64> = shown.iter().map(|p| p.0).collect();
    let reached = attainments(state, &ids, at).await?;
    let mut conn = state.store.read().await?;
    let quotas = store::of(&mut conn, Some(&ids)).await?;
    let zone = org_zone(state, &mut conn).await?;
    drop(conn);
    let month = month_at(at, &zone);
    let name_of = |id: i64| {
        shown
            .iter()
            .find(|p| p.0 == id)
            .map_or_else(String::new, |p| p.1.clone())
    };
    let mut recent: Vec<(String, Quota)> = quotas
        .iter()
        .map(|q| (name_of(q.user_id), q.clone()))
        .collect();
    recent.sort_by_key(|(_, q)| std::cmp::Reverse((q.set_at, q.id)));
    recent.truncate(20);
    Ok(QuotasView {
        this_month: month.key(),
        scope: match scope {
            LeadScope::All => "Every rep and manager".into(),
            _ => "Your teams' reps, and you".into(),
        },
        people: shown
            .iter()
            .map(|(id, name, role, team, team_name)| QuotaPerson {
                id: *id,
                name: name.clone(),
                role: *role,
                team: team_name.clone(),
                can_edit: access::set_quota(actor, UserId(*id), *role, team.map(TeamId)).is_ok(),
                current: reached
                    .iter()
                    .filter(|a| a.user_id == *id)
                    .cloned()
                    .collect(),
                upcoming: Measure::ALL
                    .iter()
                    .filter_map(|m| next(&quotas, *id, *m, month).cloned())
                    .collect(),
            })
            .collect(),
        recent,
    })
}

/// Sets a quota as `input` says, if `actor` may set that person's; the page afterwards.
pub async fn set(
    state: &AppState,
    actor: &Actor,
    input: QuotaInput,
) -> Result<QuotasView, AppError> {
    access::view_quotas(actor)?;
    let at = now();
    let everyone = people(state).await?;
    let Some((id, _, role, team, _)) = everyone.iter().find(|p| p.0 == input.user_id) else {
        return Err(if actor.role == Role::Admin {
            AppError::field("user_id", "Choose an active rep or manager")
        } else {
            Denied("You set quotas for the reps of your teams only").into()
        });
    };
    access::set_quota(actor, UserId(*id), *role, team.map(TeamId))?;
    let mut conn = state.store.read().await?;
    let zone = org_zone(state, &mut conn).await?;
    drop(conn);
    let change = input
        .validate(month_at(at, &zone))
        .map_err(|(field, message)| AppError::field(field, message))?;
    let mut tx = state.store.begin().await?;
    let before = store::at_start(&mut tx, change.user_id, change.measure, change.starts).await?;
    store::set(&mut tx, &change, Some(actor.id.0), at).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "quota.set",
            lead_id: None,
            payload: json!({
                "user_id": change.user_id,
                "measure": change.measure.key(),
                "starts": change.starts.key(),
                "before": before.map(|(cadence, target, currency)| json!({
                    "cadence": cadence, "target": target, "currency": currency,
                })),
                "after": {
                    "cadence": change.cadence.key(),
                    "target": change.target,
                    "currency": change.currency.code(),
                },
            }),
        },
    )
    .await?;
    tx.commit().await?;
    page(state, actor).await
}
