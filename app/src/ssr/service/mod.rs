//! The service layer: one function per operation. Each validates with the domain and writes
//! through the store in one transaction that also appends the event; after commit it publishes
//! the event live. REST handlers and server functions are thin edges over these functions.
//!
//! Every function takes the asker first and calls the matching `domain::access` policy before
//! it reads or writes anything.

pub mod accounts;
pub(crate) mod bulk;
pub mod calendar;
pub mod campaigns;
pub mod compliance;
pub mod dedupe;
pub mod fields;
pub mod forecast;
pub mod import;
pub mod import_jobs;
pub mod intake;
pub mod keys;
pub mod lists;
pub mod live_order;
pub mod mailbox;
pub mod new_lead;
pub mod people;
pub mod pipelines;
pub mod policy;
pub mod quotas;
pub mod quotes;
pub mod recognition;
pub mod review;
pub mod roi;
pub mod routing;
pub mod score;
pub mod sweep;
pub mod today;
pub mod wall;
pub mod webhooks;
pub mod work;

use super::store::{events, leads, Tx};
use super::AppState;
use crate::domain::access::{self, Denied};
use crate::domain::board::column_order;
use crate::domain::filter::Cursor;
use crate::domain::FilterOptions;
use crate::domain::{
    apply_move, Actor, AssignRequest, BoardFilter, ColumnPage, ColumnSummary, Lead, LeadId,
    MoveRequest, Pipelines, StageId, Timestamp,
};
use crate::error::AppError;
use crate::model::board::{Board, BoardColumn};
use crate::model::{LiveEvent, LiveKind};
use crate::ssr::store::Reading;
use serde_json::{json, Value};

/// Cards loaded per column on first render.
pub const PAGE_SIZE: i64 = 50;

/// The wall-clock time (the store's clock, so that both layers read one).
pub use crate::ssr::store::now;

impl From<Denied> for AppError {
    fn from(d: Denied) -> Self {
        AppError::Forbidden {
            message: d.0.to_string(),
        }
    }
}

/// Most leads custom field filters may select for the board to look them up by id.
const CUSTOM_MATCH_CAP: usize = 10_000;

/// The board as `actor` may see it under `filter`: every stage with its SQL-computed count
/// and value over all matching leads in the actor's scope, and the first page of those cards.
pub async fn board(
    state: &AppState,
    actor: &Actor,
    filter: BoardFilter,
) -> Result<Board, AppError> {
    let scope = access::view_board(actor)?;
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let mut filter = filter;
    let shown = match filter.pipeline {
        Some(id) => pipeline
            .pipeline(id)
            .filter(|p| !p.retired)
            .ok_or_else(|| AppError::field("pipeline", format!("There is no pipeline {id}")))?,
        None => pipeline
            .pipeline_for_team(actor.team_id.or(actor.managed_teams.first().copied()))
            .ok_or_else(AppError::internal)?,
    };
    filter.pipeline = Some(shown.id);
    filter
        .resolve(pipeline.fields())
        .map_err(|f| AppError::field(f.field, f.message))?;
    // Few matches are looked up by id in each of the board's queries.
    filter.matching = leads::custom_matches(&mut conn, &filter.resolved, CUSTOM_MATCH_CAP).await?;
    let columns_of = pipeline.board(shown.id);
    // Read before the cards: a change committed in between is then both in the cards and
    // replayed to the live feed, which is harmless (versions dedupe), never in neither.
    let last_event_id = events::last_id(&mut conn).await?;
    let summaries = leads::column_summaries(&mut conn, &scope, &filter).await?;
    let mut columns = Vec::with_capacity(columns_of.len());
    for stage in columns_of {
        let summary = summaries
            .iter()
            .find(|s| s.stage_id == stage.id)
            .cloned()
            .unwrap_or_else(|| ColumnSummary::empty(stage.id));
        // An empty column needs no query.
        let (cards, more) = if summary.count == 0 {
            (Vec::new(), false)
        } else {
            let order = column_order(&pipeline, stage.id, filter.sort);
            leads::column_page(&mut conn, &scope, &filter, stage.id, order, None, PAGE_SIZE).await?
        };
        let next = next_cursor(&pipeline, stage.id, filter.sort, &cards, more);
        columns.push(BoardColumn {
            summary,
            cards,
            next,
        });
    }
    Ok(Board {
        pipeline: (*pipeline).clone(),
        columns,
        now: now(),
        page_size: PAGE_SIZE,
        last_event_id,
        viewer: actor.clone(),
        filter,
        policies: (*policies).clone(),
    })
}

