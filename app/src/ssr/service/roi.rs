//! The ROI report: the store's counts (`store::roi`) folded into rows per channel, source and
//! campaign (`domain::roi::Tally`), and the funnel.

use super::{internal, now};
use crate::api::roi::{FunnelStep, RoiQuery, RoiReport, StageTime, PERIODS};
use crate::domain::access::{self, Actor};
use crate::domain::compliance::Period;
use crate::domain::money::Currency;
use crate::domain::roi::{RoiRow, Spread, Tally};
use crate::domain::time::DAY_MS;
use crate::domain::{Channel, CloseReason, StageKind, Timestamp};
use crate::error::AppError;
use crate::ssr::store::roi;
use crate::ssr::AppState;
use std::collections::{BTreeSet, HashMap};

/// The keys of the stages the report's "qualified" and "quoted" count from.
const QUALIFIED: &str = "qualified";
const QUOTED: &str = "quoted";

pub async fn report(state: &AppState, actor: &Actor, q: RoiQuery) -> Result<RoiReport, AppError> {
    access::view_roi(actor)?;
    if !PERIODS.contains(&q.days) {
        return Err(AppError::field(
            "days",
            "Choose a period of 30, 90, 180 or 365 days",
        ));
    }
    let currency = match q.currency.as_deref() {
        None | Some("") => Currency::USD,
        Some(code) => Currency::parse(code).map_err(|e| AppError::field("currency", e))?,
    };
    let at = now();
    let period = Period {
        from: Timestamp(at.0 - i64::from(q.days) * DAY_MS),
        to: Timestamp(at.0 + 1),
    };
    let span = (period.from, period.to);
    let mut conn = state.store.read().await.map_err(internal("roi: acquire"))?;
    let pipeline = state
        .store
        .pipeline(&mut conn)
        .await
        .map_err(internal("roi: stages"))?;
    let sources = roi::sources(&mut conn)
        .await
        .map_err(internal("roi: sources"))?;
    let campaigns = roi::campaigns(&mut conn)
        .await
        .map_err(internal("roi: campaigns"))?;
    let cohort = roi::cohort(&mut conn, span)
        .await
        .map_err(internal("roi: inquiries"))?;
    let closed = roi::closed(&mut conn, span)
        .await
        .map_err(internal("roi: close-outs"))?;
    let spend = roi::spend(&mut conn, span)
        .await
        .map_err(internal("roi: spend"))?;
    let stays = roi::stays(&mut conn, state.store.backend(), span)
        .await
        .map_err(internal("roi: time in stage"))?;
    let cycles = roi::won_cycles(&mut conn, span)
        .await
        .map_err(internal("roi: sales cycle"))?;
    drop(conn);

    let stages = pipeline.stages();
    let position_of = |key: &str| stages.iter().find(|s| s.key == key).map(|s| s.position);
    let won_position = stages
        .iter()
        .find(|s| s.kind == StageKind::Won)
        .map(|s| s.position);
    let (qualified_at, quoted_at) = (position_of(QUALIFIED), position_of(QUOTED));
    let reached =
        |pos: Option<i64>, at: Option<i64>| matches!((pos, at), (Some(p), Some(a)) if p >= a);

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
        if reached(position, won_position) {
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
    let channels = Channel::ALL
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

    // The funnel: for each open stage and the won stage, the inquiries that got that far.
    let mut funnel: Vec<FunnelStep> = Vec::new();
    for s in stages.iter().filter(|s| s.kind != StageKind::Lost) {
        let n: u32 = by_position
            .iter()
            .filter(|(p, _)| **p >= s.position)
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

    // Time in stage, in the pipeline's order.
    let mut by_stage: HashMap<i64, Vec<i64>> = HashMap::new();
    for (stage, ms) in stays {
        by_stage.entry(stage).or_default().push(ms.max(0));
    }
    let stage_times = stages
        .iter()
        .filter_map(|s| {
            let spread = Spread::of(by_stage.remove(&s.id.0)?)?;
            Some(StageTime {
                stage: s.name.clone(),
                spread,
            })
        })
        .collect();

    let name_of = |key: &str| stages.iter().find(|s| s.key == key).map(|s| s.name.clone());
    Ok(RoiReport {
        query: RoiQuery {
            days: q.days,
            currency: Some(code.clone()),
        },
        period,
        now: at,
        currency,
        channels,
        sources: source_rows,
        campaigns: campaign_rows,
        total,
        funnel,
        stage_times,
        sales_cycle: Spread::of(cycles),
        qualified_stage: name_of(QUALIFIED),
        quoted_stage: name_of(QUOTED),
        other_currencies: others.into_iter().collect(),
    })
}
