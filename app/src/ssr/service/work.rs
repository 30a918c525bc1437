//! The drawer's operations on one lead: read it with its history, edit its details, log a
//! touch with the next step, close it out. Each authorizes first, judges with the domain, and
//! writes lead + activity + event in one transaction, then publishes the change live.

use super::{begin_write, now, read_for_write, save, save_move, Change};
use crate::domain::activity::{
    apply_edit, apply_log, apply_next_step, parse_amount, Activity, ActivityKind, CloseOut,
    FieldContext, LeadEdit, LogRequest, NextStepChange, Outcome,
};
use crate::domain::{
    apply_move, Actor, Lead, LeadId, Money, MoveRequest, StageId, StageKind, Timestamp,
};
use crate::error::AppError;
use crate::model::lead::{LeadDetail, TimelineEntry};
use crate::model::LiveKind;
use crate::ssr::store::Reading;
use crate::ssr::store::{events, leads, org};
use crate::ssr::AppState;
use serde_json::{json, Value};

/// Most history lines the drawer shows.
const TIMELINE_LIMIT: i64 = 100;

/// The lead with its history (activities and changes, newest first), if `actor` may see it.
pub async fn lead_detail(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
) -> Result<LeadDetail, AppError> {
    let lead = super::lead(state, actor, id).await?;
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let mut timeline: Vec<TimelineEntry> = leads::activities(&mut conn, id, TIMELINE_LIMIT)
        .await?
        .into_iter()
        .map(|a| {
            let kind = ActivityKind::parse(&a.kind).map_or(a.kind.clone(), |k| k.label().into());
            let outcome = a
                .outcome
                .as_deref()
                .and_then(Outcome::parse)
                .map(|o| o.label());
            TimelineEntry {
                at: Timestamp(a.at),
                who: a.actor,
                kind: "activity".into(),
                title: match outcome {
                    Some(o) => format!("{kind} · {o}"),
                    None => kind,
                },
                detail: a.note,
                mail_id: a.mail_id,
            }
        })
        .collect();
    let rows = events::recent_for_lead(&mut conn, id, TIMELINE_LIMIT).await?;
    for (row, who) in rows {
        let payload: Value = serde_json::from_str(&row.payload).unwrap_or(Value::Null);
        let stage_name = |v: &Value| {
            v.as_i64()
                .and_then(|s| pipeline.get(StageId(s)))
                .map_or_else(|| "another stage".to_string(), |s| s.name.clone())
        };
        let (title, detail) = match row.kind.as_str() {
            "lead.moved" => {
                let reason = payload["after"]["close_reason"]
                    .as_str()
                    .and_then(crate::domain::CloseReason::parse)
                    .map(|r| r.label().to_string());
                let note = payload["after"]["close_note"].as_str().map(str::to_string);
                let detail = match (reason, note) {
                    (Some(r), Some(n)) => Some(format!("{r}: {n}")),
                    (Some(r), None) => Some(r),
                    (None, n) => n,
                }
                .or_else(|| quote_cause(&payload));
                (
                    format!(
                        "Moved from {} to {}",
                        stage_name(&payload["before"]["stage_id"]),
                        stage_name(&payload["after"]["stage_id"])
                    ),
                    detail,
                )
            }
            "lead.assigned" => {
                let to = match payload["after"]["owner_id"].as_i64() {
                    Some(u) => leads::user_name(&mut conn, u).await?,
                    None => None,
                };
                let to = to.unwrap_or_else(|| "someone".into());
                match payload["rule"]["name"].as_str() {
                    Some(rule) => (format!("Assigned to {to}"), Some(format!("Rule “{rule}”"))),
                    None => (format!("Reassigned to {to}"), None),
                }
            }
            "lead.edited" if payload["quote"].is_object() => (
                "Value set from a quote".to_string(),
                Some(format!(
                    "{}; {}",
                    describe_edit(&payload, &pipeline),
                    quote_cause(&payload).unwrap_or_default()
                )),
            ),
            "lead.edited" => (
                "Edited details".to_string(),
                Some(describe_edit(&payload, &pipeline)),
            ),
            k if k.starts_with("quote.") => {
                let number = payload["number"].as_str().unwrap_or("A quote");
                let total = payload["total_cents"].as_i64().zip(
                    payload["currency"]
                        .as_str()
                        .and_then(|c| crate::domain::Currency::parse(c).ok()),
                );
                let verb = match k {
                    "quote.created" => "drafted",
                    "quote.sent" => "sent",
                    "quote.accepted" => "accepted",
                    "quote.rejected" => "rejected",
                    "quote.reopened" => "taken back to draft",
                    _ => "changed",
                };
                (
                    format!("Quote {number} {verb}"),
                    total.map(|(c, cur)| format!("Total {}", Money::new(c, cur).exact())),
                )
            }
            "lead.next_step" if payload["snoozed"].is_string() => (
                format!(
                    "Snoozed to {}",
                    payload["after"]["next_step"].as_str().unwrap_or("later")
                ),
                payload["snoozed"].as_str().map(str::to_string),
            ),
            "lead.logged" | "lead.next_step" => match payload["after"]["next_step"].as_str() {
                Some(step) if payload["before"]["next_step"].as_str() != Some(step) => {
                    (format!("Next step: {step}"), None)
                }
                _ => continue,
            },
            "lead.created" => ("Inquiry received".to_string(), None),
            "lead.merged" => (
                format!(
                    "Merged with #{} ({})",
                    payload["after"]["absorbed"],
                    payload["after"]["absorbed_title"]
                        .as_str()
                        .unwrap_or("a duplicate")
                ),
                Some(format!(
                    "Its history is shown here; {} activities moved",
                    payload["after"]["activities_moved"]
                )),
            ),
            "duplicate.resolved" => continue,
            "finding.opened" => (
                format!("Flagged: {}", finding_label(&payload["kind"])),
                payload["message"].as_str().map(str::to_string),
            ),
            "finding.resolved" => (
                format!("Resolved: {}", finding_label(&payload["kind"])),
                None,
            ),
            "finding.escalated" => (
                match payload["step"].as_str() {
                    Some("remind_rep") => "Escalation: owner reminded",
                    Some("alert_manager") => "Escalation: manager alerted",
                    Some("reassign") => "Escalation: reassigned within the team",
                    _ => "Escalated",
                }
                .to_string(),
                Some(finding_label(&payload["kind"]).to_string()),
            ),
            // The inquiry itself is in the activities.
            // Older demo databases logged touches as `activity.logged`: the activity says it.
            "notification.sent" | "lead.inquired" | "activity.logged" => continue,
            other => (crate::domain::event::event_label(other).to_string(), None),
        };
        timeline.push(TimelineEntry {
            at: Timestamp(row.at),
            who,
            kind: "change".into(),
            title,
            detail,
            mail_id: None,
        });
    }
    timeline.sort_by_key(|t| std::cmp::Reverse(t.at));
    timeline.truncate(TIMELINE_LIMIT as usize);
    let (contact_id, company_id) = leads::person_of(&mut conn, id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)?;
    let wants_people = pipeline
        .fields_at(lead.stage_id)
        .iter()
        .any(|d| d.kind == crate::domain::fields::FieldKind::User);
    let people = if wants_people {
        crate::ssr::store::fields::active_people(&mut conn).await?
    } else {
        Vec::new()
    };
    Ok(LeadDetail {
        contact_id,
        company_id,
        people,
        policy: policies.for_team(lead.team_id).clone(),
        lead,
        pipeline: (*pipeline).clone(),
        timeline,
        now: now(),
        viewer: actor.clone(),
    })
}

