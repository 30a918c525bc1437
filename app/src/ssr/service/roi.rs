//! The ROI report: the store's counts (`store::roi`) folded into rows per channel, source and
//! campaign (`domain::roi::Tally`), and the funnel.

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::compliance::Period;
use crate::domain::money::Currency;
use crate::domain::roi::{
    custom_period, day_split, parse_target, year_span, Pace, RoiRow, Spread, Tally,
};
use crate::domain::time::DAY_MS;
use crate::domain::{Channel, CloseReason, StageKind, Timestamp};
use crate::error::AppError;
use crate::model::roi::{FunnelStep, RoiQuery, RoiReport, RoiTimes, StageTime, PERIODS};
use crate::ssr::charts::{self, BarRow, Theme};
use crate::ssr::store::roi;
use crate::ssr::AppState;
use std::collections::{BTreeSet, HashMap};

/// The keys of the stages the report's "qualified" and "quoted" count from.
const QUALIFIED: &str = "qualified";
const QUOTED: &str = "quoted";

pub async fn report(state: &AppState, actor: &Actor, q: RoiQuery) -> Result<RoiReport, AppError> {
    access::view_roi(actor)?;
    figures(state, q, Theme::Light).await
}

/// The period `q` asks for, at `at`.
fn period_of(q: &RoiQuery, at: Timestamp) -> Result<Period, AppError> {
    Ok(if q.is_custom() {
        let (first, end) = custom_period(
            q.from.as_deref().unwrap_or(""),
            q.to.as_deref().unwrap_or(""),
            at.0.div_euclid(DAY_MS),
        )
        .map_err(AppError::fields_of)?;
        Period {
            from: Timestamp(first * DAY_MS),
            to: Timestamp((end * DAY_MS).min(at.0 + 1)),
        }
    } else if PERIODS.contains(&q.days) {
        Period {
            from: Timestamp(at.0 - i64::from(q.days) * DAY_MS),
            to: Timestamp(at.0 + 1),
        }
    } else {
        return Err(AppError::field(
            "days",
            "Choose a period of 30, 90, 180 or 365 days",
        ));
    })
}

/// Time in each stage and the sales cycle over `q`'s period, from the event log and the wins
/// (read apart from the report: these are exact percentiles over raw rows, slower at scale).
pub async fn times(state: &AppState, actor: &Actor, q: RoiQuery) -> Result<RoiTimes, AppError> {
    access::view_roi(actor)?;
    let period = period_of(&q, now())?;
    let span = (period.from, period.to);
    let mut conn = state.store.read().await?;
    let pipeline = state.store.pipeline(&mut conn).await?;
    let stays = roi::stays(&mut conn, span).await?;
    let cycles = roi::won_cycles(&mut conn, span).await?;
    drop(conn);
    let mut by_stage: HashMap<i64, Vec<i64>> = HashMap::new();
    for (stage, ms) in stays {
        by_stage.entry(stage).or_default().push(ms.max(0));
    }
    let chosen = funnel_pipeline(&pipeline, q.pipeline)?.id;
    let stage_times = pipeline
        .stages()
        .iter()
        .filter(|s| s.pipeline_id == chosen)
        .filter_map(|s| {
            let spread = Spread::of(by_stage.remove(&s.id.0)?)?;
            Some(StageTime {
                stage: pipeline.label(s.id),
                spread,
            })
        })
        .collect();
    Ok(RoiTimes {
        period,
        stage_times,
        sales_cycle: Spread::of(cycles),
    })
}

/// The pipeline `asked` for (an active one), or the first pipeline.
fn funnel_pipeline(
    pipelines: &crate::domain::Pipelines,
    asked: Option<i64>,
) -> Result<&crate::domain::Pipeline, AppError> {
    match asked {
        Some(id) => pipelines
            .pipeline(crate::domain::PipelineId(id))
            .filter(|p| !p.retired)
            .ok_or_else(|| AppError::field("pipeline", "There is no such pipeline")),
        None => pipelines
            .default_pipeline()
            .ok_or_else(|| AppError::field("pipeline", "There is no pipeline yet")),
    }
}