/// The filter bar's choices for `actor`: owners and teams within their scope, all sources and
/// campaigns.
pub async fn filter_options(state: &AppState, actor: &Actor) -> Result<FilterOptions, AppError> {
    let scope = access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    let mut options = leads::filter_options(&mut conn, &scope).await?;
    let shape = state.store.pipeline(&mut conn).await?;
    options.fields = shape
        .fields()
        .iter()
        .filter(|d| d.entity == crate::domain::fields::FieldEntity::Lead && !d.retired)
        .cloned()
        .collect();
    Ok(options)
}

fn next_cursor(
    pipeline: &crate::domain::Pipelines,
    stage: StageId,
    sort: crate::domain::CardSort,
    cards: &[Lead],
    more: bool,
) -> Option<String> {
    let last = cards.last().filter(|_| more)?;
    Some(
        column_order(pipeline, stage, sort)
            .cursor_after(last)
            .encode(),
    )
}

/// The next page of one column after `after` (a cursor from the board or the previous page).
pub async fn column_page(
    state: &AppState,
    actor: &Actor,
    stage: StageId,
    filter: BoardFilter,
    after: &str,
) -> Result<ColumnPage, AppError> {
    let scope = access::view_board(actor)?;
    let mut conn = state.store.read().await?;
    let pipeline = state.store.pipeline(&mut conn).await?;
    if pipeline.get(stage).is_none() {
        return Err(AppError::field(
            "stage",
            format!("Stage {stage} does not exist in this pipeline"),
        ));
    }
    let mut filter = filter;
    filter
        .resolve(pipeline.fields())
        .map_err(|f| AppError::field(f.field, f.message))?;
    let order = column_order(&pipeline, stage, filter.sort);
    let cursor = Cursor::parse(after, order).map_err(|f| AppError::field(f.field, f.message))?;
    let (cards, more) = leads::column_page(
        &mut conn,
        &scope,
        &filter,
        stage,
        order,
        Some(&cursor),
        PAGE_SIZE,
    )
    .await?;
    let next = next_cursor(&pipeline, stage, filter.sort, &cards, more);
    Ok(ColumnPage { cards, next })
}

/// One lead, if `actor` may see it. A lead outside the actor's scope is reported as missing,
/// so ids cannot be probed for existence.
pub async fn lead(state: &AppState, actor: &Actor, id: LeadId) -> Result<Lead, AppError> {
    let mut conn = state.store.read().await?;
    visible_lead(&mut conn, actor, id).await
}

/// The lead `id` if `actor` may see it; missing and invisible look the same.
async fn visible_lead(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    id: LeadId,
) -> Result<Lead, AppError> {
    let lead = leads::lead(conn, id).await?.ok_or_else(|| no_lead(id))?;
    access::view_lead(actor, &lead).map_err(|_| no_lead(id))?;
    Ok(lead)
}

fn no_lead(id: LeadId) -> AppError {
    AppError::not_found(format!("There is no lead {id} that you can see"))
}

/// What every write starts from: the lead (missing and invisible look the same; then the edit
/// policy and the version), the pipeline and the follow-up policies, read on a reader
/// connection. The write transaction opens only afterwards (see [`begin_write`]), so the
/// writer is held just for the versioned UPDATE, the event and the commit; `save` turns a
/// version that moved in between into a 409.
pub(crate) struct ForWrite {
    pub current: Lead,
    pub pipeline: std::sync::Arc<Pipelines>,
    pub policies: std::sync::Arc<crate::domain::Policies>,
}

/// Reads what a write of lead `id` at `version` starts from; see [`ForWrite`].
pub(crate) async fn read_for_write(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    version: i64,
) -> Result<ForWrite, AppError> {
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let current = visible_lead(&mut conn, actor, id).await?;
    access::edit_lead(actor, &current)?;
    if current.version != version {
        return Err(conflict(current));
    }
    Ok(ForWrite {
        current,
        pipeline,
        policies,
    })
}

/// The team's follow-up policy judging a write from `before` to `after`: what the write may
/// not leave behind (see [`crate::domain::check_write`]) is refused, one field error each.
pub(crate) fn enforce(
    policies: &crate::domain::Policies,
    before: &Lead,
    after: &Lead,
    at: Timestamp,
) -> Result<(), AppError> {
    let policy = policies.for_team(after.team_id);
    refuse(
        policy,
        crate::domain::check_write(policy, before, after, at),
    )
}

