//! Pipeline settings: who may shape which pipeline; saving a pipeline's form as its next
//! version (one `pipeline.saved` event and a version row with the changes in words); adding a
//! pipeline; retiring a stage once its leads are moved through the ordinary move rules; and
//! the admin's choice to let managers change their teams' pipelines.

use super::{now, save_move, ForWrite};
use crate::domain::access::{self, Actor, Role};
use crate::domain::apply_move;
use crate::domain::pipeline_form::{describe_changes, CheckedStage, PipelineForm};
use crate::domain::{
    MoveRequest, Pipeline, PipelineId, Pipelines, StageId, StageKind, TeamId, Timestamp,
};
use crate::error::{AppError, FieldError};
use crate::model::pipelines::{PipelineChange, PipelineSettings, RetireReport};
use crate::ssr::store::{accounts, compliance, events, leads, pipelines, Tx};
use crate::ssr::AppState;
use serde_json::json;

/// How many saved changes the page lists.
const HISTORY: i64 = 30;

/// The settings page as `actor` sees it: admins every pipeline, managers their teams'.
pub async fn settings(state: &AppState, actor: &Actor) -> Result<PipelineSettings, AppError> {
    access::view_pipeline_settings(actor)?;
    let mut conn = state.store.read().await?;
    let all = pipelines::read(&mut conn).await?;
    let allowed = pipelines::managers_may_edit(&mut conn).await?;
    let admin = actor.role == Role::Admin;
    let seen = |teams: &[TeamId]| admin || teams.iter().any(|t| actor.managed_teams.contains(t));
    let editable = all
        .active()
        .filter(|p| access::edit_pipeline(actor, &p.teams, allowed).is_ok())
        .map(|p| p.id)
        .collect();
    let visible: Vec<PipelineId> = all
        .pipelines()
        .iter()
        .filter(|p| seen(&p.teams))
        .map(|p| p.id)
        .collect();
    let teams = accounts::teams(&mut conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let leads_in = pipelines::leads_per_stage(&mut conn).await?;
    let history = pipelines::versions(&mut conn, HISTORY)
        .await?
        .into_iter()
        .filter(|v| visible.contains(&v.pipeline))
        .map(|v| PipelineChange {
            pipeline: v.pipeline,
            version: v.version,
            changes: v.changes,
            author: v.author,
            at: v.at,
        })
        .collect();
    let shown = Pipelines::new(
        all.pipelines()
            .iter()
            .filter(|p| visible.contains(&p.id))
            .cloned()
            .collect(),
        all.stages()
            .iter()
            .filter(|s| visible.contains(&s.pipeline_id))
            .cloned()
            .collect(),
    );
    Ok(PipelineSettings {
        pipelines: shown,
        editable,
        admin,
        managers_may_edit: allowed,
        teams,
        leads_in,
        history,
    })
}

/// Pipeline `id`, unless it does not exist or is retired.
fn in_use(pipelines: &Pipelines, id: PipelineId) -> Result<&Pipeline, AppError> {
    pipelines
        .pipeline(id)
        .filter(|p| !p.retired)
        .ok_or_else(|| AppError::not_found(format!("There is no pipeline {id}")))
}

/// The version a form was edited from is no longer the pipeline's.
fn stale_version() -> AppError {
    AppError::field(
        "version",
        "Someone saved this pipeline since you opened it: reload to see their change",
    )
}

/// Another save of the pipeline committed between the check and this one.
fn saved_meanwhile() -> AppError {
    AppError::field(
        "version",
        "Someone saved this pipeline at the same moment: reload and try again",
    )
}

/// The form's name, trimmed, unless another pipeline (`except` aside) has it.
async fn free_name(
    conn: &mut sqlx::AnyConnection,
    form: &PipelineForm,
    except: Option<PipelineId>,
) -> Result<String, AppError> {
    let name = form.name.trim().to_string();
    if pipelines::name_taken(conn, &name, except).await? {
        return Err(AppError::field(
            "name",
            format!("There is already a pipeline called \"{name}\""),
        ));
    }
    Ok(name)
}

/// The teams `form` names, checked to exist; only an admin may change them.
async fn checked_teams(
    conn: &mut sqlx::AnyConnection,
    actor: &Actor,
    form: &PipelineForm,
    current: &[TeamId],
) -> Result<Vec<TeamId>, AppError> {
    let mut teams = form.teams.clone();
    teams.sort();
    teams.dedup();
    let mut was = current.to_vec();
    was.sort();
    if teams != was {
        access::manage_pipelines(actor).map_err(|d| AppError::field("teams", d.0))?;
    }
    for t in &teams {
        if !accounts::team_exists(conn, *t).await? {
            return Err(AppError::field(
                "teams",
                format!("There is no team {}", t.0),
            ));
        }
    }
    Ok(teams)
}

/// Saves `form` as the next version of pipeline `id`, edited from version `based_on`.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    id: PipelineId,
    form: PipelineForm,
    based_on: i64,
) -> Result<PipelineSettings, AppError> {
    access::view_pipeline_settings(actor)?;
    let mut conn = state.store.read().await?;
    let before = pipelines::read(&mut conn).await?;
    let pipeline = in_use(&before, id)?;
    let allowed = pipelines::managers_may_edit(&mut conn).await?;
    access::edit_pipeline(actor, &pipeline.teams, allowed)?;
    if pipeline.version != based_on {
        return Err(stale_version());
    }
    let stages = form.check().map_err(AppError::invalid)?;
    let teams = checked_teams(&mut conn, actor, &form, &pipeline.teams).await?;
    let name = free_name(&mut conn, &form, Some(id)).await?;
    let board = before.board(id);
    let mut problems = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        let Some(sid) = s.id else { continue };
        match board.iter().find(|b| b.id == sid) {
            None => problems.push(FieldError {
                field: format!("stages.{i}"),
                message: format!("Stage {sid} is not on this pipeline's board"),
            }),
            Some(was) if was.kind != s.kind && pipelines::leads_in(&mut conn, sid).await? > 0 => {
                problems.push(FieldError {
                    field: format!("stages.{i}.kind"),
                    message: format!(
                        "\"{}\" has leads: move them before making it a {} stage",
                        was.name,
                        s.kind.key()
                    ),
                })
            }
            Some(_) => {}
        }
    }
    let removed: Vec<StageId> = board
        .iter()
        .filter(|b| !stages.iter().any(|s| s.id == Some(b.id)))
        .map(|b| b.id)
        .collect();
    for sid in &removed {
        if pipelines::stage_used(&mut conn, *sid).await? {
            let name = before
                .get(*sid)
                .map_or_else(String::new, |s| s.name.clone());
            problems.push(FieldError {
                field: "stages".into(),
                message: format!(
                    "\"{name}\" has or had leads, so it stays in their history: retire it instead of deleting it"
                ),
            });
        }
    }
    if !problems.is_empty() {
        return Err(AppError::invalid(problems));
    }
    let team_names = team_names(&mut conn).await?;
    drop(conn);
    let changes = describe_changes(&before, id, &name, &teams, &stages, &team_names);
    let at = now();
    let mut tx = state.store.begin().await?;
    if !pipelines::bump(&mut tx, id, &name, based_on).await? {
        return Err(saved_meanwhile());
    }
    for sid in &removed {
        pipelines::delete_stage(&mut tx, *sid).await?;
    }
    let order = write_stages(&mut tx, id, &stages).await?;
    pipelines::reorder(&mut tx, &order).await?;
    pipelines::set_teams(&mut tx, id, &teams).await?;
    record(&mut tx, actor, id, based_on + 1, changes, at).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    settings(state, actor).await
}

