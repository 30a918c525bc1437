//! Standing credentials that are not people: wall-display tokens and per-source intake keys,
//! and the two things they unlock (the wall view, creating a lead).

use super::{internal, now};
use crate::api::keys::WallView;
use crate::domain::access::{self, Actor, Principal};
use crate::domain::account::{AccessKeySummary, IssuedSecret, SourceSummary};
use crate::domain::{Email, LeadId, Money, StageKind};
use crate::error::AppError;
use crate::ssr::auth;
use crate::ssr::store::accounts::{self, KeyKind, NewKey};
use crate::ssr::store::{events, leads};
use crate::ssr::AppState;
use serde::{Deserialize, Serialize};
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
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("keys: acquire"))?;
    accounts::keys(&mut conn, kind)
        .await
        .map_err(internal("keys: select"))
}

pub async fn sources(state: &AppState, actor: &Actor) -> Result<Vec<SourceSummary>, AppError> {
    access::manage_intake_keys(actor)?;
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("sources: acquire"))?;
    accounts::sources(&mut conn)
        .await
        .map_err(internal("sources: select"))
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
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 80 {
        return Err(AppError::field(
            "label",
            "Give it a label of 1 to 80 characters, e.g. where it is used",
        ));
    }
    let mut tx = state
        .store
        .begin()
        .await
        .map_err(internal("issue: begin"))?;
    if kind == KeyKind::Intake {
        let sources = accounts::sources(&mut tx)
            .await
            .map_err(internal("issue: sources"))?;
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
            created_by: actor.id,
            at,
        },
    )
    .await
    .map_err(internal("issue: insert"))?;
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
    .await
    .map_err(internal("issue: event"))?;
    tx.commit().await.map_err(internal("issue: commit"))?;
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
    let mut tx = state
        .store
        .begin()
        .await
        .map_err(internal("revoke: begin"))?;
    if !accounts::revoke_key(&mut tx, kind, id, at)
        .await
        .map_err(internal("revoke: update"))?
    {
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
    .await
    .map_err(internal("revoke: event"))?;
    tx.commit().await.map_err(internal("revoke: commit"))?;
    Ok(())
}

pub async fn wall(state: &AppState, principal: &Principal) -> Result<WallView, AppError> {
    access::view_wall(principal)?;
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("wall: acquire"))?;
    let pipeline = state
        .store
        .pipeline(&mut conn)
        .await
        .map_err(internal("wall: stages"))?;
    let summaries = leads::column_summaries(
        &mut conn,
        &crate::domain::LeadScope::All,
        &crate::domain::BoardFilter::default(),
    )
    .await
    .map_err(internal("wall: summaries"))?;
    drop(conn);
    if let Principal::Wall { token_id } = principal {
        auth::touch_key(state, KeyKind::Wall, *token_id, now()).await;
    }
    Ok(WallView {
        pipeline: (*pipeline).clone(),
        summaries,
        now: now(),
    })
}

/// A lead as a web form or integration submits it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntakeLead {
    pub contact_name: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub company: Option<String>,
    #[serde(default)]
    pub product_interest: Option<String>,
    /// Estimated value in minor units (cents).
    #[serde(default)]
    pub value_cents: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

fn optional_text(field: &str, v: &Option<String>, max: usize) -> Result<Option<String>, AppError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) if s.chars().count() > max => Err(AppError::field(
            field,
            format!("{field} has at most {max} characters"),
        )),
        Some(s) => Ok(Some(s.to_string())),
    }
}

/// Creates a lead from an intake key, in the key's source, in the first stage, unassigned.
pub async fn create_intake_lead(
    state: &AppState,
    principal: &Principal,
    lead: IntakeLead,
) -> Result<LeadId, AppError> {
    let Principal::Intake { key_id, source_id } = principal else {
        access::create_intake_lead(principal, 0)?;
        return Err(AppError::internal());
    };
    access::create_intake_lead(principal, *source_id)?;
    let contact_name = lead.contact_name.trim();
    if contact_name.is_empty() || contact_name.chars().count() > 200 {
        return Err(AppError::field(
            "contact_name",
            "Give the contact's name (1 to 200 characters)",
        ));
    }
    let email = match optional_text("email", &lead.email, 254)? {
        Some(e) => Some(
            Email::parse(&e)
                .map_err(|m| AppError::field("email", m))?
                .to_string(),
        ),
        None => None,
    };
    let phone = optional_text("phone", &lead.phone, 40)?;
    if email.is_none() && phone.is_none() {
        return Err(AppError::field(
            "email",
            "Give an e-mail address or a phone number",
        ));
    }
    let company = optional_text("company", &lead.company, 200)?;
    let product_interest = optional_text("product_interest", &lead.product_interest, 200)?;
    let value = match lead.value_cents {
        None => None,
        Some(c) if c < 0 => {
            return Err(AppError::field("value_cents", "A value cannot be negative"))
        }
        Some(c) => {
            let currency =
                crate::domain::Currency::parse(lead.currency.as_deref().unwrap_or("USD"))
                    .map_err(|m| AppError::field("currency", m))?;
            Some(Money::new(c, currency))
        }
    };
    let at = now();
    let mut tx = state
        .store
        .begin()
        .await
        .map_err(internal("intake: begin"))?;
    let pipeline = state
        .store
        .pipeline(&mut tx)
        .await
        .map_err(internal("intake: stages"))?;
    let policies = state
        .store
        .policies(&mut tx)
        .await
        .map_err(internal("intake: policies"))?;
    let first = pipeline
        .stages()
        .iter()
        .find(|s| s.kind == StageKind::Open)
        .ok_or_else(AppError::internal)?
        .id;
    let id = leads::insert_lead(
        &mut tx,
        &leads::NewLead {
            contact_name: contact_name.to_string(),
            email,
            phone,
            company,
            source_id: *source_id,
            campaign_id: None,
            product_interest,
            value,
            owner_id: None,
            team_id: None,
            stage_id: first,
            // Unassigned leads answer to the organisation's policy until routing gives them a team.
            next_step: Some(policies.for_team(None).first_step(*source_id, at)),
            created_at: at,
            assigned_at: None,
            first_touched_at: None,
            last_touched_at: None,
            stage_entered_at: at,
            closed_at: None,
            close_reason: None,
            close_note: None,
            version: 1,
            updated_at: at,
        },
    )
    .await
    .map_err(internal("intake: insert"))?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: None,
            kind: "lead.created",
            lead_id: Some(id),
            payload: json!({"before": null, "after": {"stage_id": first, "source_id": source_id,
                                                       "intake_key_id": key_id}}),
        },
    )
    .await
    .map_err(internal("intake: event"))?;
    tx.commit().await.map_err(internal("intake: commit"))?;
    auth::touch_key(state, KeyKind::Intake, *key_id, at).await;
    Ok(id)
}
