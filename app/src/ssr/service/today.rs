//! My day: the rep's queue (`domain::today::queue` over their open leads), their own numbers,
//! snoozing, and the organisation settings behind the commission estimate.

use super::{now, read_for_write, save, Change};
use crate::domain::access::{self, Actor};
use crate::domain::money::Money;
use crate::domain::recognition::Visibility;
use crate::domain::today::{
    apply_snooze, commission, parse_rate, queue, snooze_text, streak, SnoozeRequest,
};
use crate::domain::wall::month_start;
use crate::domain::{Currency, Lead, LeadId, StageKind};
use crate::error::AppError;
use crate::model::compliance::ComplianceQuery;
use crate::model::today::{OrgSettings, StageValue, Today};
use crate::model::LiveKind;
use crate::ssr::store::Reading;
use crate::ssr::store::{events, leads, today};
use crate::ssr::AppState;
use serde_json::json;
use std::collections::BTreeMap;

/// How far back the streak counts.
const STREAK_MAX_DAYS: u32 = 90;

/// Sums per currency, biggest first.
fn per_currency(values: impl IntoIterator<Item = Money>) -> Vec<Money> {
    let mut sums: BTreeMap<String, (Currency, i64)> = BTreeMap::new();
    for m in values {
        sums.entry(m.currency.code().to_string())
            .or_insert((m.currency, 0))
            .1 += m.cents;
    }
    let mut out: Vec<Money> = sums.into_values().map(|(c, n)| Money::new(n, c)).collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.cents));
    out
}

pub async fn today(state: &AppState, actor: &Actor) -> Result<Today, AppError> {
    access::view_today(actor)?;
    let at = now();
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let zone = &policies.org.calendar.zone;
    let offset_minutes = (zone.offset_at(at.0) / 60) as i32;
    let open = leads::open_owned_by(&mut conn, actor.id.0).await?;
    let (month_from, month_name) = month_start(at, zone);
    let wins = today::wins_since(&mut conn, actor.id.0, month_from).await?;
    let since = at.plus_days(-i64::from(STREAK_MAX_DAYS) - 2);
    let breaches = today::breaches(&mut conn, actor.id.0, since).await?;
    let rate = today::commission_bp(&mut conn).await?;
    let last_event_id = events::last_id(&mut conn).await?;
    drop(conn);

    let won: Vec<Money> = wins
        .iter()
        .filter_map(|(code, _, cents)| Currency::parse(code).ok().map(|c| Money::new(*cents, c)))
        .collect();
    let pipeline_values = pipeline
        .stages()
        .iter()
        .filter(|s| s.kind == StageKind::Open)
        .filter_map(|s| {
            let here: Vec<&Lead> = open.iter().filter(|l| l.stage_id == s.id).collect();
            (!here.is_empty()).then(|| StageValue {
                stage: pipeline.label(s.id),
                leads: here.len() as u32,
                value: per_currency(here.iter().filter_map(|l| l.value)),
            })
        })
        .collect();
    let compliance = super::compliance::page(
        state,
        actor,
        ComplianceQuery {
            days: 30,
            team: None,
            rep: Some(actor.id.0),
            pipeline: None,
        },
    )
    .await?
    .reps
    .into_iter()
    .find(|r| r.id == actor.id.0)
    .and_then(|r| r.card.composite);
    let quotas = super::quotas::attainments(state, &[actor.id.0], at).await?;
    Ok(Today {
        first_name: actor
            .name
            .split_whitespace()
            .next()
            .unwrap_or(&actor.name)
            .to_string(),
        now: at,
        offset_minutes,
        month_name,
        wins: wins.iter().map(|(_, n, _)| *n as u32).sum(),
        commission: rate.map(|bp| {
            (
                bp,
                won.iter()
                    .map(|m| Money::new(commission(m.cents, bp), m.currency))
                    .collect(),
            )
        }),
        won,
        pipeline: pipeline_values,
        open_leads: open.len() as u32,
        compliance,
        streak: streak(&breaches, at, offset_minutes, STREAK_MAX_DAYS),
        quotas,
        queue: queue(&open, |l| policies.for_team(l.team_id), at, offset_minutes),
        last_event_id,
    })
}

/// Moves a lead's next step to later with a reason; the history says it was snoozed.
pub async fn snooze(
    state: &AppState,
    actor: &Actor,
    id: LeadId,
    request: SnoozeRequest,
) -> Result<Lead, AppError> {
    let at = now();
    let read = read_for_write(state, actor, id, request.version).await?;
    let current = &read.current;
    let kind = read
        .pipeline
        .get(current.stage_id)
        .map(|s| s.kind)
        .ok_or_else(AppError::internal)?;
    let policy = read.policies.for_team(current.team_id);
    let offset_minutes = (read.policies.org.calendar.zone.offset_at(at.0) / 60) as i32;
    let next = apply_snooze(current, kind, policy, &request, at, offset_minutes)
        .map_err(AppError::invalid)?;
    let step = |l: &Lead| {
        l.next_step.as_ref().map(|s| {
            format!(
                "{} · {}",
                s.kind.label(),
                s.due_at.short_date(offset_minutes)
            )
        })
    };
    let payload = json!({
        "snoozed": snooze_text(request.reason, request.note.as_deref()),
        "reason": request.reason.key(),
        "before": {"next_step": step(current), "version": current.version},
        "after": {"next_step": step(&next), "version": next.version},
    });
    let tx = super::begin_write(state, &read, &next, at).await?;
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

pub async fn settings(state: &AppState, actor: &Actor) -> Result<OrgSettings, AppError> {
    access::manage_accounts(actor)?;
    let mut conn = state.store.read().await?;
    Ok(OrgSettings {
        commission_bp: today::commission_bp(&mut conn).await?,
        leaderboard: Visibility::parse(&today::leaderboard_visibility(&mut conn).await?)
            .unwrap_or_default(),
    })
}

/// An admin sets the commission rate as typed; empty clears it.
pub async fn save_settings(
    state: &AppState,
    actor: &Actor,
    commission_rate: &str,
) -> Result<OrgSettings, AppError> {
    access::manage_accounts(actor)?;
    let bp = match commission_rate.trim() {
        "" => None,
        text => Some(parse_rate(text).map_err(|e| AppError::field("commission_rate", e))?),
    };
    let at = now();
    let mut tx = state.store.begin().await?;
    today::set_commission_bp(&mut tx, bp, Some(actor.id.0), at).await?;
    events::append(
        &mut tx,
        &events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "settings.saved",
            lead_id: None,
            payload: json!({"after": {"commission_bp": bp}}),
        },
    )
    .await?;
    tx.commit().await?;
    settings(state, actor).await
}