/// Updates the stages that exist and adds the new ones; returns the ids in form order.
async fn write_stages(
    tx: &mut Tx,
    id: PipelineId,
    stages: &[CheckedStage],
) -> Result<Vec<StageId>, AppError> {
    let mut order = Vec::with_capacity(stages.len());
    for s in stages {
        let row = pipelines::StageRow {
            name: &s.name,
            kind: s.kind,
            entry_criteria: &s.entry_criteria,
            probability: s.probability,
            stale_days: s.stale_days,
        };
        match s.id {
            Some(sid) => {
                pipelines::update_stage(tx, sid, &row).await?;
                order.push(sid);
            }
            None => order.push(pipelines::insert_stage(tx, id, &row).await?),
        }
    }
    Ok(order)
}

/// Records version `version` of pipeline `id`: the snapshot and changes, and the event. The
/// leads' compliance facts are worked out again (a stale limit may have changed).
async fn record(
    tx: &mut Tx,
    actor: &Actor,
    id: PipelineId,
    version: i64,
    changes: Vec<String>,
    at: Timestamp,
) -> Result<(), AppError> {
    let after = pipelines::read(tx).await?;
    let snapshot = json!({
        "pipeline": after.pipeline(id),
        "stages": after.stages().iter().filter(|s| s.pipeline_id == id).collect::<Vec<_>>(),
    });
    let row = pipelines::VersionRow {
        pipeline: id,
        version,
        changes,
        author: None,
        at,
    };
    pipelines::insert_version(tx, &row, &snapshot, Some(actor.id.0)).await?;
    let saved = events::append(
        tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "pipeline.saved",
            lead_id: None,
            payload: json!({"pipeline_id": id.0, "version": version, "changes": row.changes}),
        },
    )
    .await?;
    compliance::invalidate_facts(tx, None, -saved).await?;
    Ok(())
}

