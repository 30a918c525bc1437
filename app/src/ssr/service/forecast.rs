//! `/forecast`: the open pipeline by expected close month (weighted by each stage's win
//! probability, committed, best case) per rep, team or pipeline, beside the past months' wins,
//! for whoever may read it (`access::view_forecast`), and the same figures as CSV.

use super::now;
use crate::domain::access::{self, Actor};
use crate::domain::forecast::{
    compute, local_day, ColumnKind, Forecast, ForecastQuery, Grouping, Month, OpenDeal, WonDeal,
    PAST_MONTHS,
};
use crate::domain::money::Currency;
use crate::domain::quota::{team_total, Attainment, Cadence, Measure};
use crate::domain::{LeadScope, PipelineId, Pipelines, StageId, Timestamp};
use crate::error::AppError;
use crate::model::forecast::ForecastView;
use crate::ssr::charts::{self, BarRow, Theme};
use crate::ssr::store::forecast as store;
use crate::ssr::AppState;
use std::collections::BTreeSet;

/// The forecast `q` asks for, as `actor` may read it.
pub async fn view(
    state: &AppState,
    actor: &Actor,
    q: ForecastQuery,
) -> Result<ForecastView, AppError> {
    let scope = access::view_forecast(actor)?;
    let grouping = q.grouping().map_err(|m| AppError::field("by", m))?;
    let ahead = q.ahead().map_err(|m| AppError::field("months", m))?;
    let currency = match q.currency.as_deref().map(str::trim) {
        None | Some("") => Currency::USD,
        Some(code) => Currency::parse(&code.to_ascii_uppercase())
            .map_err(|e| AppError::field("currency", e))?,
    };
    let mut conn = state.store.read().await?;
    let pipelines = state.store.pipeline(&mut conn).await?;
    let pipeline = match q.pipeline {
        None => None,
        Some(id) => Some(
            pipelines
                .pipeline(PipelineId(id))
                .map(|p| p.id)
                .ok_or_else(|| AppError::field("pipeline", "There is no such pipeline"))?,
        ),
    };
    let policies = state.store.policies(&mut conn).await?;
    let zone = policies.org.calendar.zone.clone();
    let at = now();
    let today = local_day(zone.to_local(at.0));
    // Wins from the first of the earliest past month shown, in the organisation's zone.
    let first = Month::of_day(today)
        .plus(-i64::from(PAST_MONTHS))
        .first_day();
    let since = Timestamp(zone.to_utc(first * crate::domain::time::DAY_MS));
    let open = store::open(&mut conn, &scope, pipeline).await?;
    let won = store::won_since(&mut conn, &scope, pipeline, since).await?;
    let (users, teams) = store::names(&mut conn).await?;
    drop(conn);

    let group = |owner: Option<i64>, team: Option<i64>, stage: i64| match grouping {
        Grouping::Rep => owner,
        Grouping::Team => team,
        Grouping::Pipeline => pipelines.get(StageId(stage)).map(|s| s.pipeline_id.0),
    };
    let code = currency.code();
    let mut others = BTreeSet::new();
    let mut undated = 0u32;
    let mut deals = Vec::with_capacity(open.len());
    for (owner, team, stage, cur, close, committed, leads, cents) in open {
        let leads = u32::try_from(leads).unwrap_or(u32::MAX);
        if close.is_none() {
            undated += leads;
        }
        if cur != code {
            if cents != 0 {
                others.insert(cur);
            }
            continue;
        }
        deals.push(OpenDeal {
            group: group(owner, team, stage),
            percent: pipelines.get(StageId(stage)).map_or(0, |s| s.win_percent()),
            cents,
            leads,
            close_day: close.as_deref().and_then(crate::domain::time::parse_date),
            committed: committed != 0,
        });
    }
    let mut wins = Vec::with_capacity(won.len());
    for (owner, team, stage, cur, value, closed_at) in won {
        if cur != code {
            if value.is_some() {
                others.insert(cur);
            }
            continue;
        }
        wins.push(WonDeal {
            group: group(owner, team, stage),
            cents: value.unwrap_or(0),
            day: local_day(zone.to_local(closed_at)),
        });
    }
    let (labels, unnamed) = labels(grouping, &users, &teams, &pipelines);
    let forecast = compute(&deals, &wins, &labels, unnamed, today, ahead, currency);
    let chart = chart(&forecast, Theme::Light);
    let quotas = if pipeline.is_none() && grouping != Grouping::Pipeline {
        row_quotas(state, &forecast, grouping, currency, at).await?
    } else {
        Vec::new()
    };
    let quota_total = team_total(&quotas.iter().map(|(_, a)| a.clone()).collect::<Vec<_>>());
    Ok(ForecastView {
        quotas,
        quota_total,
        query: q,
        grouping,
        ahead,
        chart,
        pipelines: if pipelines.several() {
            pipelines
                .active()
                .map(|p| (p.id.0, p.name.clone()))
                .collect()
        } else {
            Vec::new()
        },
        scope: match scope {
            LeadScope::Owner(_) => "Your leads".into(),
            LeadScope::Teams { .. } => "Your teams' leads and your own".into(),
            LeadScope::All => "Every team".into(),
        },
        other_currencies: others.into_iter().collect(),
        undated,
        today: crate::domain::time::date_text(today),
        forecast,
    })
}

