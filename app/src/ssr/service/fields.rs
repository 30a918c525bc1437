//! Custom field settings: admins define, change, order and retire fields; each change is an
//! event (`field.saved`, `field.retired`) with what changed in words. A field's kind stays
//! once records have values, and an option in use cannot be taken away.

use super::now;
use crate::domain::access::{self, Actor, Role};
use crate::domain::fields::{describe_changes, key_for, FieldForm, FieldKind};
use crate::domain::ids::FieldId;
use crate::error::{AppError, FieldError};
use crate::model::fields::FieldSettings;
use crate::ssr::store::{compliance, events, fields, pipelines, Tx};
use crate::ssr::AppState;
use serde_json::json;

/// The settings page.
pub async fn settings(state: &AppState, actor: &Actor) -> Result<FieldSettings, AppError> {
    access::view_field_settings(actor)?;
    let mut conn = state.store.read().await?;
    Ok(FieldSettings {
        pipelines: pipelines::read(&mut conn).await?,
        used: fields::usage(&mut conn).await?,
        can_edit: actor.role == Role::Admin,
    })
}

async fn log(
    tx: &mut Tx,
    actor: &Actor,
    kind: &'static str,
    payload: serde_json::Value,
) -> Result<i64, AppError> {
    Ok(events::append(
        tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind,
            lead_id: None,
            payload,
        },
    )
    .await?)
}

/// Adds a field (`form.id` none) or changes one.
pub async fn save(
    state: &AppState,
    actor: &Actor,
    form: FieldForm,
) -> Result<FieldSettings, AppError> {
    access::manage_fields(actor)?;
    let mut tx = state.store.begin().await?;
    let shape = pipelines::read(&mut tx).await?;
    let defs = shape.fields();
    let checked = form.check(&shape, defs).map_err(AppError::invalid)?;
    let at = now();
    let (id, changes) = match form.id {
        None => {
            let taken: Vec<&str> = defs.iter().map(|d| d.key.as_str()).collect();
            let key = key_for(&checked.label, &taken);
            let id = fields::insert(&mut tx, &key, &checked, at).await?;
            (id, describe_changes(None, &checked))
        }
        Some(id) => {
            let before = defs
                .iter()
                .find(|d| d.id == id)
                .ok_or_else(|| AppError::not_found("That field no longer exists"))?;
            let in_use = fields::used_by(&mut tx, id, None).await?;
            if (before.kind != checked.kind || before.entity != checked.entity) && in_use > 0 {
                return Err(AppError::field(
                    "kind",
                    format!(
                        "{} has values on {in_use} records: its kind and what it describes stay. Retire it and add a new field instead",
                        before.label
                    ),
                ));
            }
            if before.kind != checked.kind || before.entity != checked.entity {
                fields::set_kind(&mut tx, id, checked.kind, checked.entity).await?;
            }
            if matches!(checked.kind, FieldKind::Choice | FieldKind::MultiChoice) {
                for gone in before
                    .choices
                    .iter()
                    .filter(|c| !checked.choices.iter().any(|n| n.eq_ignore_ascii_case(c)))
                {
                    let n = fields::used_by(&mut tx, id, Some(gone)).await?;
                    if n > 0 {
                        return Err(AppError::Validation {
                            message: format!("\"{gone}\" is chosen on {n} records"),
                            fields: vec![FieldError {
                                field: "choices".into(),
                                message: format!(
                                    "\"{gone}\" is chosen on {n} records: change those first, or keep the option"
                                ),
                            }],
                        });
                    }
                }
            }
            let changes = describe_changes(Some(before), &checked);
            if changes.is_empty() {
                return Err(AppError::field("label", "Nothing changed"));
            }
            fields::update(&mut tx, id, &checked).await?;
            (id, changes)
        }
    };
    let event = log(
        &mut tx,
        actor,
        "field.saved",
        json!({"field_id": id.0, "label": checked.label, "changes": changes}),
    )
    .await?;
    // A requirement may have changed what counts as complete data.
    compliance::invalidate_facts(&mut tx, None, -event).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    settings(state, actor).await
}

/// Moves a field one place up or down in the drawer.
pub async fn move_field(
    state: &AppState,
    actor: &Actor,
    id: FieldId,
    up: bool,
) -> Result<FieldSettings, AppError> {
    access::manage_fields(actor)?;
    let mut tx = state.store.begin().await?;
    let defs = fields::definitions(&mut tx).await?;
    let i = defs
        .iter()
        .position(|d| d.id == id)
        .ok_or_else(|| AppError::not_found("That field no longer exists"))?;
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    let Some(other) = j.and_then(|j| defs.get(j)) else {
        return Err(AppError::field(
            "position",
            if up {
                "It is already first"
            } else {
                "It is already last"
            },
        ));
    };
    let (a, b) = (&defs[i], other);
    // Distinct positions even if two were equal.
    let (pa, pb) = if a.position == b.position {
        (b.position + if up { -1 } else { 1 }, a.position)
    } else {
        (b.position, a.position)
    };
    fields::set_position(&mut tx, a.id, pa).await?;
    fields::set_position(&mut tx, b.id, pb).await?;
    log(
        &mut tx,
        actor,
        "field.saved",
        json!({"field_id": id.0, "label": a.label, "changes": [format!("Moved {} {}", a.label, if up { "up" } else { "down" })]}),
    )
    .await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    settings(state, actor).await
}

/// Retires a field (its values and history stay; nobody is asked for it) or brings it back.
pub async fn set_retired(
    state: &AppState,
    actor: &Actor,
    id: FieldId,
    retired: bool,
) -> Result<FieldSettings, AppError> {
    access::manage_fields(actor)?;
    let mut tx = state.store.begin().await?;
    let defs = fields::definitions(&mut tx).await?;
    let def = defs
        .iter()
        .find(|d| d.id == id)
        .ok_or_else(|| AppError::not_found("That field no longer exists"))?;
    if def.retired == retired {
        return Err(AppError::field(
            "retired",
            if retired {
                format!("{} is already retired", def.label)
            } else {
                format!("{} is in use already", def.label)
            },
        ));
    }
    if !retired
        && defs
            .iter()
            .any(|o| o.id != id && !o.retired && o.label.eq_ignore_ascii_case(&def.label))
    {
        return Err(AppError::field(
            "label",
            format!(
                "Another field is called {} now: rename one first",
                def.label
            ),
        ));
    }
    fields::set_retired(&mut tx, id, retired.then(now)).await?;
    let event = log(
        &mut tx,
        actor,
        "field.retired",
        json!({"field_id": id.0, "label": def.label, "retired": retired}),
    )
    .await?;
    compliance::invalidate_facts(&mut tx, None, -event).await?;
    tx.commit().await?;
    state.store.forget_pipeline();
    settings(state, actor).await
}