async fn team_names(conn: &mut sqlx::AnyConnection) -> Result<Vec<(TeamId, String)>, AppError> {
    Ok(accounts::teams(conn)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect())
}

/// Adds a pipeline (admins) from `form`, as its version 1.
pub async fn create(
    state: &AppState,
    actor: &Actor,
    form: PipelineForm,
) -> Result<PipelineId, AppError> {
    access::manage_pipelines(actor)?;
    let stages = form.check().map_err(AppError::invalid)?;
    if let Some(i) = stages.iter().position(|s| s.id.is_some()) {
        return Err(AppError::field(
            format!("stages.{i}"),
            "A new pipeline's stages are new too",
        ));
    }
    let mut conn = state.store.read().await?;
    let teams = checked_teams(&mut conn, actor, &form, &[]).await?;
    let name = free_name(&mut conn, &form, None).await?;
    let team_names = team_names(&mut conn).await?;
    drop(conn);
    let at = now();
    let mut tx = state.store.begin().await?;
    let id = pipelines::insert_pipeline(&mut tx, &name, at).await?;
    write_stages(&mut tx, id, &stages).await?;
    pipelines::set_teams(&mut tx, id, &teams).await?;
    let stage_names: Vec<&str> = stages.iter().map(|s| s.name.as_str()).collect();
    let mut changes = vec![
        format!("Created the pipeline \"{name}\""),
        format!("Stages: {}", stage_names.join(" → ")),
    ];
    for t in &teams {
        if let Some((_, n)) = team_names.iter().find(|(id, _)| id == t) {
            changes.push(format!("{n} works in it"));
        }
    }
    record(&mut tx, actor, id, 1, changes, at).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    Ok(id)
}

/// Retires pipeline `id` (admins): it leaves the board, the pickers and the choices for new
/// leads; its closed leads keep their stages and history. Refused while it holds open leads,
/// when it is the last pipeline, or when a team works in no other.
pub async fn retire_pipeline(
    state: &AppState,
    actor: &Actor,
    id: PipelineId,
    based_on: i64,
) -> Result<PipelineSettings, AppError> {
    access::manage_pipelines(actor)?;
    let mut conn = state.store.read().await?;
    let before = pipelines::read(&mut conn).await?;
    let pipeline = in_use(&before, id)?;
    if pipeline.version != based_on {
        return Err(stale_version());
    }
    let name = pipeline.name.clone();
    if before.active().count() < 2 {
        return Err(AppError::field(
            "pipeline",
            "The only pipeline cannot be retired: add another first",
        ));
    }
    let open = pipelines::open_leads_in(&mut conn, id).await?;
    if open > 0 {
        return Err(AppError::field(
            "pipeline",
            format!(
                "\"{name}\" has {open} open {}: move {} to another pipeline first",
                if open == 1 { "lead" } else { "leads" },
                if open == 1 { "it" } else { "them" },
            ),
        ));
    }
    let team_names = team_names(&mut conn).await?;
    drop(conn);
    let lonely: Vec<String> = pipeline
        .teams
        .iter()
        .filter(|t| !before.active().any(|p| p.id != id && p.teams.contains(t)))
        .filter_map(|t| {
            team_names
                .iter()
                .find(|(x, _)| x == t)
                .map(|(_, n)| n.clone())
        })
        .collect();
    if !lonely.is_empty() {
        return Err(AppError::field(
            "teams",
            format!(
                "{} {} in no other pipeline: let {} work in another first",
                lonely.join(", "),
                if lonely.len() == 1 { "works" } else { "work" },
                if lonely.len() == 1 { "it" } else { "them" },
            ),
        ));
    }
    let at = now();
    let mut tx = state.store.begin().await?;
    if !pipelines::retire_pipeline(&mut tx, id, based_on, at).await? {
        return Err(saved_meanwhile());
    }
    pipelines::set_teams(&mut tx, id, &[]).await?;
    let changes = vec![format!("Retired the pipeline \"{name}\"")];
    record(&mut tx, actor, id, based_on + 1, changes, at).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    settings(state, actor).await
}

