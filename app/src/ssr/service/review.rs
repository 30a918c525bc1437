//! One-on-one reviews: the page a manager and a rep look at together, the notes and actions
//! agreed in it (an action on a lead becomes its next step), and the history per rep.
//!
//! A rep's team manager runs the review; the rep, leadership and admins read it
//! (`access::view_reviews`).

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::activity::NextStepChange;
use crate::domain::review::{
    action_done, by_lead, what_changed, ActionInput, FIRST_REVIEW_DAYS, MAX_NOTES,
};
use crate::domain::today::{queue, Why};
use crate::domain::{LeadId, NextStepKind, Role, Timestamp, UserId};
use crate::error::AppError;
use crate::model::compliance::ComplianceQuery;
use crate::model::review::{ActionView, Review, ReviewSummary, ReviewView, ReviewableRep};
use crate::ssr::store::review::{self as store, ActionRow, ReviewRow};
use crate::ssr::store::Reading;
use crate::ssr::store::{accounts, events, leads};
use crate::ssr::AppState;
use serde_json::json;

/// How many past reviews the history lists.
const HISTORY: i64 = 20;

/// The rep (a rep's account) and whether `actor` may write their reviews.
async fn rep_for(state: &AppState, actor: &Actor, rep: i64) -> Result<(Actor, bool), AppError> {
    let mut conn = state.store.read().await?;
    let person = accounts::actor(&mut conn, UserId(rep))
        .await?
        .filter(|a| a.role == Role::Rep)
        .ok_or_else(|| AppError::not_found("There is no such rep"))?;
    let can_edit = access::view_reviews(actor, person.id, person.team_id)?;
    Ok((person, can_edit))
}

fn action_view(a: ActionRow) -> ActionView {
    let created = Timestamp(a.created_at);
    ActionView {
        id: a.id,
        lead: a
            .lead_id
            .map(|l| (LeadId(l), a.lead_title.clone().unwrap_or_default())),
        text: a.text,
        due_at: a.due_at.map(Timestamp),
        created_at: created,
        done_at: action_done(
            created,
            a.done_at.map(Timestamp),
            a.last_touched_at.map(Timestamp),
            a.closed_at.map(Timestamp),
        ),
    }
}

async fn review_of(conn: &mut sqlx::AnyConnection, row: ReviewRow) -> Result<Review, AppError> {
    let actions = store::actions(conn, row.id).await?;
    Ok(Review {
        id: row.id,
        manager: row.manager_name,
        started_at: Timestamp(row.started_at),
        finished_at: row.finished_at.map(Timestamp),
        notes: row.notes,
        version: row.version,
        actions: actions.into_iter().map(action_view).collect(),
    })
}

pub async fn view(state: &AppState, actor: &Actor, rep: i64) -> Result<ReviewView, AppError> {
    let (person, can_edit) = rep_for(state, actor, rep).await?;
    let at = now();
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let current = match store::open_of(&mut conn, rep).await? {
        Some(r) => Some(review_of(&mut conn, r).await?),
        None => None,
    };
    let finished = store::finished_of(&mut conn, rep, HISTORY).await?;
    let last = match finished.first().cloned() {
        Some(r) => Some(review_of(&mut conn, r).await?),
        None => None,
    };
    let since = last
        .as_ref()
        .map(|r| r.finished_at.unwrap_or(r.started_at))
        .unwrap_or_else(|| at.plus_days(-FIRST_REVIEW_DAYS));
    let log = store::log_since(&mut conn, rep, since).await?;
    let open = leads::open_owned_by(&mut conn, rep).await?;
    let counts_by_review = store::action_counts(&mut conn, rep).await?;
    drop(conn);

    let changes_capped = log.len() >= store::MAX_LOG;
    let (counts, changes) = what_changed(&log, &pipeline);
    let changed_leads = by_lead(&changes);
    let offset = (policies.org.calendar.zone.offset_at(at.0) / 60) as i32;
    let attention = queue(&open, |l| policies.for_team(l.team_id), at, offset)
        .into_iter()
        .filter(|i| !matches!(i.why, Why::DueToday | Why::Hot))
        .collect();
    let compliance = super::compliance::page(
        state,
        actor,
        ComplianceQuery {
            days: 30,
            team: None,
            rep: Some(rep),
            pipeline: None,
        },
    )
    .await
    .ok();
    let scorecard = compliance
        .as_ref()
        .and_then(|c| c.reps.iter().find(|r| r.id == rep).map(|r| r.card.clone()));
    let trend = compliance
        .map(|c| c.trend.into_iter().map(|(t, sla, _)| (t, sla)).collect())
        .unwrap_or_default();
    let quotas = super::quotas::attainments(state, &[rep], at).await?;
    let history = finished
        .iter()
        .map(|r| {
            let (n, done) = counts_by_review
                .iter()
                .find(|(id, ..)| *id == r.id)
                .map_or((0, 0), |(_, n, d)| (*n, *d));
            ReviewSummary {
                id: r.id,
                manager: r.manager_name.clone(),
                started_at: Timestamp(r.started_at),
                finished_at: r.finished_at.map(Timestamp),
                actions: n as u32,
                done: done as u32,
            }
        })
        .collect();
    Ok(ReviewView {
        rep_id: rep,
        rep_name: person.name.clone(),
        can_edit,
        now: at,
        current,
        last,
        since,
        counts,
        changed_leads,
        changes_capped,
        scorecard,
        trend,
        quotas,
        attention,
        open_leads: crate::domain::lead::lead_options(&open, |id| {
            pipeline.get(id).map(|s| s.name.clone())
        }),
        history,
    })
}

