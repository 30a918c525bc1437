//! The service layer: one function per operation. Each validates with the domain and writes
//! through the store in one transaction that also appends the event; after commit it publishes
//! the event live. REST handlers and server functions are thin edges over these functions.
//!
//! Every function takes the asker first and calls the matching `domain::access` policy before
//! it reads or writes anything.

pub mod accounts;
pub mod keys;

use super::store::{events, leads, org, Tx};
use super::AppState;
use crate::api::{LiveEvent, LIVE_KINDS};
use crate::domain::access::{self, Denied};
use crate::domain::board::BoardColumn;
use crate::domain::{
    apply_move, Actor, AssignRequest, Board, ColumnSummary, Lead, LeadId, MoveRequest, StageId,
    Timestamp,
};
use crate::error::AppError;
use serde_json::json;

/// Cards loaded per column on first render.
pub const PAGE_SIZE: i64 = 50;

/// The wall-clock time.
pub fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    Timestamp(ms)
}

/// Logs a database failure with its context and turns it into the opaque client error.
pub(crate) fn internal(context: &'static str) -> impl FnOnce(sqlx::Error) -> AppError {
    move |e| {
        tracing::error!(error = %e, "{context}");
        AppError::internal()
    }
}

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError::Forbidden {
            message: d.0.to_string(),
        }
    }
}

/// The board as `actor` may see it: every stage with its SQL-computed count and value over
/// the leads in the actor's scope, and the first page of those cards.
pub async fn board(state: &AppState, actor: &Actor) -> Result<Board, AppError> {
    let scope = access::view_board(actor)?;
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("board: acquire"))?;
    // Read before the cards: a change committed in between is then both in the cards and
    // replayed to the live feed, which is harmless (versions dedupe), never in neither.
    let last_event_id = events::last_id(&mut conn)
        .await
        .map_err(internal("board: last event"))?;
    let pipeline = org::pipeline(&mut conn)
        .await
        .map_err(internal("board: stages"))?;
    let summaries = leads::column_summaries(&mut conn, &scope)
        .await
        .map_err(internal("board: summaries"))?;
    let mut columns = Vec::with_capacity(pipeline.stages().len());
    for stage in pipeline.stages() {
        let cards = leads::column_cards(&mut conn, &scope, stage.id, stage.kind, PAGE_SIZE)
            .await
            .map_err(internal("board: cards"))?;
        let summary = summaries
            .iter()
            .find(|s| s.stage_id == stage.id)
            .cloned()
            .unwrap_or_else(|| ColumnSummary::empty(stage.id));
        columns.push(BoardColumn { summary, cards });
    }
    Ok(Board {
        pipeline,
        columns,
        now: now(),
        page_size: PAGE_SIZE,
        last_event_id,
        viewer: actor.clone(),
    })
}

/// One lead, if `actor` may see it. A lead outside the actor's scope is reported as missing,
/// so ids cannot be probed for existence.
pub async fn lead(state: &AppState, actor: &Actor, id: LeadId) -> Result<Lead, AppError> {
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("lead: acquire"))?;
    let lead = leads::lead(&mut conn, id)
        .await
        .map_err(internal("lead: select"))?
        .ok_or_else(|| no_lead(id))?;
    access::view_lead(actor, &lead).map_err(|_| no_lead(id))?;
    Ok(lead)
}

fn no_lead(id: LeadId) -> AppError {
    AppError::not_found(format!("There is no lead {id} that you can see"))
}

/// Moves a lead to another stage.
///
/// Order matters: the version is checked before the rules so that a client working from a stale
/// card learns that the lead changed (409 with the current lead) rather than a rule verdict
/// about a lead that no longer looks like its card.
pub async fn move_lead(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    request: MoveRequest,
) -> Result<Lead, AppError> {
    let at = now();
    let mut tx: Tx = state.store.begin().await.map_err(internal("move: begin"))?;
    let current = leads::lead(&mut tx, id)
        .await
        .map_err(internal("move: select"))?
        .ok_or_else(|| no_lead(id))?;
    access::view_lead(actor, &current).map_err(|_| no_lead(id))?;
    access::edit_lead(actor, &current)?;
    if current.version != request.version {
        return Err(conflict(current));
    }
    let pipeline = org::pipeline(&mut tx)
        .await
        .map_err(internal("move: stages"))?;
    let moved = apply_move(&pipeline, &current, &request, at)?;
    if !leads::write_move(&mut tx, &moved, current.version)
        .await
        .map_err(internal("move: update"))?
    {
        // Only reachable on PostgreSQL, where another transaction may commit between our read
        // and write; SQLite's BEGIN IMMEDIATE serialises the whole read-check-write.
        let now_current = leads::lead(&mut tx, id)
            .await
            .map_err(internal("move: reselect"))?
            .unwrap_or(current);
        return Err(conflict(now_current));
    }
    let event_id = events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "lead.moved",
            lead_id: Some(id),
            payload: json!({
                "before": {
                    "stage_id": current.stage_id,
                    "version": current.version,
                    "close_reason": current.close_reason,
                },
                "after": {
                    "stage_id": moved.stage_id,
                    "version": moved.version,
                    "close_reason": moved.close_reason,
                    "close_note": moved.close_note,
                },
            }),
        },
    )
    .await
    .map_err(internal("move: event"))?;
    tx.commit().await.map_err(internal("move: commit"))?;

    state.hub.publish(LiveEvent {
        id: event_id,
        kind: "lead.moved".into(),
        at,
        from_stage: Some(current.stage_id),
        lead: moved.clone(),
    });
    Ok(moved)
}