/// Takes `stage` off its pipeline's board: first each of its leads is moved to `to` (another
/// stage of the same pipeline) through the move rules and the follow-up policy, as `actor`;
/// only when none is left does the stage retire. The report says what moved and what did not,
/// and why.
pub async fn retire_stage(
    state: &AppState,
    actor: &Actor,
    stage: StageId,
    to: Option<StageId>,
    based_on: i64,
) -> Result<RetireReport, AppError> {
    access::view_pipeline_settings(actor)?;
    let mut conn = state.store.read().await?;
    let all = pipelines::read(&mut conn).await?;
    let retiring = all
        .get(stage)
        .filter(|s| !s.retired)
        .ok_or_else(|| AppError::not_found(format!("There is no stage {stage} on a board")))?
        .clone();
    let pipeline = all
        .pipeline(retiring.pipeline_id)
        .ok_or_else(AppError::internal)?
        .clone();
    let allowed = pipelines::managers_may_edit(&mut conn).await?;
    access::edit_pipeline(actor, &pipeline.teams, allowed)?;
    if pipeline.version != based_on {
        return Err(stale_version());
    }
    let rest: Vec<_> = all
        .board(pipeline.id)
        .into_iter()
        .filter(|s| s.id != stage)
        .collect();
    if !rest.iter().any(|s| s.kind == retiring.kind) {
        return Err(AppError::field(
            "stage",
            format!(
                "\"{}\" is the pipeline's only {} stage: add another before retiring it",
                retiring.name,
                retiring.kind.key()
            ),
        ));
    }
    let ids = pipelines::lead_ids_in(&mut conn, stage).await?;
    let policies = state.store.policies(&mut conn).await?;
    drop(conn);
    let mut report = RetireReport {
        moved: 0,
        refused: Vec::new(),
        retired: false,
    };
    let mut target_name = String::new();
    if !ids.is_empty() {
        let target = to
            .and_then(|t| rest.iter().find(|s| s.id == t))
            .ok_or_else(|| {
                AppError::field("to", "Choose another stage of this pipeline for its leads")
            })?;
        if target.kind == StageKind::Lost {
            return Err(AppError::field(
                "to",
                "Leads are lost one by one, each with its reason: choose an open or won stage",
            ));
        }
        target_name = target.name.clone();
        let all = std::sync::Arc::new(all.clone());
        for id in ids {
            let mut conn = state.store.read().await?;
            let Some(current) = leads::lead(&mut conn, id).await? else {
                continue;
            };
            drop(conn);
            if current.stage_id != stage {
                continue;
            }
            let request = MoveRequest {
                to_stage: target.id,
                version: current.version,
                close_reason: None,
                close_note: None,
            };
            let at = now();
            let read = ForWrite {
                current: current.clone(),
                pipeline: all.clone(),
                policies: policies.clone(),
            };
            let outcome = match apply_move(&all, &current, &request, at) {
                Ok(moved) => save_move(state, actor, &read, moved, at).await.map(|_| ()),
                Err(rejection) => Err(AppError::field(rejection.field, rejection.message)),
            };
            match outcome {
                Ok(()) => report.moved += 1,
                Err(e) => report
                    .refused
                    .push((id.0, current.title().to_string(), e.to_string())),
            }
        }
    }
    if !report.refused.is_empty() {
        return Ok(report);
    }
    let at = now();
    let mut tx = state.store.begin().await?;
    if pipelines::leads_in(&mut tx, stage).await? > 0 {
        // A lead arrived while the others were moved: retire on the next try.
        return Ok(report);
    }
    if !pipelines::bump(&mut tx, pipeline.id, &pipeline.name, based_on).await? {
        return Err(saved_meanwhile());
    }
    pipelines::retire_stage(&mut tx, stage, at).await?;
    let change = if report.moved > 0 {
        format!(
            "Retired the stage \"{}\" ({} leads moved to \"{target_name}\")",
            retiring.name, report.moved
        )
    } else {
        format!("Retired the stage \"{}\"", retiring.name)
    };
    record(&mut tx, actor, pipeline.id, based_on + 1, vec![change], at).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    report.retired = true;
    Ok(report)
}

/// Lets managers change the stages of their teams' pipelines, or stops them (admins).
pub async fn set_managers_may_edit(
    state: &AppState,
    actor: &Actor,
    allowed: bool,
) -> Result<PipelineSettings, AppError> {
    access::manage_pipelines(actor)?;
    let mut tx = state.store.begin().await?;
    pipelines::set_managers_may_edit(&mut tx, allowed).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind: "pipeline.managers",
            lead_id: None,
            payload: json!({"managers_may_edit": allowed}),
        },
    )
    .await?;
    tx.commit().await?;
    settings(state, actor).await
}
