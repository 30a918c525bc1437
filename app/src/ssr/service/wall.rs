//! The wall display: its figures (ROI by channel, funnel, this month, team compliance, newest
//! wins), what each wall token shows, and the live wins it announces.
//!
//! A wall token reads this and nothing else (`access::view_wall`); leadership and admins may
//! open the same view signed in (`/wall`).

use super::now;
use crate::domain::access::{self, Actor, Principal};
use crate::domain::quota::team_total;
use crate::domain::wall::{month_start, WallConfig, WallWin, WALL_WINS};
use crate::domain::{Pipelines, StageKind};
use crate::error::AppError;
use crate::model::keys::{WallTeam, WallView};
use crate::model::roi::RoiQuery;
use crate::model::LiveEvent;
use crate::model::LiveKind;
use crate::ssr::auth;
use crate::ssr::charts::Theme;
use crate::ssr::store::accounts::{self, KeyKind};
use crate::ssr::store::Reading;
use crate::ssr::store::{events, leads, wall};
use crate::ssr::AppState;
use serde_json::json;

/// Team compliance on the wall is over this many days.
const COMPLIANCE_DAYS: u32 = 30;

/// What `principal` may see on the wall: a token's own configuration, or the default for a
/// signed-in reader.
async fn config_for(state: &AppState, principal: &Principal) -> Result<WallConfig, AppError> {
    let Principal::Wall { token_id } = principal else {
        return Ok(WallConfig::default());
    };
    let mut conn = state.store.read().await?;
    Ok(accounts::wall_config_of(&mut conn, *token_id)
        .await?
        .unwrap_or_default())
}

pub async fn view(state: &AppState, principal: &Principal) -> Result<WallView, AppError> {
    access::view_wall(principal)?;
    let config = config_for(state, principal).await?;
    let roi = super::roi::figures(state, RoiQuery::last(config.days), Theme::Dark).await?;
    let compliance = super::compliance::organisation(state, COMPLIANCE_DAYS).await?;
    let at = now();
    let Reading {
        mut conn,
        pipeline,
        policies,
    } = state.store.reading().await?;
    let (since, month_name) = month_start(at, &policies.org.calendar.zone);
    let (month_wins, month_won) = wall::wins_since(&mut conn, since).await?;
    let summaries = leads::column_summaries(
        &mut conn,
        &crate::domain::LeadScope::All,
        &crate::domain::BoardFilter::default(),
    )
    .await?;
    let wins = wall::newest_wins(&mut conn, WALL_WINS as i64).await?;
    drop(conn);
    if let Principal::Wall { token_id } = principal {
        auth::touch_key(state, KeyKind::Wall, *token_id, at).await;
    }
    // Each team's won-value quota: its people's, summed.
    let mut conn = state.store.read().await?;
    let people = crate::ssr::store::quotas::people(&mut conn).await?;
    drop(conn);
    let ids: Vec<i64> = people.iter().map(|p| p.0).collect();
    let reached = super::quotas::attainments(state, &ids, at).await?;
    let team_quota = |team: i64| {
        let members: Vec<_> = reached
            .iter()
            .filter(|a| people.iter().any(|p| p.0 == a.user_id && p.3 == Some(team)))
            .cloned()
            .collect();
        team_total(&members)
    };
    let teams = compliance
        .teams
        .iter()
        .map(|t| WallTeam {
            quota: team_quota(t.id),
            name: t.name.clone(),
            score: t.card.composite,
            first_touch: t.card.first_touch_in_sla.percent_text(),
            next_step: t.card.next_step_planned.percent_text(),
            not_stale: t.card.not_stale.percent_text(),
        })
        .collect();
    Ok(WallView {
        config,
        now: at,
        currency: roi.currency,
        channels: roi.channels,
        total: roi.total,
        channel_chart: roi.channel_chart,
        funnel: roi.funnel,
        funnel_chart: roi.funnel_chart,
        month_name,
        month_wins,
        month_won,
        pipeline: (*pipeline).clone(),
        summaries,
        teams,
        compliance_days: COMPLIANCE_DAYS,
        wins,
    })
}

/// Sets what wall token `id` shows (admins).
pub async fn configure(
    state: &AppState,
    actor: &Actor,
    id: i64,
    config: WallConfig,
) -> Result<(), AppError> {
    access::manage_wall_tokens(actor)?;
    config.check().map_err(AppError::fields_of)?;
    let mut tx = state.store.begin().await?;
    if !accounts::set_wall_config(&mut tx, id, &config).await? {
        return Err(AppError::not_found("There is no such active wall token"));
    }
    events::append(
        &mut tx,
        &events::NewEvent {
            at: now(),
            actor_id: Some(actor.id.0),
            kind: "wall_token.configured",
            lead_id: None,
            payload: json!({"after": {"id": id, "panels": config.panels_text(),
                                      "days": config.days, "seconds": config.seconds}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A committed change as the wall hears it: a win to announce, or only "figures changed".
pub enum WallNews {
    Win(WallWin),
    Changed,
}

/// What the wall makes of a live event: a move into the won stage from anywhere else is a win.
pub fn news_of(pipeline: &Pipelines, e: &LiveEvent) -> Option<WallNews> {
    if e.kind == LiveKind::NotificationSent {
        return None;
    }
    let kind_of = |id| {
        pipeline
            .stages()
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.kind)
    };
    let won_now = kind_of(e.lead.stage_id) == Some(StageKind::Won);
    let was_won = e.from_stage.and_then(kind_of) == Some(StageKind::Won);
    if e.kind == LiveKind::Moved && won_now && !was_won {
        let lead = &e.lead;
        return Some(WallNews::Win(WallWin {
            event_id: e.id,
            at: e.at,
            name: lead
                .company
                .clone()
                .filter(|c| !c.trim().is_empty())
                .unwrap_or_else(|| lead.contact_name.clone()),
            owner: lead.owner.as_ref().map(|o| o.name.clone()),
            value: lead.value,
            source: Some(lead.source_name.clone()),
        }));
    }
    Some(WallNews::Changed)
}