/// The reps a manager reviews, with when each was last reviewed.
pub async fn reviewable(state: &AppState, actor: &Actor) -> Result<Vec<ReviewableRep>, AppError> {
    access::run_reviews(actor)?;
    let teams: Vec<i64> = actor.managed_teams.iter().map(|t| t.0).collect();
    let mut conn = state.store.read().await?;
    Ok(store::reps_of(&mut conn, &teams)
        .await?
        .into_iter()
        .map(|(id, name, team, last)| ReviewableRep {
            id,
            name,
            team,
            last_review: last.map(Timestamp),
        })
        .collect())
}

/// The review `id` if `actor` may write it and it is still open.
async fn open_for_write(
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<(ReviewRow, Actor), AppError> {
    let mut conn = state.store.read().await?;
    let row = store::by_id(&mut conn, id)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such review"))?;
    drop(conn);
    let (person, can_edit) = rep_for(state, actor, row.rep_id).await?;
    if !can_edit {
        return Err(access::Denied("Only the rep's manager changes the review").into());
    }
    if row.finished_at.is_some() {
        return Err(AppError::field(
            "review",
            "This review is finished; start a new one",
        ));
    }
    Ok((row, person))
}

fn audit(
    kind: &'static str,
    actor: &Actor,
    payload: serde_json::Value,
) -> events::NewEvent<'static> {
    events::NewEvent {
        at: now(),
        actor_id: Some(actor.id.0),
        kind,
        lead_id: None,
        payload,
    }
}

pub async fn start(state: &AppState, actor: &Actor, rep: i64) -> Result<i64, AppError> {
    let (_, can_edit) = rep_for(state, actor, rep).await?;
    if !can_edit {
        return Err(access::Denied("Only the rep's manager starts a review").into());
    }
    let mut tx = state.store.begin().await?;
    if let Some(open) = store::open_of(&mut tx, rep).await? {
        return Ok(open.id);
    }
    let id = store::insert(&mut tx, rep, actor.id.0, now()).await?;
    events::append(
        &mut tx,
        &audit("review.started", actor, json!({"review": id, "rep": rep})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn save_notes(
    state: &AppState,
    actor: &Actor,
    id: i64,
    version: i64,
    notes: &str,
) -> Result<i64, AppError> {
    if notes.chars().count() > MAX_NOTES {
        return Err(AppError::field(
            "notes",
            format!("At most {MAX_NOTES} characters"),
        ));
    }
    open_for_write(state, actor, id).await?;
    let mut tx = state.store.begin().await?;
    if !store::write_notes(&mut tx, id, version, notes, now()).await? {
        return Err(AppError::field(
            "notes",
            "The notes were saved elsewhere meanwhile: reload to see them",
        ));
    }
    tx.commit().await?;
    Ok(version + 1)
}

pub async fn add_action(
    state: &AppState,
    actor: &Actor,
    id: i64,
    input: ActionInput,
) -> Result<i64, AppError> {
    let (row, person) = open_for_write(state, actor, id).await?;
    let text = input.check().map_err(AppError::invalid)?;
    let at = now();
    let mut due_at = None;
    if let Some(lead_id) = input.lead_id {
        let mut conn = state.store.read().await?;
        let lead = leads::lead(&mut conn, lead_id)
            .await?
            .filter(|l| l.closed_at.is_none() && l.owner.as_ref().map(|o| o.id) == Some(row.rep_id))
            .ok_or_else(|| {
                AppError::field(
                    "lead_id",
                    format!("Pick one of {}'s open leads", person.name),
                )
            })?;
        let policies = state.store.policies(&mut conn).await?;
        drop(conn);
        let offset = (policies.org.calendar.zone.offset_at(at.0) / 60) as i32;
        let due = input
            .due
            .map(|p| p.due(at, offset))
            .ok_or_else(|| AppError::field("due", "Pick when it is due"))?;
        // The lead's next step, set by the manager in the rep's name of the review.
        super::work::set_next_step(
            state,
            actor,
            lead_id,
            NextStepChange {
                version: lead.version,
                kind: lead
                    .next_step
                    .as_ref()
                    .map_or(NextStepKind::FollowUp, |s| s.kind),
                due_at: due,
                note: Some(text.clone()),
            },
        )
        .await?;
        due_at = Some(due);
    } else if let Some(p) = input.due {
        due_at = Some(p.due(at, 0));
    }
    let mut tx = state.store.begin().await?;
    let action = store::insert_action(&mut tx, id, input.lead_id, &text, due_at, at).await?;
    store::touch(&mut tx, id, at).await?;
    events::append(
        &mut tx,
        &audit(
            "review.action",
            actor,
            json!({"review": id, "action": action, "lead": input.lead_id.map(|l| l.0), "text": text}),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(action)
}

pub async fn tick(
    state: &AppState,
    actor: &Actor,
    action: i64,
    done: bool,
) -> Result<(), AppError> {
    let mut conn = state.store.read().await?;
    let review = store::review_of_action(&mut conn, action)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such action"))?;
    let row = store::by_id(&mut conn, review)
        .await?
        .ok_or_else(|| AppError::not_found("There is no such review"))?;
    drop(conn);
    // Actions of past reviews are ticked off in later ones, so the review need not be open.
    let (_, can_edit) = rep_for(state, actor, row.rep_id).await?;
    if !can_edit {
        return Err(access::Denied("Only the rep's manager ticks actions off").into());
    }
    let at = now();
    let mut tx = state.store.begin().await?;
    store::tick_action(&mut tx, action, done.then_some(at)).await?;
    store::touch(&mut tx, review, at).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn finish(state: &AppState, actor: &Actor, id: i64) -> Result<(), AppError> {
    open_for_write(state, actor, id).await?;
    let mut tx = state.store.begin().await?;
    store::finish(&mut tx, id, now()).await?;
    events::append(
        &mut tx,
        &audit("review.finished", actor, json!({"review": id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
