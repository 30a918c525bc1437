//! The REST API's reads: the lead list with its cursor, and the reference lists an
//! integration needs (stages, sources, campaigns, people, teams), each limited to what the
//! asker may see.

use crate::domain::access::{self, LeadScope};
use crate::domain::account::{Campaign, Person, SourceSummary, TeamRef};
use crate::domain::filter::{LeadList, LeadQuery};
use crate::domain::{Actor, Pipelines, TeamId};
use crate::error::AppError;
use crate::ssr::store::{accounts, leads, org};
use crate::ssr::AppState;

/// One page of the leads `actor` may see that match `q`, oldest first.
pub async fn leads(state: &AppState, actor: &Actor, q: LeadQuery) -> Result<LeadList, AppError> {
    let scope = access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    let mut q = q;
    let shape = state.store.pipeline(&mut conn).await?;
    q.filter
        .resolve(shape.fields())
        .map_err(|f| AppError::field(f.field, f.message))?;
    let (items, more) = leads::list(&mut conn, &scope, &q).await?;
    let next = items.last().filter(|_| more).map(|l| l.id.0.to_string());
    Ok(LeadList { items, next })
}

/// The pipeline's stages, in board order: everyone signed in may read them.
pub async fn stages(state: &AppState, _actor: &Actor) -> Result<Pipelines, AppError> {
    let mut conn = state.store.read().await?;
    Ok(state
        .store
        .pipeline(&mut conn)
        .await
        .map(|p| (*p).clone())?)
}

/// Every lead source: everyone signed in may read them (a lead is created in one).
pub async fn sources(state: &AppState, _actor: &Actor) -> Result<Vec<SourceSummary>, AppError> {
    let mut conn = state.store.read().await?;
    Ok(accounts::sources(&mut conn).await?)
}

/// Every campaign: everyone signed in may read them.
pub async fn campaigns(state: &AppState, _actor: &Actor) -> Result<Vec<Campaign>, AppError> {
    let mut conn = state.store.read().await?;
    Ok(org::campaigns(&mut conn).await?)
}

/// Which teams' people `actor` may list: all, some, or only their own team (and themselves).
fn team_scope(actor: &Actor) -> Option<Vec<TeamId>> {
    match access::view_board(actor) {
        Ok(LeadScope::All) => None,
        Ok(LeadScope::Teams { teams, .. }) => Some(teams),
        Ok(LeadScope::Owner(_)) | Err(_) => Some(actor.team_id.into_iter().collect()),
    }
}

/// The people `actor` works with: everyone for leadership and admins, their teams' people
/// for managers and reps (and always themselves).
pub async fn people(state: &AppState, actor: &Actor) -> Result<Vec<Person>, AppError> {
    let mut conn = state.store.read().await?;
    let all = org::people(&mut conn).await?;
    Ok(match team_scope(actor) {
        None => all,
        Some(teams) => all
            .into_iter()
            .filter(|p| p.id == actor.id || p.team_id.is_some_and(|t| teams.contains(&t)))
            .collect(),
    })
}

/// The teams `actor` may see, by name.
pub async fn teams(state: &AppState, actor: &Actor) -> Result<Vec<TeamRef>, AppError> {
    let mut conn = state.store.read().await?;
    let all = accounts::teams(&mut conn).await?;
    let scope = team_scope(actor);
    Ok(all
        .into_iter()
        .filter(|t| scope.as_ref().is_none_or(|s| s.contains(&t.id)))
        .map(|t| TeamRef {
            id: t.id,
            name: t.name,
        })
        .collect())
}
