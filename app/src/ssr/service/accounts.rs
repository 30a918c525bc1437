//! Operations on users and teams (admin screens and the CLI).

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::account::{
    check_new_password, parse_name, NewUser, TeamChange, TeamSummary, UserChange, UserSummary,
};
use crate::domain::{Email, Role, TeamId, UserId};
use crate::error::AppError;
use crate::ssr::store::{accounts, events, org, Tx};
use crate::ssr::AppState;
use serde_json::json;

async fn audit(
    tx: &mut Tx,
    actor: Option<&Actor>,
    kind: &str,
    payload: serde_json::Value,
) -> Result<(), AppError> {
    events::append(
        tx,
        &events::NewEvent {
            at: now(),
            actor_id: actor.map(|a| a.id.0),
            kind,
            lead_id: None,
            payload,
        },
    )
    .await?;
    Ok(())
}

pub async fn users(state: &AppState, actor: &Actor) -> Result<Vec<UserSummary>, AppError> {
    access::manage_accounts(actor)?;
    let mut conn = state.store.read().await?;
    Ok(accounts::users(&mut conn).await?)
}

pub async fn teams(state: &AppState, actor: &Actor) -> Result<Vec<TeamSummary>, AppError> {
    access::manage_accounts(actor)?;
    let mut conn = state.store.read().await?;
    Ok(accounts::teams(&mut conn).await?)
}

/// A user's team, if given, must exist.
async fn check_team(tx: &mut Tx, team: Option<TeamId>) -> Result<(), AppError> {
    let Some(team) = team else { return Ok(()) };
    if accounts::team_exists(tx, team).await? {
        Ok(())
    } else {
        Err(AppError::field("team_id", "There is no such team"))
    }
}

/// Checks a new user's fields; every problem names its field.
fn validate_new_user(u: &NewUser) -> Result<(String, Email), AppError> {
    let name = parse_name(&u.name).map_err(|m| AppError::field("name", m))?;
    let email = Email::parse(&u.email).map_err(|m| AppError::field("email", m))?;
    check_new_password(&u.password, email.as_str(), &name)
        .map_err(|m| AppError::field("password", m))?;
    if u.role == Role::Rep && u.team_id.is_none() {
        return Err(AppError::field("team_id", "A sales rep belongs to a team"));
    }
    Ok((name, email))
}

/// Creates a user (admins; or the CLI's first admin with `actor = None`).
pub async fn create_user(
    state: &AppState,
    actor: Option<&Actor>,
    new: NewUser,
) -> Result<UserSummary, AppError> {
    if let Some(actor) = actor {
        access::manage_accounts(actor)?;
    }
    let (name, email) = validate_new_user(&new)?;
    let phc = state.auth.hasher.hash(new.password.clone()).await;
    let mut tx = state.store.begin().await?;
    if accounts::user_by_email(&mut tx, email.as_str())
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "email",
            "There is already a user with this e-mail address",
        ));
    }
    check_team(&mut tx, new.team_id).await?;
    let id = org::insert_user(
        &mut tx,
        email.as_str(),
        &name,
        new.role.key(),
        new.team_id.map(|t| t.0),
        now(),
    )
    .await?;
    let id = UserId(id);
    accounts::set_password(&mut tx, id, &phc).await?;
    audit(
        &mut tx,
        actor,
        "user.created",
        json!({"after": {"user_id": id, "email": email.as_str(), "role": new.role.key(),
                         "team_id": new.team_id}}),
    )
    .await?;
    let user = accounts::user(&mut tx, id)
        .await?
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    Ok(user)
}

