//! Settings → Follow-up policy: read the rules in force and their history, preview a change
//! against the open leads it would judge, save it as a new version.

use super::now;
use crate::domain::access::{self, Actor, Role, TeamId};
use crate::domain::policy_form::{
    describe_changes, Names, PolicyForm, PolicyPreview, PolicyScope, PolicySettings, PolicyVersion,
};
use crate::domain::{evaluate, FindingKind, Lead, Policies, Policy, StageId, StageKind};
use crate::error::{AppError, FieldError};
use crate::ssr::store::{accounts, compliance, events, leads, policies};
use crate::ssr::AppState;
use serde_json::json;

/// The scopes `actor` may read: the organisation's, and the teams the actor works in,
/// manages, or (leadership, admins) all of them.
fn visible_team(actor: &Actor, team: TeamId) -> bool {
    match actor.role {
        Role::Admin | Role::Leadership => true,
        Role::Manager => actor.managed_teams.contains(&team) || actor.team_id == Some(team),
        _ => actor.team_id == Some(team),
    }
}

/// The page: every scope the actor may read, with its rules and whether they may change
/// them, and the history of those scopes.
pub async fn settings(state: &AppState, actor: &Actor) -> Result<PolicySettings, AppError> {
    access::view_policies(actor)?;
    let mut conn = state.store.read().await?;
    let in_force = state.store.policies(&mut conn).await?;
    let teams = accounts::teams(&mut conn).await?;
    let labels = Labels::read(state, &mut conn).await?;
    let rows = policies::history(&mut conn).await?;

    let mut scopes = vec![PolicyScope {
        team: None,
        label: "Organisation default".into(),
        policy: in_force.org.clone(),
        own: true,
        editable: access::edit_policy(actor, None).is_ok(),
    }];
    for t in teams.iter().filter(|t| visible_team(actor, t.id)) {
        let own = in_force.teams.iter().any(|(id, _)| *id == t.id);
        scopes.push(PolicyScope {
            team: Some(t.id),
            label: t.name.clone(),
            policy: in_force.for_team(Some(t.id)).clone(),
            own,
            editable: access::edit_policy(actor, Some(t.id)).is_ok(),
        });
    }
    let shown = |team: Option<TeamId>| team.is_none_or(|t| visible_team(actor, t));
    let mut history = Vec::new();
    let mut previous: Option<&policies::VersionRow> = None;
    for row in &rows {
        let same_scope = previous.filter(|p| p.team == row.team);
        if shown(row.team) {
            history.push(PolicyVersion {
                team: row.team,
                version: row.version,
                author: row.author.clone(),
                at: row.at,
                changes: match same_scope {
                    Some(p) => describe_changes(&p.policy, &row.policy, &labels.names()),
                    None => Vec::new(),
                },
            });
        }
        previous = Some(row);
    }
    history.sort_by_key(|v| std::cmp::Reverse(v.at));
    Ok(PolicySettings {
        scopes,
        history,
        stages: labels.stages,
        sources: labels.sources,
    })
}

/// Stages and sources by name, for the form and the change lists.
struct Labels {
    stages: Vec<(StageId, String, StageKind)>,
    sources: Vec<(i64, String)>,
}

impl Labels {
    async fn read(state: &AppState, conn: &mut sqlx::AnyConnection) -> Result<Labels, AppError> {
        let pipeline = state.store.pipeline(&mut *conn).await?;
        let sources = accounts::sources(conn).await?;
        Ok(Labels {
            stages: pipeline
                .live_stages()
                .map(|s| (s.id, pipeline.label(s.id), s.kind))
                .collect(),
            sources: sources.into_iter().map(|s| (s.id, s.name)).collect(),
        })
    }

    fn names(&self) -> Names<'_> {
        Names {
            stages: &self.stages,
            sources: &self.sources,
        }
    }
}