/// The team's follow-up policy judging a lead that a write worked on as a whole (a merge of a
/// duplicate into it): it must be left compliant, whatever it had before.
pub(crate) fn enforce_worked(
    policies: &crate::domain::Policies,
    lead: &Lead,
    at: Timestamp,
) -> Result<(), AppError> {
    let policy = policies.for_team(lead.team_id);
    refuse(policy, crate::domain::check_worked(policy, lead, at))
}

/// A refusal naming each finding's field, or nothing when there are none.
fn refuse(
    policy: &crate::domain::Policy,
    broken: Vec<crate::domain::Finding>,
) -> Result<(), AppError> {
    let Some(message) = crate::domain::refusal_message(policy, &broken) else {
        return Ok(());
    };
    Err(AppError::Validation {
        message,
        fields: broken
            .iter()
            .map(|f| crate::error::FieldError {
                field: f.kind.field().into(),
                message: f.message.clone(),
            })
            .collect(),
    })
}

/// Opens the write transaction of a change from `read` to `next`, after the follow-up policy
/// has judged it: every write path goes through here, so none can skip the rules.
pub(crate) async fn begin_write(
    state: &AppState,
    read: &ForWrite,
    next: &Lead,
    at: Timestamp,
) -> Result<Tx, AppError> {
    enforce(&read.policies, &read.current, next, at)?;
    Ok(state.store.begin().await?)
}

/// What a write records in the event log.
pub(crate) struct Change {
    pub kind: LiveKind,
    pub payload: Value,
    pub at: Timestamp,
}

/// Writes `next` over `current`, appends the event, commits and publishes.
pub(crate) async fn save(
    state: &AppState,
    mut tx: Tx,
    actor: &Actor,
    current: &Lead,
    mut next: Lead,
    change: Change,
) -> Result<Lead, AppError> {
    let Change { kind, payload, at } = change;
    if !leads::write(&mut tx, &next, current.version).await? {
        // Another write committed between our read and this transaction.
        let now_current = leads::lead(&mut tx, current.id)
            .await?
            .unwrap_or_else(|| current.clone());
        return Err(conflict(now_current));
    }
    if current.fields != next.fields {
        let shape = state.store.pipeline(&mut tx).await?;
        crate::ssr::store::fields::reindex_lead(&mut tx, shape.fields(), current.id, &next.fields)
            .await?;
    }
    score::apply(state, &mut tx, &mut next, at).await?;
    let event_id = events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: kind.key(),
            lead_id: Some(current.id),
            payload,
        },
    )
    .await?;
    events::notify(&mut tx, event_id).await?;
    tx.commit().await?;
    let from_stage = (current.stage_id != next.stage_id).then_some(current.stage_id);
    state.hub.publish(LiveEvent {
        id: event_id,
        kind,
        at,
        from_stage: from_stage.or(Some(current.stage_id)),
        lead: next.clone(),
        recipient: None,
    });
    Ok(next)
}

/// The event payload of a stage move (and of a close-out, which is one): stage, version,
/// close-out and value before and after. Replay reads `before.stage_id` to place the card.
pub(crate) fn move_payload(before: &Lead, after: &Lead) -> Value {
    json!({
        "before": {
            "stage_id": before.stage_id,
            "version": before.version,
            "close_reason": before.close_reason,
            "value_cents": before.value.map(|v| v.cents),
        },
        "after": {
            "stage_id": after.stage_id,
            "version": after.version,
            "close_reason": after.close_reason,
            "close_note": after.close_note,
            "value_cents": after.value.map(|v| v.cents),
        },
    })
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
    let read = read_for_write(state, actor, id, request.version).await?;
    let moved = apply_move(&read.pipeline, &read.current, &request, at)?;
    save_move(state, actor, &read, moved, at).await
}