/// "Quote Q-00042 accepted", for a lead change a quote caused.
fn quote_cause(payload: &Value) -> Option<String> {
    let q = payload.get("quote")?;
    let status = q["status"]
        .as_str()
        .and_then(crate::domain::quote::QuoteStatus::parse)?;
    Some(format!(
        "Quote {} {}",
        q["number"].as_str().unwrap_or("?"),
        status.label().to_lowercase()
    ))
}

/// The badge text of a stored finding kind ("SLA breached").
fn finding_label(kind: &Value) -> &'static str {
    kind.as_str()
        .and_then(crate::domain::FindingKind::parse)
        .map_or("policy finding", |k| k.label())
}

/// "Phone: – → +1 555…; Value: $1,000 → $2,000; Fleet size: – → 40"
fn describe_edit(payload: &Value, pipeline: &crate::domain::Pipelines) -> String {
    let (Some(before), Some(after)) = (payload["before"].as_object(), payload["after"].as_object())
    else {
        return String::new();
    };
    after
        .iter()
        .filter(|(k, _)| k.as_str() != "version")
        .map(|(k, v)| {
            let custom = k
                .strip_prefix("fields.")
                .and_then(|key| pipeline.fields().iter().find(|d| d.key == key));
            let show = |v: Option<&Value>| match (v, custom) {
                (None | Some(Value::Null), _) => "–".to_string(),
                (Some(v), Some(def)) => def.display(v, "", &[]),
                (Some(v), None) => v.as_str().unwrap_or("–").to_string(),
            };
            let label = custom.map_or_else(|| field_label(k), |d| d.label.as_str());
            format!("{}: {} → {}", label, show(before.get(k)), show(Some(v)))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn field_label(key: &str) -> &str {
    match key {
        "contact_name" => "Contact",
        "email" => "E-mail",
        "phone" => "Phone",
        "company" => "Company",
        "product_interest" => "Interest",
        "value" => "Value",
        "expected_close" => "Expected close",
        "committed" => "Committed",
        other => other,
    }
}

/// The displayed form of each editable field, for the edit event's before/after.
fn edit_fields(l: &Lead) -> Vec<(&'static str, Option<String>)> {
    vec![
        ("contact_name", Some(l.contact_name.clone())),
        ("email", l.email.clone()),
        ("phone", l.phone.clone()),
        ("company", l.company.clone()),
        ("product_interest", l.product_interest.clone()),
        ("value", l.value.map(|v| v.display())),
        ("expected_close", l.expected_close.clone()),
        (
            "committed",
            Some(if l.committed { "Yes" } else { "No" }.into()),
        ),
    ]
}

/// Changes a lead's details; every bad field is reported at once and nothing is written.
pub async fn edit_lead(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    edit: LeadEdit,
) -> Result<Lead, AppError> {
    let at = now();
    let read = read_for_write(state, actor, id, edit.version).await?;
    let current = &read.current;
    let users = if edit.fields.is_empty() {
        Vec::new()
    } else {
        let mut conn = state.store.read().await?;
        crate::ssr::store::fields::active_people(&mut conn).await?
    };
    let custom = FieldContext {
        pipelines: &read.pipeline,
        users: &users,
    };
    let next = apply_edit(current, &edit, Some(custom), at).map_err(AppError::invalid)?;
    let (mut before, mut after) = (serde_json::Map::new(), serde_json::Map::new());
    for ((k, old), (_, new)) in edit_fields(current).into_iter().zip(edit_fields(&next)) {
        if old != new {
            before.insert(k.into(), json!(old));
            after.insert(k.into(), json!(new));
        }
    }
    let (_, changed) = crate::domain::fields::apply_changes(&current.fields, &next.fields);
    let gone = current
        .fields
        .keys()
        .filter(|k| !next.fields.contains_key(*k))
        .map(|k| (k.clone(), current.fields[k].clone(), Value::Null));
    for (key, old, new) in changed.into_iter().chain(gone) {
        before.insert(format!("fields.{key}"), old);
        after.insert(format!("fields.{key}"), new);
    }
    after.insert("version".into(), json!(next.version));
    let payload = json!({"before": before, "after": after});
    let tx = begin_write(state, &read, &next, at).await?;
    save(
        state,
        tx,
        actor,
        current,
        next,
        Change {
            kind: LiveKind::Edited,
            payload,
            at,
        },
    )
    .await
}

/// Logs a touch (and optionally the next step) on a lead.
pub async fn log_activity(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    request: LogRequest,
) -> Result<Lead, AppError> {
    let at = now();
    let read = read_for_write(state, actor, id, request.version).await?;
    let current = &read.current;
    let kind = read
        .pipeline
        .get(current.stage_id)
        .map(|s| s.kind)
        .ok_or_else(AppError::internal)?;
    let (next, note) = apply_log(current, kind, &request, at).map_err(AppError::invalid)?;
    let mut tx = begin_write(state, &read, &next, at).await?;
    let activity_id = org::insert_activity(
        &mut tx,
        id,
        Some(actor.id.0),
        request.kind.key(),
        request.outcome.map(|o| o.key()),
        note.as_deref(),
        at,
    )
    .await?;
    let payload = json!({
        "activity_id": activity_id,
        "kind": request.kind.key(),
        "outcome": request.outcome.map(|o| o.key()),
        "before": {"next_step": step_text(current), "version": current.version},
        "after": {"next_step": step_text(&next), "version": next.version},
    });
    save(
        state,
        tx,
        actor,
        current,
        next,
        Change {
            kind: LiveKind::Logged,
            payload,
            at,
        },
    )
    .await
}

/// A lead's next step as the history shows it: "Call · Dec 3".
fn step_text(l: &Lead) -> Option<String> {
    l.next_step
        .as_ref()
        .map(|s| format!("{} · {}", s.kind.label(), s.due_at.short_date(0)))
}

/// Plans a lead's next step (no touch is logged).
pub async fn set_next_step(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    change: NextStepChange,
) -> Result<Lead, AppError> {
    let at = now();
    let read = read_for_write(state, actor, id, change.version).await?;
    let current = &read.current;
    let kind = read
        .pipeline
        .get(current.stage_id)
        .map(|s| s.kind)
        .ok_or_else(AppError::internal)?;
    let next = apply_next_step(current, kind, &change, at).map_err(AppError::invalid)?;
    let payload = json!({
        "before": {"next_step": step_text(current), "version": current.version},
        "after": {"next_step": step_text(&next), "version": next.version},
    });
    let tx = begin_write(state, &read, &next, at).await?;
    save(
        state,
        tx,
        actor,
        current,
        next,
        Change {
            kind: LiveKind::NextStep,
            payload,
            at,
        },
    )
    .await
}

/// A lead's activities, newest first (at most `limit`), if `actor` may see the lead.
pub async fn activities(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    limit: i64,
) -> Result<Vec<Activity>, AppError> {
    super::lead(state, actor, id).await?;
    let mut conn = state.store.read().await?;
    let rows = leads::activities(&mut conn, id, limit).await?;
    Ok(rows
        .into_iter()
        .map(|r| Activity {
            at: Timestamp(r.at),
            by: r.actor,
            kind: ActivityKind::parse(&r.kind).unwrap_or(ActivityKind::Note),
            outcome: r.outcome.as_deref().and_then(Outcome::parse),
            note: r.note,
        })
        .collect())
}

/// Closes a lead out: won (the value is required and stored) or lost (reason, and a note for
/// "other"), entering the pipeline's first won or lost stage.
pub async fn close_out(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    request: CloseOut,
) -> Result<Lead, AppError> {
    let at = now();
    let read = read_for_write(state, actor, id, request.version()).await?;
    let pipeline = &read.pipeline;
    let mut current = read.current.clone();
    let kind = match request {
        CloseOut::Won { .. } => StageKind::Won,
        CloseOut::Lost { .. } => StageKind::Lost,
    };
    let to = pipeline
        .close_out(current.stage_id, kind)
        .map(|s| s.id)
        .ok_or_else(|| AppError::field("outcome", "This pipeline has no stage for that"))?;
    let move_request = match &request {
        CloseOut::Won { version, value } => {
            let cents = parse_amount(value).map_err(|m| AppError::field("value", m))?;
            if cents == 0 {
                return Err(AppError::field("value", "A won lead needs the value won"));
            }
            let currency = current
                .value
                .map_or(crate::domain::Currency::USD, |v| v.currency);
            // Judged with the won value in place, so "Won needs a value" is satisfied by it.
            current.value = Some(Money::new(cents, currency));
            MoveRequest {
                to_stage: to,
                version: *version,
                close_reason: None,
                close_note: None,
            }
        }
        CloseOut::Lost {
            version,
            reason,
            note,
        } => MoveRequest {
            to_stage: to,
            version: *version,
            close_reason: *reason,
            close_note: note.clone(),
        },
    };
    let moved = apply_move(pipeline, &current, &move_request, at)?;
    save_move(state, actor, &read, moved, at).await
}