/// The report for `q`, its charts drawn in `theme`. Callers authorize first: `report` for
/// people, the wall for its token.
pub async fn figures(state: &AppState, q: RoiQuery, theme: Theme) -> Result<RoiReport, AppError> {
    let at = now();
    let period = period_of(&q, at)?;
    let currency = match q.currency.as_deref() {
        None | Some("") => Currency::USD,
        Some(code) => Currency::parse(code).map_err(|e| AppError::field("currency", e))?,
    };
    let span = (period.from, period.to);
    let mut conn = state.store.read().await?;
    let pipeline = state.store.pipeline(&mut conn).await?;
    let sources = roi::sources(&mut conn).await?;
    let campaigns = roi::campaigns(&mut conn).await?;
    // Whole days from the rollups (kept by triggers on `leads`), the partial days at the
    // period's ends from the leads.
    let (days, edges) = day_split(span.0, span.1);
    let mut cohort = Vec::new();
    let mut closed = Vec::new();
    if let Some(days) = days {
        cohort = roi::cohort_days(&mut conn, days).await?;
        closed = roi::closed_days(&mut conn, days).await?;
    }
    for edge in edges {
        cohort.extend(roi::cohort(&mut conn, edge).await?);
        closed.extend(roi::closed(&mut conn, edge).await?);
    }
    let spend = roi::spend(&mut conn, span).await?;
    let pace = pace(state, &mut conn, at).await?;
    drop(conn);

    // How far a lead got is the position of the furthest stage it reached; positions are
    // compared within one pipeline only (another pipeline's stages sort after, not beyond).
    let stages = pipeline.stages();
    let pipeline_at = |pos: i64| {
        stages
            .iter()
            .find(|s| s.position == pos)
            .map(|s| s.pipeline_id)
    };
    let position_of = |key: &str| stages.iter().find(|s| s.key == key).map(|s| s.position);
    let (qualified_at, quoted_at) = (position_of(QUALIFIED), position_of(QUOTED));
    let reached = |pos: Option<i64>, at: Option<i64>| matches!((pos, at), (Some(p), Some(a)) if p >= a && pipeline_at(p) == pipeline_at(a));
    // Converted: reached the won stage of its own pipeline.
    let won_of = |pos: i64| {
        pipeline_at(pos)
            .and_then(|p| pipeline.first_of(p, StageKind::Won))
            .map(|s| s.position)
    };
    let converted = |pos: Option<i64>| pos.is_some_and(|p| won_of(p).is_some_and(|w| p >= w));

    // Tallies per (source, campaign); campaign-less leads under None.
    let mut cells: HashMap<(i64, Option<i64>), Tally> = HashMap::new();
    // The funnel: inquiries per furthest position.
    let mut by_position: HashMap<i64, u32> = HashMap::new();
    let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
    for (source, campaign, position, leads, contacted) in cohort {
        let t = cells.entry((source, campaign)).or_default();
        let n = count(leads);
        t.inquiries += n;
        t.contacted += count(contacted);
        if reached(position, qualified_at) {
            t.qualified += n;
        }
        if reached(position, quoted_at) {
            t.quoted += n;
        }
        if converted(position) {
            t.converted += n;
        }
        *by_position.entry(position.unwrap_or(i64::MIN)).or_default() += n;
    }
    let mut others = BTreeSet::new();
    let code = currency.code().to_string();
    for (source, campaign, kind, reason, cur, leads, value) in closed {
        let t = cells.entry((source, campaign)).or_default();
        let n = count(leads);
        if kind == StageKind::Won.key() {
            t.won += n;
            if cur == code {
                t.revenue_cents += value.unwrap_or(0);
            } else if value.is_some() {
                others.insert(cur);
            }
        } else {
            let reason = reason
                .as_deref()
                .and_then(CloseReason::parse)
                .unwrap_or(CloseReason::Other);
            if let Some(i) = CloseReason::ALL.iter().position(|r| *r == reason) {
                t.lost[i] += n;
            }
        }
    }
    let campaign_source: HashMap<i64, i64> =
        campaigns.iter().map(|c| (c.id, c.source_id)).collect();
    for (campaign, cur, amount) in spend {
        if cur != code {
            others.insert(cur);
            continue;
        }
        if let Some(source) = campaign_source.get(&campaign) {
            cells
                .entry((*source, Some(campaign)))
                .or_default()
                .spend_cents += amount;
        }
    }

    let channel_of: HashMap<i64, Channel> = sources
        .iter()
        .map(|(id, _, ch)| (*id, Channel::parse(ch).unwrap_or(Channel::Other)))
        .collect();
    let source_name: HashMap<i64, &str> = sources
        .iter()
        .map(|(id, name, _)| (*id, name.as_str()))
        .collect();
    let mut total = Tally::default();
    let mut by_channel: HashMap<Channel, Tally> = HashMap::new();
    let mut by_source: HashMap<i64, Tally> = HashMap::new();
    let mut by_campaign: HashMap<i64, Tally> = HashMap::new();
    for ((source, campaign), t) in &cells {
        total.add(t);
        let channel = channel_of.get(source).copied().unwrap_or(Channel::Other);
        by_channel.entry(channel).or_default().add(t);
        by_source.entry(*source).or_default().add(t);
        if let Some(c) = campaign {
            by_campaign.entry(*c).or_default().add(t);
        }
    }
    // A row per channel, per source and per campaign that has anything to show (and every
    // campaign with a budget, so a campaign nobody answered is not hidden).
    let channels: Vec<RoiRow> = Channel::ALL
        .iter()
        .filter_map(|ch| {
            let t = by_channel.remove(ch)?;
            Some(RoiRow {
                key: format!("channel:{}", ch.key()),
                label: ch.label().to_string(),
                channel: *ch,
                source: None,
                budget_cents: None,
                tally: t,
            })
        })
        .collect();
    let source_rows = sources
        .iter()
        .filter_map(|(id, name, _)| {
            let t = by_source.remove(id)?;
            Some(RoiRow {
                key: format!("source:{id}"),
                label: name.clone(),
                channel: channel_of.get(id).copied().unwrap_or(Channel::Other),
                source: None,
                budget_cents: None,
                tally: t,
            })
        })
        .collect();
    let campaign_rows = campaigns
        .iter()
        .filter_map(|c| {
            let budget = c.budget_cents.filter(|_| c.currency == code);
            let t = match by_campaign.remove(&c.id) {
                Some(t) => t,
                None if budget.is_some() => Tally::default(),
                None => return None,
            };
            Some(RoiRow {
                key: format!("campaign:{}", c.id),
                label: c.name.clone(),
                channel: channel_of
                    .get(&c.source_id)
                    .copied()
                    .unwrap_or(Channel::Other),
                source: source_name.get(&c.source_id).map(|s| s.to_string()),
                budget_cents: budget,
                tally: t,
            })
        })
        .collect();

    // The funnel of the chosen pipeline (the first one unless asked): for each of its open
    // stages and its won stage, the inquiries that got that far.
    let mut funnel: Vec<FunnelStep> = Vec::new();
    let main = funnel_pipeline(&pipeline, q.pipeline)?;
    for s in pipeline
        .board(main.id)
        .into_iter()
        .filter(|s| s.kind != StageKind::Lost)
    {
        let n: u32 = by_position
            .iter()
            .filter(|(p, _)| **p >= s.position && pipeline_at(**p) == Some(s.pipeline_id))
            .map(|(_, n)| *n)
            .sum();
        let from_previous = funnel
            .last()
            .map(|prev| (prev.reached > 0).then(|| f64::from(n) / f64::from(prev.reached)))
            .unwrap_or(None);
        funnel.push(FunnelStep {
            stage: s.name.clone(),
            reached: n,
            from_previous,
        });
    }
    // Leads that were never anywhere (older rows without a position) count in the first step.
    if let (Some(first), Some(unknown)) = (funnel.first_mut(), by_position.get(&i64::MIN)) {
        first.reached += unknown;
    }

    let name_of = |key: &str| stages.iter().find(|s| s.key == key).map(|s| s.name.clone());
    let channel_chart = channel_chart(&channels, theme);
    let funnel_chart = funnel_chart(&funnel, theme);
    Ok(RoiReport {
        pace,
        channel_chart,
        funnel_chart,
        query: RoiQuery {
            days: q.days,
            currency: Some(code.clone()),
            from: q.from.clone().filter(|_| q.is_custom()),
            to: q.to.clone().filter(|_| q.is_custom()),
            pipeline: q.pipeline,
        },
        period,
        now: at,
        currency,
        channels,
        sources: source_rows,
        campaigns: campaign_rows,
        total,
        funnel,
        funnel_pipeline: main.name.clone(),
        pipelines: if pipeline.several() {
            pipeline
                .active()
                .map(|p| (p.id.0, p.name.clone()))
                .collect()
        } else {
            Vec::new()
        },
        qualified_stage: name_of(QUALIFIED),
        quoted_stage: name_of(QUOTED),
        other_currencies: others.into_iter().collect(),
    })
}