/// Saves a stage change (a move or a close-out) as a `lead.moved` event.
pub(crate) async fn save_move(
    state: &AppState,
    actor: &Actor,
    read: &ForWrite,
    moved: Lead,
    at: Timestamp,
) -> Result<Lead, AppError> {
    let payload = move_payload(&read.current, &moved);
    let tx = begin_write(state, read, &moved, at).await?;
    save(
        state,
        tx,
        actor,
        &read.current,
        moved,
        Change {
            kind: LiveKind::Moved,
            payload,
            at,
        },
    )
    .await
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
    let mut tx: Tx = state.store.begin().await?;
    let current = leads::lead(&mut tx, id).await?.ok_or_else(|| no_lead(id))?;
    access::view_lead(actor, &current).map_err(|_| no_lead(id))?;
    let to = crate::ssr::store::accounts::user(&mut tx, request.owner)
        .await?
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
    if !leads::write_owner(&mut tx, id, to.id, to.team_id, current.version, at).await? {
        let now_current = leads::lead(&mut tx, id).await?.unwrap_or(current);
        return Err(conflict(now_current));
    }
    let event_id = events::append(
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
    .await?;
    let assigned = leads::lead(&mut tx, id)
        .await?
        .ok_or_else(AppError::internal)?;
    events::notify(&mut tx, event_id).await?;
    tx.commit().await?;
    state.hub.publish(LiveEvent {
        id: event_id,
        kind: LiveKind::Assigned,
        at,
        from_stage: Some(assigned.stage_id),
        lead: assigned.clone(),
        recipient: None,
    });
    Ok(assigned)
}

pub(crate) fn conflict(current: Lead) -> AppError {
    AppError::Conflict {
        message: "Someone else changed this lead since you loaded it".into(),
        current: Box::new(current),
    }
}

/// Whether `actor`'s live feed carries `event`: a notification goes to its recipient only,
/// a lead change to whoever may see the lead.
pub fn visible_to(actor: &Actor, event: &LiveEvent) -> bool {
    match event.recipient {
        Some(user) => user == actor.id.0,
        None => access::view_lead(actor, &event.lead).is_ok(),
    }
}

/// Live events committed after `last_id` about leads `actor` may see, oldest first, each
/// carrying the lead as it stands now (clients apply a lead only when its version is newer
/// than theirs, so replays are harmless). The second value is the id of the last event
/// examined, visible or not, so a caller can page on; the third how many were examined.
pub async fn replay_since(
    state: &AppState,
    actor: &Actor,
    last_id: i64,
) -> Result<(Vec<LiveEvent>, Option<i64>, usize), AppError> {
    let mut conn = state.store.read().await?;
    let rows = events::after(&mut conn, last_id, &LiveKind::keys(), 1000).await?;
    let last_examined = rows.last().map(|r| r.id);
    let examined = rows.len();
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(event) = to_live(&mut conn, row).await? else {
            continue;
        };
        if visible_to(actor, &event) {
            out.push(event);
        }
    }
    Ok((out, last_examined, examined))
}

/// A stored event as the live feed carries it: with its lead as it stands now. `None` for
/// events about no lead (or a lead since deleted).
pub(crate) async fn to_live(
    conn: &mut sqlx::AnyConnection,
    row: events::EventRow,
) -> Result<Option<LiveEvent>, sqlx::Error> {
    let Some(lead_id) = row.lead_id else {
        return Ok(None);
    };
    let Some(lead) = leads::lead(conn, LeadId(lead_id)).await? else {
        return Ok(None);
    };
    let payload = serde_json::from_str::<serde_json::Value>(&row.payload).ok();
    let from_stage = payload
        .as_ref()
        .and_then(|p| p["before"]["stage_id"].as_i64())
        .map(StageId)
        .or(Some(lead.stage_id));
    let Some(kind) = LiveKind::parse(&row.kind) else {
        return Ok(None);
    };
    let recipient = (kind == sweep::NOTIFICATION)
        .then(|| payload.as_ref().and_then(|p| p["user_id"].as_i64()))
        .flatten();
    Ok(Some(LiveEvent {
        id: row.id,
        kind,
        at: Timestamp(row.at),
        from_stage,
        lead,
        recipient,
    }))
}

/// Publishes committed event `id` to this instance's live subscribers unless it already has
/// been (the relay calls this for ids other instances announced). Returns whether it was new.
pub async fn relay_event(state: &AppState, id: i64) -> Result<bool, AppError> {
    if state.hub.is_published(id) {
        return Ok(false);
    }
    let mut conn = state.store.read().await?;
    let Some(row) = events::by_id(&mut conn, id).await? else {
        return Ok(false);
    };
    if LiveKind::parse(&row.kind).is_none() {
        return Ok(false);
    }
    match to_live(&mut conn, row).await? {
        Some(event) => {
            state.hub.publish(event);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// Events after `after` of the live kinds, for a relay catching up after a lost connection:
/// published here unless already seen. Returns the newest id examined.
pub async fn relay_since(state: &AppState, after: i64) -> Result<i64, AppError> {
    let mut conn = state.store.read().await?;
    let rows = events::after(&mut conn, after, &LiveKind::keys(), 5000).await?;
    let mut newest = after;
    for row in rows {
        newest = newest.max(row.id);
        if state.hub.is_published(row.id) {
            continue;
        }
        if let Some(event) = to_live(&mut conn, row).await? {
            state.hub.publish(event);
        }
    }
    Ok(newest)
}