/// The rules `form` describes for `team`, checked: who may change them, every field, and
/// that they were edited from the version in force (else someone saved in between).
async fn proposed(
    state: &AppState,
    actor: &Actor,
    team: Option<TeamId>,
    form: &PolicyForm,
    based_on: i64,
) -> Result<(Policy, std::sync::Arc<Policies>, Labels), AppError> {
    access::edit_policy(actor, team)?;
    let mut conn = state.store.read().await?;
    if let Some(t) = team {
        if !accounts::team_exists(&mut conn, t).await? {
            return Err(AppError::field("team", format!("There is no team {}", t.0)));
        }
    }
    let in_force = state.store.policies(&mut conn).await?;
    let base = in_force.for_team(team).clone();
    let own = team.is_none_or(|t| in_force.teams.iter().any(|(id, _)| *id == t));
    // A team without rules of its own starts from the organisation's: any version is fine.
    if own && base.version != based_on {
        return Err(AppError::field(
            "version",
            format!(
                "Someone saved version {} of these rules after you opened them: reload to see it",
                base.version
            ),
        ));
    }
    let labels = Labels::read(state, &mut conn).await?;
    let mut unknown = Vec::new();
    for (source, _) in &form.first_touch_by_source {
        if !labels.sources.iter().any(|(id, _)| id == source) {
            unknown.push(FieldError {
                field: format!("first_touch_source_{source}"),
                message: format!("There is no source {source}"),
            });
        }
    }
    for (stage, _) in &form.exit_criteria {
        if !labels
            .stages
            .iter()
            .any(|(id, _, kind)| id == stage && *kind != StageKind::Lost)
        {
            unknown.push(FieldError {
                field: format!("exit_criteria_{}", stage.0),
                message: format!("There is no stage {} a lead can be moved into", stage.0),
            });
        }
    }
    let policy = form.to_policy(&base).and_then(|p| {
        if unknown.is_empty() {
            Ok(p)
        } else {
            Err(unknown)
        }
    });
    let policy = policy.map_err(|fields| AppError::Validation {
        message: fields
            .first()
            .map(|f| f.message.clone())
            .unwrap_or_default(),
        fields,
    })?;
    Ok((policy, in_force, labels))
}

/// Whether a lead answers to the rules of `team` (`None`: the organisation default, which
/// judges leads of no team and of teams without their own rules).
fn judged_by(lead: &Lead, team: Option<TeamId>, in_force: &Policies) -> bool {
    match team {
        Some(t) => lead.team_id == Some(t),
        None => lead
            .team_id
            .is_none_or(|t| !in_force.teams.iter().any(|(id, _)| *id == t)),
    }
}

/// What saving `form` for `team` would do to the open leads it judges, now.
pub async fn preview(
    state: &AppState,
    actor: &Actor,
    team: Option<TeamId>,
    form: PolicyForm,
    based_on: i64,
) -> Result<PolicyPreview, AppError> {
    let (policy, in_force, labels) = proposed(state, actor, team, &form, based_on).await?;
    let mut conn = state.store.read().await?;
    let ids: Vec<i64> = team.iter().map(|t| t.0).collect();
    let open = leads::open_for_judging(&mut conn, team.map(|_| ids.as_slice()), false).await?;
    let mut policy = policy;
    policy.lost_stages = in_force.org.lost_stages.clone();
    policy.stage_idle_days = in_force.org.stage_idle_days.clone();
    policy.stage_fields = in_force.org.stage_fields.clone();
    let current = in_force.for_team(team);
    let at = now();
    let mut out = PolicyPreview {
        changes: describe_changes(current, &policy, &labels.names()),
        ..Default::default()
    };
    for lead in open.iter().filter(|l| judged_by(l, team, &in_force)) {
        out.open_leads += 1;
        let after = evaluate(&policy, lead, at);
        if !after.is_empty() {
            out.flagged += 1;
        }
        let has = |k: fn(FindingKind) -> bool| after.iter().any(|f| k(f.kind));
        out.stale += u32::from(has(|k| k == FindingKind::Stale));
        out.sla += u32::from(has(|k| {
            matches!(k, FindingKind::SlaBreached | FindingKind::SlaAtRisk)
        }));
        out.next_step += u32::from(has(|k| {
            matches!(
                k,
                FindingKind::NextStepMissing | FindingKind::NextStepOverdue
            )
        }));
        let before = evaluate(current, lead, at);
        if !before.is_empty() {
            out.current_flagged += 1;
        }
        out.current_stale += u32::from(before.iter().any(|f| f.kind == FindingKind::Stale));
    }
    Ok(out)
}

/// Saves `form` as the next version of `team`'s rules (recorded as a `policy.saved` event
/// with what changed) and returns the page as it now stands.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    team: Option<TeamId>,
    form: PolicyForm,
    based_on: i64,
) -> Result<PolicySettings, AppError> {
    let (policy, in_force, labels) = proposed(state, actor, team, &form, based_on).await?;
    let changes = describe_changes(in_force.for_team(team), &policy, &labels.names());
    let at = now();
    let mut tx = state.store.begin().await?;
    let version = policies::insert(&mut tx, team, &policy, Some(actor.id), at)
        .await
        .map_err(|e| {
            // Two saves of one scope at once: the unique (scope, version) index refuses one.
            tracing::warn!(error = %e, "policy save: insert");
            AppError::field(
                "version",
                "Someone saved these rules at the same moment: reload and try again",
            )
        })?;
    let saved = events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "policy.saved",
            lead_id: None,
            payload: json!({"team_id": team.map(|t| t.0), "version": version,
                            "changes": changes}),
        },
    )
    .await?;
    // The leads under these rules get their facts worked out again and are judged again at
    // the next sweep, marked with this save (its event id) so that no sweep that read them
    // before it can mark them judged.
    let scope = team.map(|t| [t.0]);
    compliance::invalidate_facts(&mut tx, scope.as_ref().map(|t| t.as_slice()), -saved).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    settings(state, actor).await
}