/// This year's inquiries against marketing's target (years in the organisation's time zone).
async fn pace(
    state: &AppState,
    conn: &mut sqlx::AnyConnection,
    at: Timestamp,
) -> Result<Pace, AppError> {
    let policies = state.store.policies(conn).await?;
    let zone = &policies.org.calendar.zone;
    let (year, start, end) = year_span(at, zone);
    let (_, last_start, _) = year_span(Timestamp(start.0 - 1), zone);
    let target = roi::target(conn, year).await?;
    let (so_far, _) = roi::inquiries_and_wins(conn, (start, Timestamp(at.0 + 1))).await?;
    let (_, last_year_wins) = roi::inquiries_and_wins(conn, (last_start, start)).await?;
    Ok(Pace {
        year,
        target,
        so_far,
        last_year_wins,
        elapsed: (at.0 - start.0) as f64 / (end.0 - start.0).max(1) as f64,
    })
}

/// Marketing sets the inquiry target of this year or the next.
pub async fn set_target(
    state: &AppState,
    actor: &Actor,
    year: i64,
    target: &str,
) -> Result<(), AppError> {
    access::manage_campaigns(actor)?;
    let at = now();
    let mut conn = state.store.read().await?;
    let policies = state.store.policies(&mut conn).await?;
    let zone = policies.org.calendar.zone.clone();
    let (this_year, this_start, next_start) = year_span(at, &zone);
    if year != this_year && year != this_year + 1 {
        return Err(AppError::field(
            "year",
            format!("Set the target of {this_year} or {}", this_year + 1),
        ));
    }
    // The year before the one the target is for.
    let before = if year == this_year {
        (year_span(Timestamp(this_start.0 - 1), &zone).1, this_start)
    } else {
        (this_start, next_start)
    };
    let (_, wins) = roi::inquiries_and_wins(&mut conn, before).await?;
    drop(conn);
    let target = parse_target(target, wins).map_err(|m| AppError::field("target", m))?;
    let mut tx = state.store.begin().await?;
    roi::set_target(&mut tx, year, target, actor.id.0, at).await?;
    crate::ssr::store::events::append(
        &mut tx,
        &crate::ssr::store::events::NewEvent {
            at,
            actor_id: Some(actor.id.0),
            kind: "inquiry_target.set",
            lead_id: None,
            payload: serde_json::json!({"after": {"year": year, "target": target}}),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A page chart follows its rows; the wall's fills the left of a 16:9 screen.
fn size(theme: Theme) -> (u32, Option<u32>) {
    match theme {
        Theme::Light => (720, None),
        // About the drawing's size on a 1080p wall (3/5 of the width, the panel's height), so
        // its 36-unit labels are 36 px there and scale with the screen.
        Theme::Dark => (1060, Some(820)),
    }
}

/// Spend and won revenue per channel, in whole units of the report's currency.
pub fn channel_chart(channels: &[RoiRow], theme: Theme) -> String {
    let rows: Vec<BarRow> = channels
        .iter()
        .filter(|r| r.tally.spend_cents > 0 || r.tally.revenue_cents > 0)
        .map(|r| BarRow {
            label: r.label.clone(),
            values: vec![
                r.tally.spend_cents as f64 / 100.0,
                r.tally.revenue_cents as f64 / 100.0,
            ],
        })
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    charts::bars(&rows, size(theme), theme, &charts::short_amount)
}

/// The funnel's steps as bars.
pub fn funnel_chart(funnel: &[FunnelStep], theme: Theme) -> String {
    if funnel.iter().all(|s| s.reached == 0) {
        return String::new();
    }
    let rows: Vec<BarRow> = funnel
        .iter()
        .map(|s| BarRow {
            label: s.stage.clone(),
            values: vec![f64::from(s.reached)],
        })
        .collect();
    charts::bars(&rows, size(theme), theme, &|v| format!("{v:.0}"))
}
