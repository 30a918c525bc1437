//! Standing credentials that are not people: wall-display tokens and per-source intake keys,
//! and the two things they unlock (the wall view, creating a lead).

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::account::{
    check_label, AccessKeySummary, ApiTokenSummary, IssuedSecret, SourceSummary, TokenScope,
};
use crate::error::AppError;
use crate::ssr::auth;
use crate::ssr::store::accounts::{self, KeyKind, NewKey};
use crate::ssr::store::events;
use crate::ssr::AppState;
use serde_json::json;

fn check_manage(actor: &Actor, kind: KeyKind) -> Result<(), AppError> {
    match kind {
        KeyKind::Wall => access::manage_wall_tokens(actor)?,
        KeyKind::Intake => access::manage_intake_keys(actor)?,
    }
    Ok(())
}

pub async fn list(
    state: &AppState,
    actor: &Actor,
    kind: KeyKind,
) -> Result<Vec<AccessKeySummary>, AppError> {
    check_manage(actor, kind)?;
    let mut conn = state.store.read().await?;
    Ok(accounts::keys(&mut conn, kind).await?)
}

pub async fn sources(state: &AppState, actor: &Actor) -> Result<Vec<SourceSummary>, AppError> {
    access::manage_intake_keys(actor)?;
    let mut conn = state.store.read().await?;
    Ok(accounts::sources(&mut conn).await?)
}

/// Issues a new token or key. The secret is in the result and nowhere else: only its digest is
/// stored.
pub async fn issue(
    state: &AppState,
    actor: &Actor,
    kind: KeyKind,
    label: &str,
    source_id: Option<i64>,
) -> Result<IssuedSecret, AppError> {
    check_manage(actor, kind)?;
    let label = check_label(label).map_err(|m| AppError::field("label", m))?;
    let label = label.as_str();
    let mut tx = state.store.begin().await?;
    if kind == KeyKind::Intake {
        let sources = accounts::sources(&mut tx).await?;
        match source_id {
            Some(id) if sources.iter().any(|s| s.id == id) => {}
            _ => {
                return Err(AppError::field(
                    "source_id",
                    "Choose the source this key is for",
                ))
            }
        }
    }
    let secret = auth::new_key_secret(kind);
    let prefix: String = secret.chars().take(10).collect();
    // Public (it sits in a web page's HTML): it only works from the key's allowed web sites.
    let form_id = auth::secret::random_secret("cf_", 8);
    let at = now();
    let id = accounts::insert_key(
        &mut tx,
        &NewKey {
            kind,
            hash: &auth::secret::digest(&secret),
            prefix: &prefix,
            label,
            source_id: if kind == KeyKind::Intake {
                source_id
            } else {
                None
            },
            form_id: (kind == KeyKind::Intake).then_some(form_id.as_str()),
            created_by: actor.id,
            at,
        },
    )
    .await?;
    let event = match kind {
        KeyKind::Wall => "wall_token.issued",
        KeyKind::Intake => "intake_key.issued",
    };
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: event,
            lead_id: None,
            payload: json!({"after": {"id": id, "label": label, "prefix": prefix,
                                      "source_id": source_id}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedSecret { id, secret })
}

/// Revokes a token or key: it stops working on its next use.
pub async fn revoke(
    state: &AppState,
    actor: &Actor,
    kind: KeyKind,
    id: i64,
) -> Result<(), AppError> {
    check_manage(actor, kind)?;
    let at = now();
    let mut tx = state.store.begin().await?;
    if !accounts::revoke_key(&mut tx, kind, id, at).await? {
        return Err(AppError::not_found("There is no such active key"));
    }
    let event = match kind {
        KeyKind::Wall => "wall_token.revoked",
        KeyKind::Intake => "intake_key.revoked",
    };
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: event,
            lead_id: None,
            payload: json!({"after": {"id": id}}),
        },
    )
    .await?;
    tx.commit().await?;
    // Live feeds opened with the changed credential or rights ask again at once.
    state.auth.epoch.bump();
    Ok(())
}

/// The signed-in person's own API tokens.
pub async fn api_tokens(state: &AppState, actor: &Actor) -> Result<Vec<ApiTokenSummary>, AppError> {
    let mut conn = state.store.read().await?;
    Ok(accounts::api_tokens(&mut conn, actor.id).await?)
}

/// Issues a personal API token for the signed-in person: it acts with their rights (never
/// more), limited to reading when `scope` says so. The secret is in the result only.
pub async fn issue_api_token(
    state: &AppState,
    actor: &Actor,
    label: &str,
    scope: TokenScope,
) -> Result<IssuedSecret, AppError> {
    let label = check_label(label).map_err(|m| AppError::field("label", m))?;
    let secret = auth::new_api_token();
    let prefix: String = secret.chars().take(10).collect();
    let at = now();
    let mut tx = state.store.begin().await?;
    let id = accounts::insert_api_token(
        &mut tx,
        actor.id,
        &auth::secret::digest(&secret),
        &prefix,
        &label,
        scope,
        at,
    )
    .await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "api_token.issued",
            lead_id: None,
            payload: json!({"after": {"id": id, "label": label, "prefix": prefix,
                                      "scope": scope.key()}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(IssuedSecret { id, secret })
}

/// Revokes one of the signed-in person's own tokens.
pub async fn revoke_api_token(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    let at = now();
    let mut tx = state.store.begin().await?;
    if !accounts::revoke_api_token(&mut tx, actor.id, id, at).await? {
        return Err(AppError::not_found("You have no such active token"));
    }
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "api_token.revoked",
            lead_id: None,
            payload: json!({"after": {"id": id}}),
        },
    )
    .await?;
    tx.commit().await?;
    // A live feed opened with this token ends now.
    state.auth.epoch.bump();
    Ok(())
}

/// Highest rate an intake key may be given, submissions per minute.
pub const MAX_PER_MINUTE: i64 = 600;

/// Sets the web sites an intake key's form may be posted from and its rate per minute.
pub async fn set_intake_gate(
    state: &AppState,
    actor: &Actor,
    id: i64,
    allowed_origins: &str,
    per_minute: i64,
) -> Result<(), AppError> {
    access::manage_intake_keys(actor)?;
    let origins = crate::domain::account::parse_origins(allowed_origins)
        .map_err(|m| AppError::field("allowed_origins", m))?;
    if !(1..=MAX_PER_MINUTE).contains(&per_minute) {
        return Err(AppError::field(
            "per_minute",
            format!("Allow 1 to {MAX_PER_MINUTE} submissions a minute"),
        ));
    }
    let at = now();
    let mut tx = state.store.begin().await?;
    if !accounts::update_intake_gate(&mut tx, id, &origins, per_minute).await? {
        return Err(AppError::not_found("There is no such active key"));
    }
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "intake_key.updated",
            lead_id: None,
            payload: json!({"after": {"id": id, "allowed_origins": origins, "per_minute": per_minute}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