/// Gives a lead to another rep or manager (managers, within the teams they manage). The lead
/// joins the new owner's team. Carries the version like every write.
pub async fn assign_lead(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    request: AssignRequest,
) -> Result<Lead, AppError> {
    let at = now();
    let mut tx: Tx = state
        .store
        .begin()
        .await
        .map_err(internal("assign: begin"))?;
    let current = leads::lead(&mut tx, id)
        .await
        .map_err(internal("assign: select"))?
        .ok_or_else(|| no_lead(id))?;
    access::view_lead(actor, &current).map_err(|_| no_lead(id))?;
    let to = crate::ssr::store::accounts::user(&mut tx, request.owner)
        .await
        .map_err(internal("assign: owner"))?
        .ok_or_else(|| AppError::field("owner", format!("There is no user {}", request.owner)))?;
    access::reassign_lead(
        actor,
        &current,
        &access::Assignee {
            id: to.id,
            role: to.role,
            team_id: to.team_id,
            active: to.active,
        },
    )?;
    if current.version != request.version {
        return Err(conflict(current));
    }
    if current.owner.as_ref().is_some_and(|o| o.id == to.id.0) {
        return Err(AppError::field(
            "owner",
            format!("{} already owns this lead", to.name),
        ));
    }
    if !leads::write_owner(&mut tx, id, to.id, to.team_id, current.version, at)
        .await
        .map_err(internal("assign: update"))?
    {
        let now_current = leads::lead(&mut tx, id)
            .await
            .map_err(internal("assign: reselect"))?
            .unwrap_or(current);
        return Err(conflict(now_current));
    }
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "lead.assigned",
            lead_id: Some(id),
            payload: json!({
                "before": {"owner_id": current.owner.as_ref().map(|o| o.id),
                           "team_id": current.team_id, "version": current.version},
                "after": {"owner_id": to.id, "team_id": to.team_id,
                          "version": current.version + 1},
            }),
        },
    )
    .await
    .map_err(internal("assign: event"))?;
    let assigned = leads::lead(&mut tx, id)
        .await
        .map_err(internal("assign: reselect"))?
        .ok_or_else(AppError::internal)?;
    tx.commit().await.map_err(internal("assign: commit"))?;
    Ok(assigned)
}

fn conflict(current: Lead) -> AppError {
    AppError::Conflict {
        message: "Someone else changed this lead since you loaded it".into(),
        current: Box::new(current),
    }
}

/// Live events committed after `last_id` about leads `actor` may see, oldest first, each
/// carrying the lead as it stands now (clients apply a lead only when its version is newer
/// than theirs, so replays are harmless). The second value is the id of the last event
/// examined, visible or not, so a caller can page on.
pub async fn replay_since(
    state: &AppState,
    actor: &Actor,
    last_id: i64,
) -> Result<(Vec<LiveEvent>, Option<i64>), AppError> {
    let mut conn = state
        .store
        .read()
        .await
        .map_err(internal("replay: acquire"))?;
    let rows = events::after(&mut conn, last_id, &LIVE_KINDS, 1000)
        .await
        .map_err(internal("replay: events"))?;
    let last_examined = rows.last().map(|r| r.id);
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(lead_id) = row.lead_id else { continue };
        let Some(lead) = leads::lead(&mut conn, LeadId(lead_id))
            .await
            .map_err(internal("replay: lead"))?
        else {
            continue;
        };
        if access::view_lead(actor, &lead).is_err() {
            continue;
        }
        let from_stage = serde_json::from_str::<serde_json::Value>(&row.payload)
            .ok()
            .and_then(|p| p["before"]["stage_id"].as_i64())
            .map(StageId);
        out.push(LiveEvent {
            id: row.id,
            kind: row.kind,
            at: Timestamp(row.at),
            from_stage,
            lead,
        });
    }
    Ok((out, last_examined))
}