/// Changes a user's role, team and whether they are active. Deactivating ends their sessions
/// and revokes their API tokens; a manager who stops being one stops managing their teams.
/// A role or team change keeps the credentials: every request reads the actor afresh, so the
/// new rights hold from the next request (and live feeds re-check, see `crate::ssr::watch`).
pub async fn update_user(
    state: &AppState,
    actor: &Actor,
    id: UserId,
    change: UserChange,
) -> Result<UserSummary, AppError> {
    access::manage_accounts(actor)?;
    if id == actor.id && (!change.active || change.role != Role::Admin) {
        return Err(AppError::field(
            "role",
            "You cannot demote or deactivate yourself; ask another admin",
        ));
    }
    if change.role == Role::Rep && change.team_id.is_none() {
        return Err(AppError::field("team_id", "A sales rep belongs to a team"));
    }
    let mut tx = state.store.begin().await?;
    let before = accounts::user(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no user {id}")))?;
    check_team(&mut tx, change.team_id).await?;
    accounts::set_role_and_team(&mut tx, id, change.role, change.team_id).await?;
    if change.role != Role::Manager {
        accounts::release_managed_teams(&mut tx, id).await?;
    }
    if change.active != before.active {
        accounts::set_active(&mut tx, id, change.active, now()).await?;
    }
    // A deactivated account keeps no way in: not a session, not an API token (reactivating
    // it later must not bring old credentials back).
    let mut ended = (0, 0);
    if !change.active {
        ended.0 = accounts::delete_user_sessions(&mut tx, id).await?;
        ended.1 = accounts::revoke_user_api_tokens(&mut tx, id, now()).await?;
        crate::ssr::store::calendar::revoke(&mut tx, id, now()).await?;
        accounts::delete_user_devices(&mut tx, id).await?;
    }
    audit(
        &mut tx,
        Some(actor),
        "user.changed",
        json!({"before": {"user_id": id, "role": before.role.key(), "team_id": before.team_id,
                          "active": before.active},
               "after": {"role": change.role.key(), "team_id": change.team_id,
                         "active": change.active},
               "sessions_ended": ended.0, "tokens_revoked": ended.1}),
    )
    .await?;
    let after = accounts::user(&mut tx, id)
        .await?
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    // Live feeds opened with the changed credential or rights ask again at once.
    state.auth.epoch.bump();
    Ok(after)
}

/// Unlocks an account locked by failed sign-ins.
pub async fn unlock_user(
    state: &AppState,
    actor: &Actor,
    id: UserId,
) -> Result<UserSummary, AppError> {
    access::manage_accounts(actor)?;
    let mut tx = state.store.begin().await?;
    accounts::user(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no user {id}")))?;
    accounts::unlock(&mut tx, id).await?;
    audit(
        &mut tx,
        Some(actor),
        "user.unlocked",
        json!({"after": {"user_id": id}}),
    )
    .await?;
    let user = accounts::user(&mut tx, id)
        .await?
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    Ok(user)
}

/// Sets a new password for a user (an admin, or the CLI with `actor = None`): unlocks the
/// account, ends all its sessions and revokes all its API tokens.
pub async fn reset_password(
    state: &AppState,
    actor: Option<&Actor>,
    email: &str,
    password: String,
) -> Result<UserSummary, AppError> {
    if let Some(actor) = actor {
        access::manage_accounts(actor)?;
    }
    let email = Email::parse(email).map_err(|m| AppError::field("email", m))?;
    let user = {
        let mut conn = state.store.read().await?;
        accounts::user_by_email(&mut conn, email.as_str())
            .await?
            .ok_or_else(|| AppError::field("email", "There is no user with this e-mail address"))?
    };
    check_new_password(&password, email.as_str(), &user.name)
        .map_err(|m| AppError::field("password", m))?;
    let phc = state.auth.hasher.hash(password).await;
    let mut tx = state.store.begin().await?;
    accounts::set_password(&mut tx, user.id, &phc).await?;
    let ended = accounts::delete_user_sessions(&mut tx, user.id).await?;
    let revoked = accounts::revoke_user_api_tokens(&mut tx, user.id, now()).await?;
    // A calendar feed's address is a credential too: a reset ends it.
    crate::ssr::store::calendar::revoke(&mut tx, user.id, now()).await?;
    // A reset starts the account afresh: browsers it knew are strangers again.
    accounts::delete_user_devices(&mut tx, user.id).await?;
    audit(
        &mut tx,
        actor,
        "user.password_reset",
        json!({"after": {"user_id": user.id, "sessions_ended": ended,
                         "tokens_revoked": revoked}}),
    )
    .await?;
    tx.commit().await?;
    // Live feeds opened with the changed credential or rights ask again at once.
    state.auth.epoch.bump();
    Ok(user)
}

/// Checks a team's fields against the database: unique name, a manager who is an active
/// manager.
async fn validate_team(
    tx: &mut Tx,
    change: &TeamChange,
    except: Option<TeamId>,
) -> Result<String, AppError> {
    let name = change.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::field(
            "name",
            "A team name has 1 to 80 characters",
        ));
    }
    if accounts::team_name_taken(tx, &name, except).await? {
        return Err(AppError::field(
            "name",
            "Another team already has this name",
        ));
    }
    if let Some(m) = change.manager {
        let user = accounts::user(tx, m).await?;
        if !user.is_some_and(|u| u.role == Role::Manager && u.active) {
            return Err(AppError::field(
                "manager",
                "Choose an active user with the manager role",
            ));
        }
    }
    Ok(name)
}

pub async fn create_team(
    state: &AppState,
    actor: &Actor,
    change: TeamChange,
) -> Result<TeamSummary, AppError> {
    access::manage_accounts(actor)?;
    let mut tx = state.store.begin().await?;
    let name = validate_team(&mut tx, &change, None).await?;
    let id = TeamId(org::insert_team(&mut tx, &name, now()).await?);
    accounts::update_team(
        &mut tx,
        id,
        &name,
        change.manager,
        change.reps_see_team_board,
    )
    .await?;
    audit(
        &mut tx,
        Some(actor),
        "team.created",
        json!({"after": {"team_id": id, "name": name}}),
    )
    .await?;
    let team = accounts::teams(&mut tx)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    // Live feeds opened with the changed credential or rights ask again at once.
    state.auth.epoch.bump();
    Ok(team)
}

pub async fn update_team(
    state: &AppState,
    actor: &Actor,
    id: TeamId,
    change: TeamChange,
) -> Result<TeamSummary, AppError> {
    access::manage_accounts(actor)?;
    let mut tx = state.store.begin().await?;
    if !accounts::team_exists(&mut tx, id).await? {
        return Err(AppError::not_found("There is no such team"));
    }
    let name = validate_team(&mut tx, &change, Some(id)).await?;
    accounts::update_team(
        &mut tx,
        id,
        &name,
        change.manager,
        change.reps_see_team_board,
    )
    .await?;
    audit(
        &mut tx,
        Some(actor),
        "team.changed",
        json!({"after": {"team_id": id, "name": name, "manager": change.manager,
                         "reps_see_team_board": change.reps_see_team_board}}),
    )
    .await?;
    let team = accounts::teams(&mut tx)
        .await?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(AppError::internal)?;
    tx.commit().await?;
    // Live feeds opened with the changed credential or rights ask again at once.
    state.auth.epoch.bump();
    Ok(team)
}
