//! Wire and view types of `/roi`: marketing's return per channel, source and
//! campaign over a period, and the funnel.

use crate::domain::compliance::Period;
use crate::domain::money::Currency;
use crate::domain::roi::{Pace, RoiRow, Spread, Tally};
use crate::domain::Timestamp;
use serde::{Deserialize, Serialize};

/// The periods the page offers, in days.
pub const PERIODS: [u32; 4] = [30, 90, 180, 365];

/// Over how long, in which currency.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoiQuery {
    pub days: u32,
    /// ISO code; the organisation's usual currency (USD) when absent.
    pub currency: Option<String>,
    /// A period of its own, first and last day (`YYYY-MM-DD`, UTC days), instead of `days`.
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    /// The pipeline whose funnel and stage times are shown (none: the first pipeline).
    #[serde(default)]
    pub pipeline: Option<i64>,
}

impl RoiQuery {
    /// The last `days` days, in the organisation's usual currency.
    pub fn last(days: u32) -> Self {
        RoiQuery {
            days,
            ..RoiQuery::default()
        }
    }

    /// Whether the period is chosen by dates.
    pub fn is_custom(&self) -> bool {
        self.from.as_deref().is_some_and(|f| !f.is_empty())
            || self.to.as_deref().is_some_and(|t| !t.is_empty())
    }
}

/// One step of the funnel: the period's inquiries that got at least this far.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    pub stage: String,
    pub reached: u32,
    /// Share of the step before that got here (none for the first).
    pub from_previous: Option<f64>,
}

/// How long leads stayed in one stage before they moved on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StageTime {
    pub stage: String,
    /// Over the moves out of the stage in the period.
    pub spread: Spread,
}

/// The page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoiReport {
    pub query: RoiQuery,
    /// This year's inquiries against marketing's target.
    pub pace: Pace,
    /// Spend and won revenue per channel, an `<svg>` drawn on the server (empty when there is
    /// nothing to draw); the channel table carries the same figures.
    pub channel_chart: String,
    /// The funnel as bars (`<svg>`, or empty); the funnel table carries the same figures.
    pub funnel_chart: String,
    pub period: Period,
    pub now: Timestamp,
    /// The currency of every amount.
    pub currency: Currency,
    pub channels: Vec<RoiRow>,
    pub sources: Vec<RoiRow>,
    pub campaigns: Vec<RoiRow>,
    pub total: Tally,
    pub funnel: Vec<FunnelStep>,
    /// The pipeline the funnel is of.
    #[serde(default)]
    pub funnel_pipeline: String,
    /// The pipelines to pick the funnel's from (id, name), when there are several.
    #[serde(default)]
    pub pipelines: Vec<(i64, String)>,
    /// The stages "qualified" and "quoted" count from (none when the pipeline has no such
    /// stage).
    pub qualified_stage: Option<String>,
    pub quoted_stage: Option<String>,
    /// Currencies with won revenue or spend in the period other than `currency`: not in the
    /// amounts shown.
    pub other_currencies: Vec<String>,
}

/// Time in stage and the sales cycle over a period (read apart from the report).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoiTimes {
    pub period: Period,
    /// Time in each stage before a move out of it in the period (event log), in stage order.
    pub stage_times: Vec<StageTime>,
    /// Inquiry to win, over the leads won in the period.
    pub sales_cycle: Option<Spread>,
}
