//! Wire types of wall-display tokens, intake keys and the wall view.

use crate::domain::roi::{RoiRow, Tally};
use crate::domain::wall::{WallConfig, WallWin};
use crate::domain::{ColumnSummary, Currency, Money, Pipelines, Timestamp};
use crate::model::roi::FunnelStep;
use serde::{Deserialize, Serialize};

/// What a wall display shows, organisation-wide: each panel's figures, and what to rotate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WallView {
    pub config: WallConfig,
    pub now: Timestamp,
    /// The currency of the ROI figures.
    pub currency: Currency,
    /// ROI by channel over `config.days`, and its chart (dark `<svg>`, or empty).
    pub channels: Vec<RoiRow>,
    pub total: Tally,
    pub channel_chart: String,
    /// The period's inquiries by the furthest stage reached, and its chart.
    pub funnel: Vec<FunnelStep>,
    pub funnel_chart: String,
    /// This calendar month (the organisation's time zone): its name, wins and won value.
    pub month_name: String,
    pub month_wins: i64,
    pub month_won: Vec<Money>,
    /// The pipeline now, stage by stage.
    pub pipeline: Pipelines,
    pub summaries: Vec<ColumnSummary>,
    /// Each team's follow-up over the last `compliance_days`.
    pub teams: Vec<WallTeam>,
    pub compliance_days: u32,
    /// Newest first.
    pub wins: Vec<WallWin>,
}

/// One team's compliance as the wall shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WallTeam {
    pub name: String,
    /// The composite score, 0 to 100 (as on `/compliance`).
    pub score: Option<f64>,
    pub first_touch: String,
    pub next_step: String,
    pub not_stale: String,
    /// The team's won-value quotas summed, with what its people won this period.
    #[serde(default)]
    pub quota: Option<crate::domain::quota::Attainment>,
}