/// Each row's monthly won-value quota in `currency`: a rep's own, or a team's people's summed.
async fn row_quotas(
    state: &AppState,
    forecast: &Forecast,
    grouping: Grouping,
    currency: Currency,
    at: Timestamp,
) -> Result<Vec<(Option<i64>, Attainment)>, AppError> {
    let mut conn = state.store.read().await?;
    let people = crate::ssr::store::quotas::people(&mut conn).await?;
    drop(conn);
    let keys: Vec<i64> = forecast.rows.iter().filter_map(|r| r.key).collect();
    let ids: Vec<i64> = people
        .iter()
        .filter(|p| match grouping {
            Grouping::Rep => keys.contains(&p.0),
            _ => p.3.is_some_and(|t| keys.contains(&t)),
        })
        .map(|p| p.0)
        .collect();
    let monthly: Vec<Attainment> = super::quotas::attainments(state, &ids, at)
        .await?
        .into_iter()
        .filter(|a| {
            a.measure == Measure::WonValue && a.cadence == Cadence::Month && a.currency == currency
        })
        .collect();
    Ok(keys
        .iter()
        .filter_map(|k| {
            let members: Vec<Attainment> = monthly
                .iter()
                .filter(|a| match grouping {
                    Grouping::Rep => a.user_id == *k,
                    _ => people.iter().any(|p| p.0 == a.user_id && p.3 == Some(*k)),
                })
                .cloned()
                .collect();
            team_total(&members).map(|a| (Some(*k), a))
        })
        .collect())
}

/// The rows' names for `grouping`, and the name of the row of leads without one.
fn labels(
    grouping: Grouping,
    users: &[(i64, String)],
    teams: &[(i64, String)],
    pipelines: &Pipelines,
) -> (Vec<(Option<i64>, String)>, &'static str) {
    let named = |list: &[(i64, String)]| {
        list.iter()
            .map(|(id, name)| (Some(*id), name.clone()))
            .collect()
    };
    match grouping {
        Grouping::Rep => (named(users), "Unassigned"),
        Grouping::Team => (named(teams), "No team"),
        Grouping::Pipeline => (
            pipelines
                .pipelines()
                .iter()
                .map(|p| (Some(p.id.0), p.name.clone()))
                .collect(),
            "Unknown pipeline",
        ),
    }
}

/// The months as bars: the past months' wins; then, for this month and the months ahead,
/// won so far plus committed, plus weighted, plus the best case.
pub fn chart(f: &Forecast, theme: Theme) -> String {
    let rows: Vec<BarRow> = f
        .columns
        .iter()
        .zip(&f.total.cells)
        .filter(|(c, _)| matches!(c.kind, ColumnKind::Won) || c.kind.in_window())
        .map(|(c, cell)| {
            let units = |cents: i64| cents as f64 / 100.0;
            BarRow {
                label: c.label.clone(),
                values: if c.kind == ColumnKind::Won {
                    vec![units(cell.won)]
                } else {
                    vec![
                        units(cell.won + cell.committed),
                        units(cell.won + cell.weighted()),
                        units(cell.won + cell.best),
                    ]
                },
            }
        })
        .collect();
    if rows.iter().all(|r| r.values.iter().all(|v| *v == 0.0)) {
        return String::new();
    }
    let size = match theme {
        Theme::Light => (720, None),
        Theme::Dark => (1060, Some(820)),
    };
    charts::bars(&rows, size, theme, &charts::short_amount)
}

/// The forecast `q` asks for as CSV (`/forecast.csv`).
pub async fn csv(state: &AppState, actor: &Actor, q: ForecastQuery) -> Result<String, AppError> {
    let v = view(state, actor, q).await?;
    Ok(crate::domain::forecast::csv(&v.forecast, v.grouping))
}
